/**
 * Microsoft Entra ID's SCIM requests replayed through the real routes (issue 18 item 3), with and
 * without `?aadOptscim062020` in the Tenant URL (Entra then carries the flag on every request).
 * Sources, transcribed:
 * - "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID", sections
 *   "Understand the Microsoft Entra SCIM implementation", "User Operations" and "Handling provisioning
 *   and deprovisioning of users":
 *   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 * - "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user
 *   provisioning service", "Flags to alter the SCIM behavior" (each request without and with the flag):
 *   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
 * Entra sends bodies as application/scim+json; the documented requests carry no User-Agent and no
 * Accept, so neither do these. /Groups steps are in replay-groups.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MEMBER_PASSWORD } from '../api/support.js'
import { operator, type TestContext } from '../helpers/test-app.js'
import {
  acmeWithDirectory,
  EMPTY_LIST,
  expectScimError,
  LIST_URN,
  memberState,
  patchOp,
  q,
  scim,
  type ScimResponse,
  type TestDirectory,
  USER_URN,
} from './support.js'

const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

let ctx: TestContext
let dir: TestDirectory
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
})
afterEach(() => ctx.close())

const memberOf = (email: string) => memberState(ctx, 'acme', email)

/** One Entra request: no User-Agent; the flag, when set, as the first query parameter of every path. */
function entraClient(flag: boolean) {
  const withFlag = (path: string) => {
    if (!flag) return path
    const at = path.indexOf('?')
    return at < 0 ? `${path}?aadOptscim062020` : `${path.slice(0, at)}?aadOptscim062020&${path.slice(at + 1)}`
  }
  return (method: string, path: string, body?: unknown) =>
    scim(ctx, dir, method, withFlag(path), { ...(body === undefined ? {} : { body }), headers: { 'user-agent': undefined } })
}

/** What Entra reads in a user answer: SCIM JSON, the id, `active` a boolean (never "False"), no nulls. */
function expectEntraUser(r: ScimResponse, status: number) {
  expect(r.status, JSON.stringify(r.json)).toBe(status)
  expect(r.headers['content-type']).toMatch(/^application\/scim\+json/)
  expect(r.json.schemas).toContain(USER_URN)
  expect(typeof r.json.id).toBe('string')
  expect(typeof r.json.active).toBe('boolean')
  expect(r.json.meta).toMatchObject({ resourceType: 'User', created: expect.any(String), lastModified: expect.any(String) })
  expect(JSON.stringify(r.json)).not.toContain('null')
}

async function expectDeleted(call: ReturnType<typeof entraClient>, id: string, userName: string, email: string) {
  // Delete User: 204 No Content, no body; the user is then 404 (the detail is not required, only the status).
  const deleted = await call('DELETE', `/Users/${id}`)
  expect(deleted.status).toBe(204)
  expect(deleted.json).toBeUndefined()
  expectScimError(await call('GET', `/Users/${id}`), 404)
  expect((await call('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)).json).toEqual(EMPTY_LIST)
  expect(await memberOf(email)).toBeUndefined()
}

// Tutorial, "Create User" request.
const CREATE_USER = {
  schemas: [USER_URN, ENTERPRISE_URN],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
}
// userName is no address here: the member's email is the primary work email.
const CREATE_EMAIL = 'test_user_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com'

describe('Entra with aadOptscim062020 (the SCIM-compliant PATCH)', () => {
  it('test connection, create, get, query, update, disable, restore, an empty PATCH, delete', async () => {
    const call = entraClient(true)
    // Test Connection: "a user that doesn't exist, using a random GUID as the matching property": 200, empty ListResponse.
    expect((await call('GET', `/Users?filter=${q('userName eq "3f0c9d56-7a4e-4b8e-9c2d-6e5f1a2b3c4d"')}`)).json).toEqual(EMPTY_LIST)
    // Saving the configuration reads /Schemas: a ListResponse.
    const schemas = await call('GET', '/Schemas')
    expect(schemas.json.schemas).toEqual([LIST_URN])
    expect(schemas.json.Resources.map((s: { id: string }) => s.id)).toContain(ENTERPRISE_URN)

    // A provisioning cycle queries by the matching attribute, finds nothing, creates.
    expect((await call('GET', `/Users?filter=${q(`userName eq "${CREATE_USER.userName}"`)}`)).json).toEqual(EMPTY_LIST)
    const created = await call('POST', '/Users', CREATE_USER)
    expectEntraUser(created, 201)
    const id = created.json.id as string
    expect(created.json).toMatchObject({ externalId: CREATE_USER.externalId, userName: CREATE_USER.userName, active: true, name: CREATE_USER.name })
    expect(created.json.emails).toEqual(CREATE_USER.emails)
    expect(await memberOf(CREATE_EMAIL)).toMatchObject({ firstName: 'givenName', lastName: 'familyName', role: 'member', deactivated: false })

    // Get User; Get User by query — by userName, by externalId, and by the work email (any case).
    expectEntraUser(await call('GET', `/Users/${id}`), 200)
    for (const filter of [
      `userName eq "${CREATE_USER.userName}"`,
      `externalId eq "${CREATE_USER.externalId}"`,
      `emails[type eq "work"].value eq "${CREATE_EMAIL.toUpperCase()}"`,
    ]) {
      const found = await call('GET', `/Users?filter=${q(filter)}`)
      expect(found.json, filter).toMatchObject({ schemas: [LIST_URN], totalResults: 1, startIndex: 1, itemsPerPage: 1 })
      expect(found.json.Resources[0]).toMatchObject({ id, active: true })
    }

    // Known issues, "Requests to replace multiple attributes", with the flag: a per-path email, then one
    // pathless replace keyed by dotted and enterprise-URN paths.
    const replaced = await call(
      'PATCH',
      `/Users/${id}`,
      patchOp(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENTERPRISE_URN}:employeeNumber`]: 'Aklq' } },
      ),
    )
    expectEntraUser(replaced, 200)
    expect(replaced.json).toMatchObject({ displayName: 'Bjfe', name: { givenName: 'Kkom', familyName: 'Unua' }, [ENTERPRISE_URN]: { employeeNumber: 'Aklq' } })
    expect(replaced.json.emails).toEqual([{ primary: true, type: 'work', value: 'TestMhvaes@test.microsoft.com' }])
    expect(await memberOf(CREATE_EMAIL)).toMatchObject({ firstName: 'Kkom', lastName: 'Unua' })

    // Tutorial, "Update User [Single-valued properties]" (the tutorial's op is capitalised even here).
    const renamed = await call(
      'PATCH',
      `/Users/${id}`,
      patchOp({ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }),
    )
    expectEntraUser(renamed, 200)
    expect(renamed.json.userName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com')
    // Known issues, "Requests made to add a single-value string attribute", with the flag.
    expect((await call('PATCH', `/Users/${id}`, patchOp({ op: 'add', path: 'nickName', value: 'Babs' }))).json.nickName).toBe('Babs')

    // Known issues, "Requests made to disable users", with the flag: a boolean. The member is deactivated, and
    // the user still answers GET and filter, active false ("returned whether or not the user is active").
    const off = await call('PATCH', `/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: false }))
    expectEntraUser(off, 200)
    expect(off.json.active).toBe(false)
    expect(await memberOf(CREATE_EMAIL)).toMatchObject({ deactivated: true })
    const listed = await call('GET', `/Users?filter=${q('userName eq "5B50642D-79fc-4410-9e90-4c077cdd1a59@testuser.com"')}`)
    expect(listed.json.Resources.map((u: { id: string; active: boolean }) => [u.id, u.active])).toEqual([[id, false]])
    // Restoring: active true.
    const on = await call('PATCH', `/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: true }))
    expect(on.json.active).toBe(true)
    expect(await memberOf(CREATE_EMAIL)).toMatchObject({ firstName: 'Kkom', lastName: 'Unua', deactivated: false })

    // An empty Operations list is a no-op: 200, the user as it was.
    const before = (await call('GET', `/Users/${id}`)).json
    const noop = await call('PATCH', `/Users/${id}`, patchOp())
    expectEntraUser(noop, 200)
    expect({ ...noop.json, meta: undefined }).toEqual({ ...before, meta: undefined })

    await expectDeleted(call, id, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com', CREATE_EMAIL)
    // Every request carried the flag, and the log shows it.
    const log = (await operator(ctx, 'GET', '/organizations/acme/directory/requests')).json.data as { path: string }[]
    expect(log.every((e) => e.path.includes('?aadOptscim062020'))).toBe(true)
  })
})

describe('Entra without aadOptscim062020 (the old PATCH, still the default)', () => {
  it('capitalised per-path ops, "False"/"True" strings, the enterprise URN path, remove by value, an empty PATCH', async () => {
    const call = entraClient(false)
    expect((await call('GET', `/Users?filter=${q('userName eq "9b2e4f71-0c3d-4e5a-8b6f-7d8e9f0a1b2c"')}`)).json).toEqual(EMPTY_LIST)
    // Tutorial, "Example 1. Query the service for a matching user" by externalId (the mailNickname), none yet.
    expect((await call('GET', `/Users?filter=${q('externalId eq "jyoung"')}`)).json).toEqual(EMPTY_LIST)
    // Tutorial, "Example 2. Provision a user": unset attributes as null, and a malformed extension URN in schemas.
    const created = await call('POST', '/Users', {
      schemas: [USER_URN, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
      externalId: 'jyoung',
      userName: 'jyoung@testuser.com',
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: null,
      preferredLanguage: null,
      title: null,
      department: null,
      manager: null,
    })
    expectEntraUser(created, 201)
    const id = created.json.id as string
    expect(await memberOf('jyoung@testuser.com')).toMatchObject({ firstName: 'Joy', lastName: 'Young', deactivated: false })
    const byExternalId = await call('GET', `/Users?filter=${q('externalId eq "jyoung"')}`)
    expect(byExternalId.json.Resources.map((u: { id: string }) => u.id)).toEqual([id])
    // The tutorial prints that query unquoted (`externalId eq jyoung`): not RFC 7644 filter syntax. A clear 400,
    // never an empty list that would make Entra create a duplicate.
    expectScimError(await call('GET', `/Users?filter=${q('externalId eq jyoung')}`), 400, 'invalidFilter')

    // Known issues, "Requests to replace multiple attributes", without the flag: one capitalised op per path.
    const replaced = await call(
      'PATCH',
      `/Users/${id}`,
      patchOp(
        { op: 'Replace', path: 'displayName', value: 'Pvlo' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
        { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
        { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
        { op: 'Replace', path: 'externalId', value: 'Eqpj' },
        { op: 'Replace', path: `${ENTERPRISE_URN}:employeeNumber`, value: 'Eqpj' },
      ),
    )
    expectEntraUser(replaced, 200)
    expect(replaced.json).toMatchObject({
      displayName: 'Pvlo',
      externalId: 'Eqpj',
      name: { givenName: 'Gtfd', familyName: 'Pkqf' },
      [ENTERPRISE_URN]: { employeeNumber: 'Eqpj' },
    })
    expect(replaced.json.emails).toEqual([{ type: 'work', value: 'TestBcwqnm@test.microsoft.com', primary: true }])
    expect(replaced.json.schemas).toEqual([USER_URN, ENTERPRISE_URN])
    expect(await memberOf('jyoung@testuser.com')).toMatchObject({ firstName: 'Gtfd', lastName: 'Pkqf' })
    // The new externalId is what Entra matches on next.
    expect((await call('GET', `/Users?filter=${q('externalId eq "Eqpj"')}`)).json.totalResults).toBe(1)
    expect((await call('GET', `/Users?filter=${q('externalId eq "jyoung"')}`)).json.totalResults).toBe(0)

    // "Add a single-value string attribute" without the flag: "Add" — the string (today's page) or the
    // [{"value": …}] array earlier versions of the page showed; either is stored as the string.
    for (const value of ['Babs', [{ value: 'Babs' }]]) {
      expect((await call('PATCH', `/Users/${id}`, patchOp({ op: 'Add', path: 'nickName', value }))).json.nickName).toBe('Babs')
    }
    // Remove by value array (Entra's member-removal shape, on a user's multi-valued emails).
    await call('PATCH', `/Users/${id}`, patchOp({ op: 'Add', path: 'emails', value: [{ type: 'other', value: 'joy@home.test' }] }))
    const removed = await call('PATCH', `/Users/${id}`, patchOp({ op: 'Remove', path: 'emails', value: [{ value: 'joy@home.test' }] }))
    expect(removed.json.emails.map((e: { value: string }) => e.value)).toEqual(['TestBcwqnm@test.microsoft.com'])

    // Known issues, "Requests made to disable users", without the flag: the string "False". Stored and answered
    // as the boolean false; the member is deactivated. "True" restores.
    const off = await call('PATCH', `/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }))
    expectEntraUser(off, 200)
    expect(off.json.active).toBe(false)
    expect(await memberOf('jyoung@testuser.com')).toMatchObject({ deactivated: true })
    expect((await call('GET', `/Users/${id}`)).json.active).toBe(false)
    const on = await call('PATCH', `/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'True' }))
    expect(on.json.active).toBe(true)
    expect(await memberOf('jyoung@testuser.com')).toMatchObject({ deactivated: false })

    const before = (await call('GET', `/Users/${id}`)).json
    const noop = await call('PATCH', `/Users/${id}`, patchOp())
    expect(noop.status).toBe(200)
    expect({ ...noop.json, meta: undefined }).toEqual({ ...before, meta: undefined })

    await expectDeleted(call, id, 'jyoung@testuser.com', 'jyoung@testuser.com')
    const events = (await ctx.runtime.db.selectFrom('events').select('type').orderBy('id').execute()).map((e) => e.type)
    expect(events.filter((t) => t.startsWith('member.'))).toEqual([
      'member.created',
      'member.updated',
      'member.deactivated',
      'member.reactivated',
      'member.removed',
    ])
  })
})

describe("Entra's first sync matches the org's existing members", () => {
  it('finds no SCIM user, POSTs, and the existing member is linked as it is (same member, role kept, no new member)', async () => {
    await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
    await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify', { skipDnsCheck: true })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test', role: 'admin', password: MEMBER_PASSWORD })
    const existing = (await memberOf('max@acme.test'))!
    const call = entraClient(true)
    const createdEvents = async () => (await ctx.runtime.db.selectFrom('events').select('type').execute()).filter((e) => e.type === 'member.created').length
    const createdBefore = await createdEvents() // the operator's member.created

    // The initial cycle queries by the matching attribute (userName, then the work email when so mapped): no SCIM user yet.
    expect((await call('GET', `/Users?filter=${q('userName eq "Max@acme.test"')}`)).json).toEqual(EMPTY_LIST)
    expect((await call('GET', `/Users?filter=${q('emails[type eq "work"].value eq "max@acme.test"')}`)).json).toEqual(EMPTY_LIST)
    const created = await call('POST', '/Users', {
      schemas: [USER_URN, ENTERPRISE_URN],
      externalId: 'max',
      userName: 'Max@acme.test',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Max@acme.test' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Max Mustermann', familyName: 'Mustermann', givenName: 'Max' },
      roles: [],
    })
    expectEntraUser(created, 201)
    expect(await memberOf('max@acme.test')).toMatchObject({ id: existing.id, role: 'admin', deactivated: false })
    // The next cycle finds the user by the same queries, with the id Entra cached, and PATCHes it.
    for (const filter of ['userName eq "max@acme.test"', 'emails[type eq "work"].value eq "MAX@acme.test"']) {
      expect((await call('GET', `/Users?filter=${q(filter)}`)).json.Resources.map((u: { id: string }) => u.id)).toEqual([created.json.id])
    }
    expectEntraUser(await call('PATCH', `/Users/${created.json.id as string}`, patchOp({ op: 'replace', path: 'displayName', value: 'Max M.' })), 200)
    // A second SCIM user for the same member would split it in two: 409.
    expectScimError(await call('POST', '/Users', { ...created.json, id: undefined, userName: 'max.alias', externalId: 'max-2' }), 409, 'uniqueness')
    const members = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data as { email: string; role: string }[]
    expect(members).toMatchObject([{ email: 'max@acme.test', role: 'admin' }])
    // Linking writes no member.created: the member existed before the directory.
    expect(await createdEvents()).toBe(createdBefore)
  })
})
