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
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createDirectory, expectScimError, scim, type ScimResponse, type TestDirectory } from './support.js'

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'
const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

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
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  dir = await createDirectory(ctx, 'acme')
})
afterEach(() => ctx.close())

const q = (filter: string) => encodeURIComponent(filter)

/** The member a SCIM user is, read from the store: its person's names and whether it is deactivated. */
async function memberState(email: string) {
  const org = (await ctx.deps.store.orgs.findBySlug('acme'))!
  const user = await ctx.deps.store.users.findByEmail(email)
  const member = user && (await ctx.deps.store.members.findByUser(org.id, user.id))
  return member && { firstName: member.user.firstName, lastName: member.user.lastName, role: member.role, deactivated: member.deactivatedAt !== null }
}

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
    expect(listed).toMatchObject({ userName: 'seed@acme.test', name: { givenName: 'Seed', familyName: 'User' }, active: true, emails: [{ value: 'seed@acme.test' }] })

    // Required: GET /Users/{ISVUserid}.
    const got = await scim(ctx, dir, 'GET', `/Users/${listed.id as string}`, { headers: SPEC_HEADERS })
    expectUser(got, 200)
    expect(got.json).toMatchObject({ id: listed.id, userName: 'seed@acme.test', meta: { resourceType: 'User', location: `${dir.baseUrl}/Users/${listed.id as string}` } })

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
    expect(await memberState(randomUsername.toLowerCase())).toEqual({ firstName: 'Runscope', lastName: 'Tester', role: 'member', deactivated: false })

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
