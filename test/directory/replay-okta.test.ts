/**
 * Okta's SCIM requests replayed through the real routes, in the order Okta sends them (issue 18 item 3).
 * Sources, transcribed (bodies, headers, order, what Okta asserts on each answer):
 * - "Okta SCIM 2.0 SPEC Test", the Runscope suite Okta publishes for OIN submissions:
 *   https://developer.okta.com/docs/guides/scim-provisioning-integration-prepare/main/ (file
 *   Okta-SCIM-20-SPEC-Test.json, in github.com/okta/okta-developer-docs);
 * - "Okta and SCIM Version 2.0" (the SCIM 2.0 protocol reference):
 *   https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/ ;
 * - "Okta SCIM CRUD Test" (Okta-SCIM-CRUD-Test.json, "Test your SCIM API"):
 *   https://developer.okta.com/docs/guides/scim-provisioning-integration-test/main/ .
 * /Groups steps are in replay-groups.test.ts. The member behind each SCIM user is checked in the store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { operator, type TestContext } from '../helpers/test-app.js'
import { acmeWithDirectory, expectScimError, LIST_URN, memberState, PATCH_OP, q, scim, type ScimResponse, type TestDirectory, USER_URN } from './support.js'

/** The SPEC test sends these on every step but its creates, GETs included (a JSON Content-Type with no body). */
const SPEC_HEADERS = {
  'accept-charset': 'utf-8',
  'content-type': 'application/scim+json; charset=utf-8',
  accept: 'application/scim+json',
  'user-agent': 'OKTA SCIM Integration',
}
/** …and these on its two creates: plain JSON, no User-Agent of its own. */
const SPEC_CREATE_HEADERS = { 'content-type': 'application/json', accept: 'application/scim+json; charset=utf-8', 'user-agent': undefined }
/** Okta's provisioning client, as the SCIM 2.0 reference shows it (bodies go as JSON, like the SPEC test's creates). */
const OKTA_HEADERS = { 'user-agent': 'Okta SCIM Client 1.0.0' }
const OKTA_BODY_HEADERS = { ...OKTA_HEADERS, 'content-type': 'application/json' }

let ctx: TestContext
let dir: TestDirectory
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
})
afterEach(() => ctx.close())

const memberOf = (email: string) => memberState(ctx, 'acme', email)

/** What every Okta step needs of a user answer: 2xx SCIM JSON, the core schema, a string id, a boolean active. */
function expectUser(r: ScimResponse, status: number) {
  expect(r.status, JSON.stringify(r.json)).toBe(status)
  expect(r.headers['content-type']).toMatch(/^application\/scim\+json/)
  expect(r.json.schemas).toContain(USER_URN)
  expect(typeof r.json.id).toBe('string')
  expect(typeof r.json.active).toBe('boolean')
  expect(r.json.password).toBeUndefined()
}

describe('Okta SCIM 2.0 SPEC Test (Runscope), step by step in its order', () => {
  it('passes every required and optional Users step, then refuses a wrong token with 401', async () => {
    const randomUsername = 'RunscopeK3x9qUsername@acme.test'
    const randomEmail = 'RunscopeK3x9qEmail@acme.test'
    // The suite expects the app to hold a user already (its first Users step reads Resources[0]).
    const seed = await scim(ctx, dir, 'POST', '/Users', {
      body: { schemas: [USER_URN], userName: 'seed@acme.test', name: { givenName: 'Seed', familyName: 'User' }, emails: [{ value: 'seed@acme.test' }] },
    })
    expect(seed.status).toBe(201)

    // Optional: ServiceProviderConfig, ResourceTypes, Schemas answer GET, and refuse POST with 405 (read-only).
    const config = await scim(ctx, dir, 'GET', '/ServiceProviderConfig', { headers: SPEC_HEADERS })
    expect(config.status).toBe(200)
    expect(config.json.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig')
    for (const key of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) expect(typeof config.json[key].supported).toBe('boolean')
    expect(config.json).toMatchObject({ bulk: { maxOperations: 0, maxPayloadSize: 0 }, filter: { maxResults: 100 } })
    expect(config.json.authenticationSchemes[0]).toMatchObject({ type: 'oauthbearertoken', description: expect.any(String) })
    const types = await scim(ctx, dir, 'GET', '/ResourceTypes', { headers: SPEC_HEADERS })
    expect(types.json.schemas).toEqual([LIST_URN])
    expect(types.json.Resources[0]).toMatchObject({ name: 'User', endpoint: '/Users', schema: USER_URN })
    const schemas = await scim(ctx, dir, 'GET', '/Schemas', { headers: SPEC_HEADERS })
    expect(schemas.json.Resources[0].id).toBe(USER_URN)
    expect(schemas.json.Resources[0].attributes.length).toBeGreaterThan(0)
    for (const [path, raw] of [
      ['/ServiceProviderConfig', ''],
      ['/ResourceTypes', ''],
      ['/Schemas', 'test'],
    ] as const) {
      const refused = await scim(ctx, dir, 'POST', path, { raw, headers: SPEC_HEADERS })
      expectScimError(refused, 405)
      expect(refused.headers['allow']).toBe('GET')
    }

    // Required: GET /Users?count=1&startIndex=1, numbers as numbers, Resources[0] with its attributes.
    const page = await scim(ctx, dir, 'GET', '/Users?count=1&startIndex=1', { headers: SPEC_HEADERS })
    expect(page.status).toBe(200)
    expect(page.json).toMatchObject({ schemas: [LIST_URN], totalResults: 1, startIndex: 1, itemsPerPage: 1 })
    const listed = page.json.Resources[0]
    expect(listed).toMatchObject({
      userName: 'seed@acme.test',
      name: { givenName: 'Seed', familyName: 'User' },
      active: true,
      emails: [{ value: 'seed@acme.test' }],
    })

    // Required: GET /Users/{ISVUserid}.
    const got = await scim(ctx, dir, 'GET', `/Users/${listed.id as string}`, { headers: SPEC_HEADERS })
    expectUser(got, 200)
    expect(got.json).toMatchObject({
      id: listed.id,
      userName: 'seed@acme.test',
      meta: { resourceType: 'User', location: `${dir.baseUrl}/Users/${listed.id as string}` },
    })

    // Required: an unknown userName is an empty ListResponse (200, totalResults 0), not a 404.
    const invalid = await scim(ctx, dir, 'GET', `/Users?filter=${q('userName eq "abcdefgh@ijklmnop.qrs"')}`, { headers: SPEC_HEADERS })
    expect(invalid.status).toBe(200)
    expect(invalid.json).toMatchObject({ schemas: [LIST_URN], totalResults: 0, Resources: [] })

    // Required: an unknown id is a 404 SCIM error with a detail.
    expectScimError(await scim(ctx, dir, 'GET', '/Users/010101001010101010', { headers: SPEC_HEADERS }), 404)

    // Required: the random user does not exist yet.
    const before = await scim(ctx, dir, 'GET', `/Users?filter=${q(`userName eq "${randomEmail}"`)}`, { headers: SPEC_HEADERS })
    expect(before.json).toMatchObject({ schemas: [LIST_URN], totalResults: 0 })

    // Required: create "with realistic values", as application/json. userName comes back as sent, not lower-cased.
    const createBody = {
      schemas: [USER_URN],
      userName: randomUsername,
      name: { givenName: 'Runscope', familyName: 'Tester' },
      emails: [{ primary: true, value: randomEmail, type: 'work' }],
      displayName: 'Runscope Tester',
      active: true,
    }
    const created = await scim(ctx, dir, 'POST', '/Users', { body: createBody, headers: SPEC_CREATE_HEADERS })
    expectUser(created, 201)
    expect(created.json).toMatchObject({ userName: randomUsername, active: true, name: { givenName: 'Runscope', familyName: 'Tester' } })
    expect(created.json.userName.toLowerCase()).not.toBe(randomUsername)
    expect(created.headers['location']).toBe(`${dir.baseUrl}/Users/${created.json.id as string}`)
    expect(await memberOf(randomUsername.toLowerCase())).toMatchObject({ firstName: 'Runscope', lastName: 'Tester', role: 'member', deactivated: false })

    // Required: the user was created.
    const verified = await scim(ctx, dir, 'GET', `/Users/${created.json.id as string}`, { headers: SPEC_HEADERS })
    expect(verified.json).toMatchObject({ userName: randomUsername, name: { givenName: 'Runscope', familyName: 'Tester' } })

    // Required: recreating the same user (its email now the userName) fails with 409.
    const again = { ...createBody, emails: [{ primary: true, value: randomUsername, type: 'work' }] }
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: again, headers: SPEC_CREATE_HEADERS }), 409, 'uniqueness')

    // Required: the userName filter in capitals finds the user (userName is caseExact false).
    const caps = await scim(ctx, dir, 'GET', `/Users?filter=${q(`userName eq "${randomUsername.toUpperCase()}"`)}`, { headers: SPEC_HEADERS })
    expect(caps.status).toBe(200)
    expect(caps.json.Resources.map((u: { id: string }) => u.id)).toEqual([created.json.id])

    // Not in the suite, required by Okta's OIN review and DESIGN §8: a wrong token is 401, never 200.
    expectScimError(await scim(ctx, dir, 'GET', '/Users', { token: 'ghsc_wrong', headers: SPEC_HEADERS }), 401)

    // The directory's request log holds the conversation, with the status of each step and no secret.
    const log = (await operator(ctx, 'GET', '/organizations/acme/directory/requests')).json.data as { method: string; path: string; status: number }[]
    expect(log.map((e) => `${e.method} ${e.status}`).reverse()).toEqual([
      'POST 201',
      ...['GET 200', 'GET 200', 'GET 200', 'POST 405', 'POST 405', 'POST 405'],
      ...['GET 200', 'GET 200', 'GET 200', 'GET 404', 'GET 200', 'POST 201', 'GET 200', 'POST 409', 'GET 200', 'GET 401'],
    ])
  })
})

// "Okta and SCIM Version 2.0", Create Users: the body Okta sends, with a password and read-only groups.
const OKTA_CREATE_USER = {
  schemas: [USER_URN],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
}
const EMAIL = 'test.user@okta.local'

describe('Okta provisioning: create, update, deactivate, reactivate (SCIM 2.0 reference and CRUD test)', () => {
  it('follows a user through its lifecycle, the member in step at each request', async () => {
    // Create Users: Okta first asks whether the user exists (filter, startIndex=1, count=100): an empty list.
    const exists = await scim(ctx, dir, 'GET', `/Users?filter=${q(`userName eq "${EMAIL}"`)}&startIndex=1&count=100`, { headers: OKTA_HEADERS })
    expect(exists.status).toBe(200)
    expect(exists.json).toEqual({ schemas: [LIST_URN], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] })
    const created = await scim(ctx, dir, 'POST', '/Users', { body: OKTA_CREATE_USER, headers: OKTA_BODY_HEADERS })
    expectUser(created, 201)
    const id = created.json.id as string
    // "Create new user returned empty user" is an error in Okta: the answer is the whole user, locale kept.
    expect(created.json).toMatchObject({ userName: EMAIL, externalId: '00ujl29u0le5T6Aj10h7', locale: 'en-US', displayName: 'Test User', active: true })
    expect(created.json.emails).toEqual([{ primary: true, value: EMAIL, type: 'work' }])
    expect(await memberOf(EMAIL)).toMatchObject({ firstName: 'Test', lastName: 'User', role: 'member', deactivated: false })

    // CRUD test, "Verify if user is created in SCIM App".
    const found = await scim(ctx, dir, 'GET', `/Users?filter=${q(`userName eq "${EMAIL}"`)}`, { headers: { accept: 'application/scim+json' } })
    expect(found.json.Resources[0]).toMatchObject({ id, userName: EMAIL, emails: [{ value: EMAIL }], name: { givenName: 'Test', familyName: 'User' } })

    // Update a specific User (PUT): Okta GETs the user, then PUTs it back whole, id, meta, groups and email display included.
    const current = await scim(ctx, dir, 'GET', `/Users/${id}`, { headers: OKTA_HEADERS })
    expectUser(current, 200)
    const put = await scim(ctx, dir, 'PUT', `/Users/${id}`, {
      headers: OKTA_BODY_HEADERS,
      body: {
        schemas: [USER_URN],
        id,
        userName: EMAIL,
        name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
        emails: [{ primary: true, value: EMAIL, type: 'work', display: EMAIL }],
        active: true,
        groups: [],
        meta: { resourceType: 'User' },
      },
    })
    expectUser(put, 200)
    expect(put.json.name).toEqual({ givenName: 'Another', middleName: 'Excited', familyName: 'User' })
    expect(put.json.emails).toEqual([{ primary: true, value: EMAIL, type: 'work', display: EMAIL }])
    // A PUT replaces: what the body leaves out (locale, displayName, externalId) is gone.
    expect(put.json.locale).toBeUndefined()
    expect(await memberOf(EMAIL)).toMatchObject({ firstName: 'Another', lastName: 'User', deactivated: false })
    // CRUD test, "Verify firstname update in SCIM App".
    expect((await scim(ctx, dir, 'GET', `/Users/${id}`, { headers: { accept: 'application/scim+json' } })).json.name.givenName).toBe('Another')

    // The pathless replace of the deactivation request, carrying a name: sub-attributes not named stay (RFC 7644 §3.5.2.3).
    const renamed = await scim(ctx, dir, 'PATCH', `/Users/${id}`, {
      headers: OKTA_BODY_HEADERS,
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { name: { givenName: 'Test', familyName: 'Person' } } }] },
    })
    expectUser(renamed, 200)
    expect(renamed.json.name).toEqual({ givenName: 'Test', middleName: 'Excited', familyName: 'Person' })
    expect(await memberOf(EMAIL)).toMatchObject({ firstName: 'Test', lastName: 'Person', deactivated: false })
    // Syncing the user password is a PATCH too (same reference): accepted, never stored, never answered.
    const password = await scim(ctx, dir, 'PATCH', `/Users/${id}`, {
      headers: OKTA_BODY_HEADERS,
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { password: 'n3w-Okta-pass' } }] },
    })
    expectUser(password, 200)

    // Deactivate: the pathless replace {active: false}. 200 with the user, active false; the member is deactivated.
    const off = await scim(ctx, dir, 'PATCH', `/Users/${id}`, {
      headers: OKTA_BODY_HEADERS,
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] },
    })
    expectUser(off, 200)
    expect(off.json).toMatchObject({ id, userName: EMAIL, active: false })
    expect(await memberOf(EMAIL)).toMatchObject({ deactivated: true })
    // CRUD test, "Verify if user is deactivated": still there, active false — in a GET and in Okta's import listing.
    expect((await scim(ctx, dir, 'GET', `/Users/${id}`, { headers: { accept: 'application/scim+json' } })).json.active).toBe(false)
    const imported = await scim(ctx, dir, 'GET', '/Users?startIndex=1&count=100', { headers: OKTA_HEADERS })
    expect(imported.json.Resources.map((u: { id: string; active: boolean }) => [u.id, u.active])).toEqual([[id, false]])

    // Reactivate: the same shape with true.
    const on = await scim(ctx, dir, 'PATCH', `/Users/${id}`, {
      headers: OKTA_BODY_HEADERS,
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] },
    })
    expectUser(on, 200)
    expect(on.json.active).toBe(true)
    expect(await memberOf(EMAIL)).toMatchObject({ firstName: 'Test', lastName: 'Person', deactivated: false })
    expect((await scim(ctx, dir, 'GET', `/Users/${id}`, { headers: { accept: 'application/scim+json' } })).json.active).toBe(true)

    // The password never reached the log; the events tell the story in order.
    const log = (await operator(ctx, 'GET', '/organizations/acme/directory/requests')).json.data as { method: string; body: string | null }[]
    const bodies = log.map((e) => e.body ?? '').join('\n')
    expect(bodies.match(/"password":"\[removed\]"/g)).toHaveLength(2)
    expect(bodies).not.toMatch(/1mz050nq|n3w-Okta-pass/)
    const events = (await ctx.runtime.db.selectFrom('events').select('type').orderBy('id').execute()).map((e) => e.type)
    expect(events.filter((t) => t.startsWith('member.'))).toEqual([
      'member.created',
      'member.updated',
      'member.updated',
      'member.deactivated',
      'member.reactivated',
    ])
  })

  it('an App Integration Wizard app gets every change as a PUT of the whole user, deactivation included', async () => {
    // "For any custom app integrations created using the AIW, this request is sent through a PUT method request."
    const id = (await scim(ctx, dir, 'POST', '/Users', { body: OKTA_CREATE_USER, headers: OKTA_BODY_HEADERS })).json.id as string
    const whole = (active: boolean) => ({ ...OKTA_CREATE_USER, id, password: undefined, meta: { resourceType: 'User' }, active })
    const off = await scim(ctx, dir, 'PUT', `/Users/${id}`, { body: whole(false), headers: OKTA_BODY_HEADERS })
    expectUser(off, 200)
    expect(off.json).toMatchObject({ active: false, locale: 'en-US', externalId: '00ujl29u0le5T6Aj10h7' })
    expect(await memberOf(EMAIL)).toMatchObject({ deactivated: true })
    // Okta never DELETEs a user: the deactivated one stays listed, and a PUT with active true brings the member back.
    expect((await scim(ctx, dir, 'GET', `/Users?filter=${q(`userName eq "${EMAIL}"`)}`, { headers: OKTA_HEADERS })).json.Resources[0].active).toBe(false)
    const on = await scim(ctx, dir, 'PUT', `/Users/${id}`, { body: whole(true), headers: OKTA_BODY_HEADERS })
    expect(on.json.active).toBe(true)
    expect(await memberOf(EMAIL)).toMatchObject({ firstName: 'Test', lastName: 'User', role: 'member', deactivated: false })
  })
})
