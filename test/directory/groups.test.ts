/**
 * SCIM /Groups through the real routes (DESIGN §8): create, get, list with filters and a true
 * totalResults, projection (excludedAttributes=members), PUT, DELETE; a duplicate displayName (409),
 * unknown members (400 naming them); each change audited and an event once, in its transaction.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { operator, type TestContext } from '../helpers/test-app.js'
import { acmeWithDirectory, createScimUsers, expectScimError, oktaGroup, scim, type TestDirectory } from './support.js'

let ctx: TestContext
let dir: TestDirectory
let users: string[]
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
  users = await createScimUsers(ctx, dir, ['ann@acme.test', 'bob@acme.test', 'cy@acme.test'])
})
afterEach(() => ctx.close())

const groupEvents = async () =>
  (await ctx.runtime.db.selectFrom('events').select(['type', 'data']).orderBy('id').execute())
    .filter((e) => e.type.startsWith('group.'))
    .map((e) => ({ type: e.type, data: JSON.parse(e.data) as Record<string, unknown> }))
const groupAudit = async () =>
  ((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; actor: string; target: string }[])
    .filter((e) => e.action.startsWith('directory.group_'))
    .map((e) => `${e.action} ${e.actor} ${e.target}`)
const memberIdOf = async (email: string) => (await operator(ctx, 'GET', `/organizations/acme/members/${email}`)).json.id as string
const q = (filter: string) => `filter=${encodeURIComponent(filter)}`

describe('Groups CRUD', () => {
  it('creates (201, Location, members with $ref and display), gets, replaces with PUT, deletes (204, then 404)', async () => {
    const created = await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Engineering', [users[0]!, users[1]!], { externalId: 'okta-eng' }) })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const id = created.json.id as string
    expect(created.headers['location']).toBe(`${dir.baseUrl}/Groups/${id}`)
    expect(created.headers['content-type']).toMatch(/^application\/scim\+json/)
    expect(created.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      externalId: 'okta-eng',
      meta: { resourceType: 'Group', location: `${dir.baseUrl}/Groups/${id}` },
    })
    expect(created.json.members).toEqual([
      { value: users[0], $ref: `${dir.baseUrl}/Users/${users[0]!}`, display: 'ann@acme.test' },
      { value: users[1], $ref: `${dir.baseUrl}/Users/${users[1]!}`, display: 'bob@acme.test' },
    ])
    expect((await scim(ctx, dir, 'GET', `/Groups/${id}`)).json).toEqual(created.json)

    ctx.clock.advance(1000)
    const put = await scim(ctx, dir, 'PUT', `/Groups/${id}`, { body: oktaGroup('Engineering', [users[1]!, users[2]!]) })
    expect(put.status).toBe(200)
    expect(put.json.members.map((m: { value: string }) => m.value)).toEqual([users[1], users[2]])
    expect(put.json.externalId).toBeUndefined()
    expect(put.json.meta.lastModified).toBe(ctx.clock.now().toISOString())
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).json.groupCount).toBe(1)

    expect((await scim(ctx, dir, 'DELETE', `/Groups/${id}`)).status).toBe(204)
    expectScimError(await scim(ctx, dir, 'GET', `/Groups/${id}`), 404)
    expectScimError(await scim(ctx, dir, 'DELETE', `/Groups/${id}`), 404)
    expectScimError(await scim(ctx, dir, 'PUT', `/Groups/${id}`, { body: oktaGroup('Engineering') }), 404)
    expectScimError(await scim(ctx, dir, 'PATCH', `/Groups/${id}`, { body: { Operations: [] } }), 404)
    // The users stay: a group is not its members.
    expect((await scim(ctx, dir, 'GET', '/Users')).json.totalResults).toBe(3)

    const [ann, bob, cy] = [await memberIdOf('ann@acme.test'), await memberIdOf('bob@acme.test'), await memberIdOf('cy@acme.test')]
    expect(await groupEvents()).toEqual([
      { type: 'group.created', data: { id, displayName: 'Engineering', externalId: 'okta-eng', members: [ann, bob] } },
      { type: 'group.updated', data: { id, displayName: 'Engineering', membersAdded: [cy], membersRemoved: [ann] } },
      { type: 'group.deleted', data: { id, displayName: 'Engineering' } },
    ])
    expect(await groupAudit()).toEqual([
      'directory.group_deleted system:directory Engineering',
      'directory.group_updated system:directory Engineering',
      'directory.group_created system:directory Engineering',
    ])
  })

  it('refuses a displayName the directory has, in any case (409 uniqueness), on POST, PUT and PATCH; accepts another name', async () => {
    const admins = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Admins') })).json.id as string
    const devs = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Developers') })).json.id as string
    expectScimError(await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('admins') }), 409, 'uniqueness')
    expectScimError(await scim(ctx, dir, 'PUT', `/Groups/${devs}`, { body: oktaGroup('ADMINS') }), 409, 'uniqueness')
    expectScimError(
      await scim(ctx, dir, 'PATCH', `/Groups/${devs}`, { body: { Operations: [{ op: 'replace', path: 'displayName', value: 'Admins' }] } }),
      409,
      'uniqueness',
    )
    // A group may change the case of its own name; another name is free.
    expect((await scim(ctx, dir, 'PUT', `/Groups/${admins}`, { body: oktaGroup('ADMINS') })).json.displayName).toBe('ADMINS')
    expect((await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Admins 2') })).status).toBe(201)
    const listed = (await scim(ctx, dir, 'GET', '/Groups')).json.Resources.map((g: { displayName: string }) => g.displayName) as string[]
    expect(listed.sort()).toEqual(['ADMINS', 'Admins 2', 'Developers'])
    expect((await groupEvents()).map((e) => e.type)).toEqual(['group.created', 'group.created', 'group.updated', 'group.created'])
  })

  it('refuses a member that is not a user of this directory (400 invalidValue naming it) and changes nothing', async () => {
    const unknown = '00000000-0000-4000-8000-00000000dead'
    const refused = await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Ops', [users[0]!, unknown]) })
    expectScimError(refused, 400, 'invalidValue')
    expect(refused.json.detail).toContain(unknown)
    expect((await scim(ctx, dir, 'GET', '/Groups')).json.totalResults).toBe(0)
    const id = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Ops', [users[0]!]) })).json.id as string
    expectScimError(await scim(ctx, dir, 'PUT', `/Groups/${id}`, { body: oktaGroup('Ops', [unknown]) }), 400, 'invalidValue')
    expectScimError(await scim(ctx, dir, 'POST', '/Groups', { body: { displayName: 'Nested', members: [{ value: id, type: 'Group' }] } }), 400, 'invalidValue')
    expectScimError(await scim(ctx, dir, 'POST', '/Groups', { body: { members: [] } }), 400, 'invalidValue')
    expect((await scim(ctx, dir, 'GET', `/Groups/${id}`)).json.members.map((m: { value: string }) => m.value)).toEqual([users[0]])
    expect((await groupEvents()).map((e) => e.type)).toEqual(['group.created'])
  })

  it('drops a deleted user from its groups', async () => {
    const id = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Ops', [users[0]!, users[1]!]) })).json.id as string
    expect((await scim(ctx, dir, 'DELETE', `/Users/${users[0]!}`)).status).toBe(204)
    expect((await scim(ctx, dir, 'GET', `/Groups/${id}`)).json.members.map((m: { value: string }) => m.value)).toEqual([users[1]])
  })
})

describe('Groups list', () => {
  let ids: string[]
  beforeEach(async () => {
    ids = []
    for (const [i, name] of ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon'].entries()) {
      ctx.clock.advance(1000)
      const members = i % 2 === 0 ? [users[0]!] : [users[1]!, users[2]!]
      const r = await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup(name, members, { externalId: `ext-${i}` }) })
      expect(r.status, JSON.stringify(r.json)).toBe(201)
      ids.push(r.json.id as string)
    }
  })

  it('pages with a true totalResults', async () => {
    const page = await scim(ctx, dir, 'GET', '/Groups?startIndex=2&count=2')
    expect(page.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 5, startIndex: 2, itemsPerPage: 2 })
    expect(page.json.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['Beta', 'Gamma'])
    const counted = await scim(ctx, dir, 'GET', '/Groups?count=0')
    expect(counted.json).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] })
    const past = await scim(ctx, dir, 'GET', '/Groups?startIndex=9')
    expect(past.json).toMatchObject({ totalResults: 5, Resources: [] })
  })

  it('filters on displayName (any case), externalId (exact), id, members.value and members[value eq], joined by and', async () => {
    const names = async (filter: string) =>
      (await scim(ctx, dir, 'GET', `/Groups?${q(filter)}`)).json.Resources.map((g: { displayName: string }) => g.displayName)
    expect(await names('displayName eq "gAMMA"')).toEqual(['Gamma'])
    expect(await names('urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "delta"')).toEqual(['Delta'])
    expect(await names('externalId eq "ext-3"')).toEqual(['Delta'])
    expect(await names('externalId eq "EXT-3"')).toEqual([])
    expect(await names(`id eq "${ids[4]!}"`)).toEqual(['Epsilon'])
    expect(await names(`members.value eq "${users[0]!}"`)).toEqual(['Alpha', 'Gamma', 'Epsilon'])
    expect(await names(`members[value eq "${users[2]!}"]`)).toEqual(['Beta', 'Delta'])
    expect(await names(`members.value eq "${users[2]!}" and displayName eq "beta"`)).toEqual(['Beta'])
    const total = await scim(ctx, dir, 'GET', `/Groups?${q(`members.value eq "${users[0]!}"`)}&count=1`)
    expect(total.json).toMatchObject({ totalResults: 3, itemsPerPage: 1 })
    expectScimError(await scim(ctx, dir, 'GET', `/Groups?${q('displayName co "a"')}`), 400, 'invalidFilter')
    expectScimError(await scim(ctx, dir, 'GET', `/Groups?${q('userName eq "ann@acme.test"')}`), 400, 'invalidFilter')
  })

  it('leaves members out under excludedAttributes=members (Entra), and projects attributes', async () => {
    const entra = await scim(ctx, dir, 'GET', `/Groups?${q('displayName eq "Beta"')}&excludedAttributes=members`)
    expect(entra.json.totalResults).toBe(1)
    expect(Object.keys(entra.json.Resources[0]).sort()).toEqual(['displayName', 'externalId', 'id', 'meta', 'schemas'])
    const one = await scim(ctx, dir, 'GET', `/Groups/${ids[1]!}?excludedAttributes=members`)
    expect(one.json.members).toBeUndefined()
    expect(one.json.displayName).toBe('Beta')
    const picked = await scim(ctx, dir, 'GET', `/Groups/${ids[1]!}?attributes=members.value`)
    expect(picked.json.members).toEqual([{ value: users[1] }, { value: users[2] }])
    expect(picked.json.displayName).toBeUndefined()
    const named = await scim(ctx, dir, 'GET', '/Groups?attributes=displayName&count=1')
    expect(Object.keys(named.json.Resources[0]).sort()).toEqual(['displayName', 'id', 'meta', 'schemas'])
    // A PATCH answers 200 with the group, shaped the same way.
    const patched = await scim(ctx, dir, 'PATCH', `/Groups/${ids[1]!}?excludedAttributes=members`, {
      body: { Operations: [{ op: 'add', path: 'members', value: [{ value: users[0]! }] }] },
    })
    expect(patched.status).toBe(200)
    expect(patched.json.members).toBeUndefined()
    expect((await scim(ctx, dir, 'GET', `/Groups/${ids[1]!}`)).json.members).toHaveLength(3)
  })
})
