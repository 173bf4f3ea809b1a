/**
 * PATCH /Groups/{id} in the shapes Okta's group push and Entra ID send (DESIGN §8), through the real
 * routes. Bodies transcribed from the vendors' public docs:
 * - Okta: developer.okta.com/docs/reference/scim/scim-20/ ("Update a specific Group name",
 *   "Update specific Group membership": add members, remove `members[value eq "…"]`, replace value {id, displayName});
 * - Entra: learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 *   ("Update Group [Add Members]", "[Remove Members]", "Update Group [Non-member attributes]": capitalised
 *   ops, `{"$ref": null, "value": id}` arrays, an empty Operations list).
 * All operations of a request apply, or none do.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TestContext } from '../helpers/test-app.js'
import { acmeWithDirectory, createScimUsers, expectScimError, oktaGroup, PATCH_OP, scim, type TestDirectory } from './support.js'

let ctx: TestContext
let dir: TestDirectory
let users: string[]
let group: string
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
  users = await createScimUsers(ctx, dir, ['ann@acme.test', 'bob@acme.test', 'cy@acme.test'])
  group = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Engineering', [users[0]!]) })).json.id as string
})
afterEach(() => ctx.close())

const patch = (Operations: unknown[], query = '') => scim(ctx, dir, 'PATCH', `/Groups/${group}${query}`, { body: { schemas: [PATCH_OP], Operations } })
const memberValues = async () => ((await scim(ctx, dir, 'GET', `/Groups/${group}`)).json.members as { value: string }[]).map((m) => m.value)
const groupUpdates = async () =>
  (await ctx.runtime.db.selectFrom('events').select(['type', 'data']).orderBy('id').execute())
    .filter((e) => e.type === 'group.updated')
    .map((e) => JSON.parse(e.data) as Record<string, unknown>)

describe("Okta's group push", () => {
  it('adds members, removes one by members[value eq "…"], renames with a pathless replace carrying the id', async () => {
    const added = await patch([
      {
        op: 'add',
        path: 'members',
        value: [
          { value: users[1]!, display: 'bob@acme.test' },
          { value: users[2]!, display: 'cy@acme.test' },
        ],
      },
    ])
    expect(added.status, JSON.stringify(added.json)).toBe(200)
    expect(added.json.members.map((m: { value: string }) => m.value)).toEqual(users)

    expect((await patch([{ op: 'remove', path: `members[value eq "${users[0]!}"]` }])).status).toBe(200)
    expect(await memberValues()).toEqual([users[1], users[2]])

    const renamed = await patch([{ op: 'replace', value: { id: group, displayName: 'Engineering (all)' } }])
    expect(renamed.status).toBe(200)
    expect(renamed.json.displayName).toBe('Engineering (all)')
    expect(await memberValues()).toEqual([users[1], users[2]])

    // Okta's full membership replace.
    expect((await patch([{ op: 'replace', path: 'members', value: [{ value: users[0]! }] }])).status).toBe(200)
    expect(await memberValues()).toEqual([users[0]])

    const updates = await groupUpdates()
    expect(updates).toHaveLength(4)
    expect(updates[2]).toMatchObject({
      before: { displayName: 'Engineering' },
      after: { displayName: 'Engineering (all)' },
      membersAdded: [],
      membersRemoved: [],
    })
    expect(updates.map((u) => [(u.membersAdded as string[]).length, (u.membersRemoved as string[]).length])).toEqual([
      [2, 0],
      [0, 1],
      [0, 0],
      [1, 2],
    ])
  })

  it('refuses a pathless replace carrying another id (400 mutability) and changes nothing', async () => {
    expectScimError(await patch([{ op: 'replace', value: { id: users[0]!, displayName: 'Other' } }]), 400, 'mutability')
    expect((await scim(ctx, dir, 'GET', `/Groups/${group}`)).json.displayName).toBe('Engineering')
    expect(await groupUpdates()).toEqual([])
  })
})

describe("Entra ID's PATCH", () => {
  it('takes capitalised ops, adds and removes members by value arrays, replaces displayName', async () => {
    const add = await patch([{ name: 'addMember', op: 'Add', path: 'members', value: [{ $ref: null, value: users[1]! }] }])
    expect(add.status, JSON.stringify(add.json)).toBe(200)
    expect(await memberValues()).toEqual([users[0], users[1]])

    const remove = await patch([
      {
        name: 'removeMember',
        op: 'Remove',
        path: 'members',
        value: [
          { $ref: null, value: users[0]! },
          { $ref: null, value: users[1]! },
        ],
      },
    ])
    expect(remove.status).toBe(200)
    expect(await memberValues()).toEqual([])

    const rename = await patch([{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }])
    expect(rename.status).toBe(200)
    expect(rename.json.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName')

    // Adding a member twice and removing a non-member are no-ops, not errors.
    expect((await patch([{ op: 'Add', path: 'members', value: [{ value: users[2]! }, { value: users[2]! }] }])).status).toBe(200)
    expect((await patch([{ op: 'Add', path: 'members', value: [{ value: users[2]! }] }])).status).toBe(200)
    expect((await patch([{ op: 'Remove', path: 'members', value: [{ value: users[0]! }] }])).status).toBe(200)
    expect(await memberValues()).toEqual([users[2]])
    expect(await groupUpdates()).toHaveLength(4)
  })

  it('answers an empty Operations list 200 with the group and writes nothing', async () => {
    const before = (await scim(ctx, dir, 'GET', `/Groups/${group}`)).json
    ctx.clock.advance(60_000)
    const empty = await patch([], '?excludedAttributes=members')
    expect(empty.status).toBe(200)
    expect(empty.json).toEqual({ ...before, members: undefined })
    expect(empty.json.meta.lastModified).toBe(before.meta.lastModified)
    expect(await groupUpdates()).toEqual([])
  })
})

describe('one request, one transaction', () => {
  it('changes nothing when any operation fails: a bad op after good ones, an unknown member, a taken name', async () => {
    await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Taken') })
    const good = [
      { op: 'add', path: 'members', value: [{ value: users[1]! }] },
      { op: 'replace', path: 'displayName', value: 'Renamed' },
    ]
    expectScimError(await patch([...good, { op: 'remove' }]), 400, 'noTarget')
    expectScimError(await patch([...good, { op: 'add', path: 'members', value: [{ value: 'not-a-user' }] }]), 400, 'invalidValue')
    expectScimError(await patch([...good, { op: 'replace', path: 'displayName', value: 'taken' }]), 409, 'uniqueness')
    const unchanged = (await scim(ctx, dir, 'GET', `/Groups/${group}`)).json
    expect(unchanged.displayName).toBe('Engineering')
    expect(unchanged.members.map((m: { value: string }) => m.value)).toEqual([users[0]])
    expect(await groupUpdates()).toEqual([])

    // The same operations without the failing one apply, together.
    const applied = await patch(good)
    expect(applied.status).toBe(200)
    expect(applied.json.displayName).toBe('Renamed')
    expect(applied.json.members.map((m: { value: string }) => m.value)).toEqual([users[0], users[1]])
    expect(await groupUpdates()).toHaveLength(1)
  })
})
