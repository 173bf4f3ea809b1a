/**
 * The /Groups part of Okta's and Entra's request sequences (issue 18 item 3), replayed through the real
 * routes. Sources, transcribed:
 * - Okta: "Okta and SCIM Version 2.0", SCIM Group operations
 *   (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/), and the "Okta SCIM 2.0 SPEC
 *   Test" step "Verify Groups endpoint" (https://developer.okta.com/docs/guides/scim-provisioning-integration-prepare/main/).
 * - Entra: "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID", Group
 *   Operations (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups),
 *   and "Known issues and resolutions with SCIM 2.0 protocol compliance…", "Requests made to remove a group
 *   member" without and with aadOptscim062020
 *   (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility).
 * A PATCH may answer 200 with the group or 204 (both vendors accept either; Entra prefers 204): each
 * step reads the group back with a GET.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TestContext } from '../helpers/test-app.js'
import {
  acmeWithDirectory,
  EMPTY_LIST,
  expectScimError,
  GROUP_URN,
  LIST_URN,
  oktaUser,
  patchOp,
  q,
  scim,
  type ScimResponse,
  type TestDirectory,
} from './support.js'

const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' }
const OKTA_BODY = { ...OKTA, 'content-type': 'application/json' }
const ENTRA = { 'user-agent': undefined }

let ctx: TestContext
let dir: TestDirectory
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
})
afterEach(() => ctx.close())

async function user(email: string): Promise<string> {
  const r = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(email) })
  expect(r.status, JSON.stringify(r.json)).toBe(201)
  return r.json.id as string
}

/** A PATCH answer: 200 with the group, or 204 with no body. */
function expectPatched(r: ScimResponse) {
  expect([200, 204], JSON.stringify(r.json)).toContain(r.status)
  if (r.status === 200) expect(r.json.schemas).toContain(GROUP_URN)
  else expect(r.json).toBeUndefined()
}

const memberIds = (group: { members?: { value: string }[] }) => (group.members ?? []).map((m) => m.value).sort()

describe('Okta group push', () => {
  it('lists, pushes a group, updates membership with members[value eq] and add, renames, replaces all members, deletes', async () => {
    const a = await user('test.user@okta.local')
    const b = await user('other.user@okta.local')
    const get = async (id: string) => {
      const r = await scim(ctx, dir, 'GET', `/Groups/${id}`, { headers: OKTA })
      expect(r.status).toBe(200)
      return r.json
    }

    // SPEC test, "Verify Groups endpoint": 200, totalResults a number, Resources an array.
    const listed = await scim(ctx, dir, 'GET', '/Groups', {
      headers: {
        'accept-charset': 'utf-8',
        'content-type': 'application/scim+json; charset=utf-8',
        accept: 'application/scim+json',
        'user-agent': 'OKTA SCIM Integration',
      },
    })
    expect(listed.status).toBe(200)
    expect(listed.json).toEqual(EMPTY_LIST)

    // Create Groups (Push Groups): 201 with the group as a GET would answer it.
    const created = await scim(ctx, dir, 'POST', '/Groups', { headers: OKTA_BODY, body: { schemas: [GROUP_URN], displayName: 'Test SCIMv2', members: [] } })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    expect(created.json).toMatchObject({ schemas: [GROUP_URN], displayName: 'Test SCIMv2', meta: { resourceType: 'Group' } })
    const id = created.json.id as string
    expect(created.headers['location']).toBe(`${dir.baseUrl}/Groups/${id}`)
    // Retrieve Groups (import, count=100) and a specific Group.
    const page = await scim(ctx, dir, 'GET', '/Groups?startIndex=1&count=100', { headers: OKTA })
    expect(page.json).toMatchObject({ schemas: [LIST_URN], totalResults: 1, startIndex: 1, itemsPerPage: 1 })
    expect((await get(id)).displayName).toBe('Test SCIMv2')

    // Update specific Group membership: add with value and display…
    expectPatched(
      await scim(ctx, dir, 'PATCH', `/Groups/${id}`, {
        headers: OKTA_BODY,
        body: patchOp({ op: 'add', path: 'members', value: [{ value: b, display: 'other.user@okta.local' }] }),
      }),
    )
    expect(memberIds(await get(id))).toEqual([b])
    // …then the reference's request: remove by members[value eq "…"], add another, in one PATCH.
    expectPatched(
      await scim(ctx, dir, 'PATCH', `/Groups/${id}`, {
        headers: OKTA_BODY,
        body: patchOp(
          { op: 'remove', path: `members[value eq "${b}"]` },
          { op: 'add', path: 'members', value: [{ value: a, display: 'test.user@okta.local' }] },
        ),
      }),
    )
    expect(memberIds(await get(id))).toEqual([a])

    // Update a specific Group name: a pathless replace carrying the group's own id (sent on every membership update too).
    expectPatched(
      await scim(ctx, dir, 'PATCH', `/Groups/${id}`, { headers: OKTA_BODY, body: patchOp({ op: 'replace', value: { id, displayName: 'Test SCIMv20' } }) }),
    )
    const renamed = await get(id)
    expect(renamed.displayName).toBe('Test SCIMv20')
    expect(memberIds(renamed)).toEqual([a])

    // A full push of the membership: replace members.
    const all = [
      { value: a, display: 'test.user@okta.local' },
      { value: b, display: 'test.user@okta.local' },
    ]
    expectPatched(await scim(ctx, dir, 'PATCH', `/Groups/${id}`, { headers: OKTA_BODY, body: patchOp({ op: 'replace', path: 'members', value: all }) }))
    expect(memberIds(await get(id))).toEqual([a, b].sort())

    // Delete a specific Group (Unlink pushed group, "Delete the group in the target app"): 204, then 404.
    const deleted = await scim(ctx, dir, 'DELETE', `/Groups/${id}`, { headers: OKTA })
    expect(deleted.status).toBe(204)
    expectScimError(await scim(ctx, dir, 'GET', `/Groups/${id}`, { headers: OKTA }), 404)
    // The users stay.
    expect((await scim(ctx, dir, 'GET', '/Users')).json.totalResults).toBe(2)
  })
})

// Tutorial, "Create Group": Entra adds a schema URN of its own and sends no members.
const ENTRA_CREATE_GROUP = {
  schemas: [GROUP_URN, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
  externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
  displayName: 'displayName',
  meta: { resourceType: 'Group' },
}

describe('Entra groups, with and without aadOptscim062020', () => {
  for (const flag of [false, true]) {
    it(`${flag ? 'with' : 'without'} the flag: test connection, query by displayName, create, members added and removed, rename, empty PATCH, delete`, async () => {
      const path = (p: string) => (flag ? (p.includes('?') ? p.replace('?', '?aadOptscim062020&') : `${p}?aadOptscim062020`) : p)
      const call = (method: string, p: string, body?: unknown) => scim(ctx, dir, method, path(p), { ...(body === undefined ? {} : { body }), headers: ENTRA })
      const [add, remove, replace] = flag ? ['add', 'remove', 'replace'] : ['Add', 'Remove', 'Replace']
      const a = await user('ada@acme.test')
      const b = await user('bob@acme.test')
      const byName = (name: string) => call('GET', `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${name}"`)}`)

      // Test Connection fetches a random group as well as a random user: 200, an empty ListResponse.
      expect((await byName('0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a')).json).toEqual(EMPTY_LIST)
      // Get Group by displayName (Entra's matching query), none yet; then Create Group.
      expect((await byName('displayName')).json).toEqual(EMPTY_LIST)
      const created = await call('POST', '/Groups', ENTRA_CREATE_GROUP)
      expect(created.status, JSON.stringify(created.json)).toBe(201)
      expect(created.json).toMatchObject({ schemas: [GROUP_URN], externalId: ENTRA_CREATE_GROUP.externalId, displayName: 'displayName' })
      expect(created.json.members ?? []).toEqual([])
      const id = created.json.id as string

      // Get Group and Get Group by displayName (any case) with excludedAttributes=members: no members key.
      const got = await call('GET', `/Groups/${id}?excludedAttributes=members`)
      expect(got.status).toBe(200)
      expect(got.json).toMatchObject({ id, externalId: ENTRA_CREATE_GROUP.externalId, displayName: 'displayName', meta: { resourceType: 'Group' } })
      expect(got.json.members).toBeUndefined()
      const found = await byName('DISPLAYNAME')
      expect(found.json).toMatchObject({ schemas: [LIST_URN], totalResults: 1 })
      expect(found.json.Resources[0].id).toBe(id)
      expect(found.json.Resources[0].members).toBeUndefined()

      // Update Group [Add Members]: a value array with `$ref: null`.
      expectPatched(await call('PATCH', `/Groups/${id}`, patchOp({ op: add, path: 'members', value: [{ $ref: null, value: a }] })))
      expectPatched(await call('PATCH', `/Groups/${id}`, patchOp({ op: add, path: 'members', value: [{ $ref: null, value: b }] })))
      const members = async () => memberIds((await call('GET', `/Groups/${id}`)).json)
      expect(await members()).toEqual([a, b].sort())
      // A reference query on members (is this user in the group?).
      const has = await call('GET', `/Groups?excludedAttributes=members&filter=${q(`id eq "${id}" and members.value eq "${a}"`)}`)
      expect(has.json.totalResults).toBe(1)

      // Requests made to remove a group member: without the flag a value array; with it, members[value eq "…"].
      const removal = flag ? { op: 'remove', path: `members[value eq "${a}"]` } : { op: 'Remove', path: 'members', value: [{ value: a }] }
      expectPatched(await call('PATCH', `/Groups/${id}`, patchOp(removal)))
      expect(await members()).toEqual([b])
      // Update Group [Remove Members] as the tutorial prints it: `$ref: null` in the array.
      expectPatched(await call('PATCH', `/Groups/${id}`, patchOp({ op: remove, path: 'members', value: [{ $ref: null, value: b }] })))
      expect(await members()).toEqual([])

      // Update Group [Non-member attributes]: rename; the old name finds nothing, the new one the group.
      const renamedTo = '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName'
      expectPatched(await call('PATCH', `/Groups/${id}`, patchOp({ op: replace, path: 'displayName', value: renamedTo })))
      expect((await byName('displayName')).json.totalResults).toBe(0)
      expect((await byName(renamedTo)).json.Resources[0].id).toBe(id)

      // An empty Operations list changes nothing.
      expectPatched(await call('PATCH', `/Groups/${id}`, patchOp()))
      expect((await call('GET', `/Groups/${id}`)).json).toMatchObject({ displayName: renamedTo })

      // Delete Group: 204, then 404; the users stay.
      expect((await call('DELETE', `/Groups/${id}`)).status).toBe(204)
      expectScimError(await call('GET', `/Groups/${id}`), 404)
      expect((await call('GET', '/Users')).json.totalResults).toBe(2)
    })
  }
})
