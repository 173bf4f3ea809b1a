/**
 * Groups drive roles (DESIGN §8, §2.4): a SCIM group's displayName is an IdP role for the org's role
 * mapping. Pushing a user into a group, removing them, renaming or deleting the group recomputes their
 * org and workspace roles as a sign-in would (the owner is never lowered; mapping off: unchanged), in
 * the change's transaction, with a member.updated event; a sign-in counts the member's groups beside
 * the assertion's roles; the members page shows such roles "from directory".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { PASSWORD, signedIn } from '../http/support.js'
import { createDirectory, createScimUsers, oktaGroup, PATCH_OP, scim, type TestDirectory } from './support.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg
let dir: TestDirectory

const RULES = [
  { idpRole: 'acme-admins', orgRole: 'admin', workspaceRoles: { prod: 'admin' } },
  { idpRole: 'acme-devs', orgRole: 'member', workspaceRoles: { prod: 'developer' } },
]
const MAPPING = { roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: RULES } }

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('groups')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  dir = await createDirectory(ctx, 'acme')
})
afterEach(() => ctx.close())

const memberOf = async (email: string) => (await operator(ctx, 'GET', `/organizations/acme/members/${email}`)).json
const rolesOf = async (email: string) => {
  const m = await memberOf(email)
  return { role: m.role as string, workspaceRoles: m.workspaceRoles as Record<string, string> }
}
const patchGroup = (id: string, Operations: unknown[]) => scim(ctx, dir, 'PATCH', `/Groups/${id}`, { body: { schemas: [PATCH_OP], Operations } })
const addTo = (id: string, user: string) => patchGroup(id, [{ op: 'add', path: 'members', value: [{ value: user }] }])
const removeFrom = (id: string, user: string) => patchGroup(id, [{ op: 'remove', path: `members[value eq "${user}"]` }])
const memberEvents = async () =>
  (await ctx.runtime.db.selectFrom('events').select(['type', 'data']).orderBy('id').execute())
    .filter((e) => e.type === 'member.updated')
    .map((e) => JSON.parse(e.data) as { member: Record<string, unknown>; before: Record<string, unknown>; changed: string[] })
    .map(({ member, before, changed }) => ({
      memberId: member.id,
      email: member.email,
      before: { role: before.role, workspaceRoles: before.workspaceRoles },
      after: { role: member.role, workspaceRoles: member.workspaceRoles },
      changed,
    }))
const roleAudit = async () =>
  ((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; actor: string; target: string }[])
    .filter((e) => e.action === 'member.roles_from_directory')
    .map((e) => `${e.actor} ${e.target}`)
const signIn = async (nameId: string, groups: string[]) =>
  (await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId, attributes: { groups } }))).statusCode

describe('with role mapping on', () => {
  beforeEach(async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', MAPPING)
  })

  it('makes a user pushed into "acme-admins" admin, and recomputes them to member when removed; one event and one audit entry each', async () => {
    const [ann] = await createScimUsers(ctx, dir, ['ann@acme.test'])
    const admins = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-admins') })).json.id as string
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'member', workspaceRoles: {} })

    expect((await addTo(admins, ann!)).status).toBe(200)
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'admin', workspaceRoles: { prod: 'admin' } })
    expect((await memberOf('ann@acme.test')).managedByIdp).toBe(true)

    expect((await removeFrom(admins, ann!)).status).toBe(200)
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'member', workspaceRoles: {} })

    expect(await memberEvents()).toEqual([
      {
        memberId: (await memberOf('ann@acme.test')).id,
        email: 'ann@acme.test',
        before: { role: 'member', workspaceRoles: {} },
        after: { role: 'admin', workspaceRoles: { prod: 'admin' } },
        changed: ['role', 'workspaceRoles'],
      },
      {
        memberId: (await memberOf('ann@acme.test')).id,
        email: 'ann@acme.test',
        before: { role: 'admin', workspaceRoles: { prod: 'admin' } },
        after: { role: 'member', workspaceRoles: {} },
        changed: ['role', 'workspaceRoles'],
      },
    ])
    expect(await roleAudit()).toEqual(['system:directory ann@acme.test', 'system:directory ann@acme.test'])
  })

  it('gives a group created with members its roles at once, combines groups, and recomputes on PUT', async () => {
    const [ann, bob] = await createScimUsers(ctx, dir, ['ann@acme.test', 'bob@acme.test'])
    const devs = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-devs', [ann!, bob!]) })).json.id as string
    expect(await rolesOf('bob@acme.test')).toEqual({ role: 'member', workspaceRoles: { prod: 'developer' } })
    await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-admins', [ann!]) })
    // The highest role of every matching rule.
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'admin', workspaceRoles: { prod: 'admin' } })
    expect((await scim(ctx, dir, 'PUT', `/Groups/${devs}`, { body: oktaGroup('acme-devs', [ann!]) })).status).toBe(200)
    expect(await rolesOf('bob@acme.test')).toEqual({ role: 'member', workspaceRoles: {} })
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'admin', workspaceRoles: { prod: 'admin' } })
  })

  it('never lowers the owner, whose workspace roles still follow the groups', async () => {
    await addMember(ctx, 'acme', 'olivia@acme.test', { role: 'owner' })
    const [olivia] = await createScimUsers(ctx, dir, ['olivia@acme.test'])
    const devs = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-devs') })).json.id as string
    expect((await addTo(devs, olivia!)).status).toBe(200)
    expect(await rolesOf('olivia@acme.test')).toEqual({ role: 'owner', workspaceRoles: { prod: 'developer' } })
    expect((await removeFrom(devs, olivia!)).status).toBe(200)
    expect(await rolesOf('olivia@acme.test')).toEqual({ role: 'owner', workspaceRoles: {} })
  })

  it('lowers every member when their group is renamed out of the rule, raises them when renamed back, lowers them when it is deleted', async () => {
    const [ann, bob] = await createScimUsers(ctx, dir, ['ann@acme.test', 'bob@acme.test'])
    const id = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-admins', [ann!, bob!]) })).json.id as string
    expect((await rolesOf('bob@acme.test')).role).toBe('admin')

    expect((await patchGroup(id, [{ op: 'replace', value: { id, displayName: 'acme-admins-old' } }])).status).toBe(200)
    expect((await rolesOf('ann@acme.test')).role).toBe('member')
    expect((await rolesOf('bob@acme.test')).role).toBe('member')
    expect((await patchGroup(id, [{ op: 'Replace', path: 'displayName', value: 'acme-admins' }])).status).toBe(200)
    expect((await rolesOf('bob@acme.test')).role).toBe('admin')

    expect((await scim(ctx, dir, 'DELETE', `/Groups/${id}`)).status).toBe(204)
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'member', workspaceRoles: {} })
    expect(await rolesOf('bob@acme.test')).toEqual({ role: 'member', workspaceRoles: {} })
    // Two members, three changes each.
    expect(await memberEvents()).toHaveLength(8)
  })

  it("keeps the directory's roles at SSO sign-in (the assertion's roles and the groups together), until the directory is turned off", async () => {
    const [ann] = await createScimUsers(ctx, dir, ['ann@acme.test'])
    await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-admins', [ann!]) })
    expect(await signIn('ann@acme.test', ['Everyone'])).toBe(303)
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'admin', workspaceRoles: { prod: 'admin' } })
    expect(await signIn('ann@acme.test', ['acme-devs'])).toBe(303)
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'admin', workspaceRoles: { prod: 'admin' } })

    // A disabled directory no longer speaks for the member: the assertion alone decides.
    expect((await operator(ctx, 'DELETE', '/organizations/acme/directory')).status).toBe(204)
    expect(await signIn('ann@acme.test', ['acme-devs'])).toBe(303)
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'member', workspaceRoles: { prod: 'developer' } })
  })

  it('shows the roles of a directory member "from directory" on the members page, and of an SSO-only one "from IdP"', async () => {
    await addMember(ctx, 'acme', 'olivia@acme.test', { role: 'owner', password: PASSWORD })
    const [ann] = await createScimUsers(ctx, dir, ['ann@acme.test'])
    await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-admins', [ann!]) })
    expect(await signIn('sso@acme.test', ['acme-devs'])).toBe(303)
    const page = (await (await signedIn(ctx, 'olivia@acme.test')).get('/orgs/acme/members')).body
    const row = (email: string) => page.slice(page.indexOf(`>${email}<`), page.indexOf('</tr>', page.indexOf(`>${email}<`)))
    expect(row('ann@acme.test')).toContain('from directory')
    expect(row('sso@acme.test')).toContain('from IdP')
    expect(row('sso@acme.test')).not.toContain('from directory')
  })
})

describe('with role mapping off', () => {
  it('leaves roles as they are when groups change (and turning mapping on applies them at the next change)', async () => {
    const [ann] = await createScimUsers(ctx, dir, ['ann@acme.test'])
    const admins = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-admins', [ann!]) })).json.id as string
    expect(await rolesOf('ann@acme.test')).toEqual({ role: 'member', workspaceRoles: {} })
    expect((await memberOf('ann@acme.test')).managedByIdp).toBe(false)
    expect(await memberEvents()).toEqual([])

    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', MAPPING)
    const [bob] = await createScimUsers(ctx, dir, ['bob@acme.test'])
    expect((await addTo(admins, bob!)).status).toBe(200)
    expect((await rolesOf('bob@acme.test')).role).toBe('admin')
  })
})
