/** Role mapping and per-workspace attributes at SSO sign-in, through the ACS (DESIGN §2.4). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg

const ENTRA_GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'
const RULES = [
  { idpRole: 'gh-admins', orgRole: 'admin', workspaceRoles: { prod: 'admin' } },
  { idpRole: 'gh-devs', orgRole: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' } },
  { idpRole: '3b9f1c2e-7d4a-4f0e-9a1b-2c3d4e5f6a7b', orgRole: 'member', workspaceRoles: { prod: 'viewer' } },
]

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('roles')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Staging', slug: 'staging' })
})
afterEach(() => ctx.close())

const signIn = async (nameId: string, attributes: Record<string, string[]>) =>
  (await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId, attributes }))).statusCode
const memberOf = async (email: string) => (await operator(ctx, 'GET', `/organizations/acme/members/${email}`)).json

describe('IdP role mapping', () => {
  it('provisions just in time and maps Okta-shaped groups; recomputes at every sign-in', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: RULES } })
    expect(await signIn('dev@acme.test', { groups: ['gh-devs', 'Everyone'] })).toBe(303)
    expect(await memberOf('dev@acme.test')).toMatchObject({ role: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' }, managedByIdp: true })
    expect(await signIn('dev@acme.test', { groups: ['gh-devs', 'gh-admins'] })).toBe(303)
    expect(await memberOf('dev@acme.test')).toMatchObject({ role: 'admin', workspaceRoles: { prod: 'admin', staging: 'admin' } })
    expect(await signIn('dev@acme.test', { groups: ['Everyone'] })).toBe(303)
    expect(await memberOf('dev@acme.test')).toMatchObject({ role: 'member', workspaceRoles: {} })
  })

  it('maps Entra group object ids and Google single-valued roles split by a delimiter', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { roleMapping: { enabled: true, attribute: ENTRA_GROUPS, delimiter: ',', rules: RULES } })
    expect(await signIn('entra@acme.test', { [ENTRA_GROUPS]: ['3b9f1c2e-7d4a-4f0e-9a1b-2c3d4e5f6a7b', '00000000-0000-0000-0000-000000000000'] })).toBe(303)
    expect(await memberOf('entra@acme.test')).toMatchObject({ role: 'member', workspaceRoles: { prod: 'viewer' } })
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { roleMapping: { attribute: 'roles', delimiter: ';' } })
    expect(await signIn('google@acme.test', { roles: ['gh-admins;gh-devs'] })).toBe(303)
    expect(await memberOf('google@acme.test')).toMatchObject({ role: 'admin', workspaceRoles: { prod: 'admin', staging: 'admin' } })
  })

  it("never lowers the owner's org role", async () => {
    await addMember(ctx, 'acme', 'owner@acme.test', { role: 'owner' })
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: RULES } })
    expect(await signIn('owner@acme.test', { groups: ['gh-devs'] })).toBe(303)
    expect(await memberOf('owner@acme.test')).toMatchObject({ role: 'owner', workspaceRoles: { prod: 'developer', staging: 'admin' } })
  })

  it("refuses edits of an IdP-managed member's roles, and allows them once mapping is off and the member is unmanaged", async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: RULES } })
    await signIn('dev@acme.test', { groups: ['gh-devs'] })
    const refused = await operator(ctx, 'PATCH', '/organizations/acme/members/dev@acme.test', { role: 'admin' })
    expect(refused.status).toBe(409)
    expect(refused.json.error.code).toBe('member_managed_by_idp')
    const flag = await operator(ctx, 'PATCH', '/organizations/acme/members/dev@acme.test', { allowWithoutSso: true })
    expect(flag.status).toBe(200)
  })
})

describe('per-workspace role attributes', () => {
  beforeEach(async () => {
    await addMember(ctx, 'acme', 'ws@acme.test', { workspaceRoles: { prod: 'viewer', staging: 'viewer' } })
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { workspaceAttributes: { enabled: true } })
  })

  it('sets a role by name or JSON and removes access with {} or noaccess', async () => {
    expect(await signIn('ws@acme.test', { 'workspace.prod': ['{"role":"editor"}'], 'workspace.staging': ['noaccess'] })).toBe(303)
    expect(await memberOf('ws@acme.test')).toMatchObject({ workspaceRoles: { prod: 'editor' } })
    expect(await signIn('ws@acme.test', { 'workspace.staging': ['developer'], 'workspace.prod': ['{}'] })).toBe(303)
    expect((await memberOf('ws@acme.test')).workspaceRoles).toEqual({ staging: 'developer' })
  })

  it('refuses malformed JSON with an error naming the attribute, logged to the audit log, and changes nothing', async () => {
    const before = await memberOf('ws@acme.test')
    expect(await signIn('ws@acme.test', { 'workspace.prod': ['{"role":'] })).toBe(403)
    const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(log.json.data.find((e: { action: string }) => e.action === 'sso.sign_in_failed').detail).toMatchObject({
      code: 'workspace_attribute_invalid',
      attribute: 'workspace.prod',
    })
    expect((await memberOf('ws@acme.test')).workspaceRoles).toEqual(before.workspaceRoles)
    expect(await signIn('ws@acme.test', { 'workspace.prod': ['{"role":"admin"}'] })).toBe(303)
  })
})

describe('the members page for members whose roles the IdP manages', () => {
  it('shows their roles read-only with the reason, refuses role edits, and still lets the owner change the SSO exception flag', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      enforcement: 'optional',
      roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: RULES },
    })
    await operator(ctx, 'POST', '/organizations/acme/members', {
      email: 'owner@acme.test',
      firstName: 'O',
      lastName: 'W',
      role: 'owner',
      password: 'correct horse battery',
    })
    expect(await signIn('dev@acme.test', { groups: ['gh-devs'] })).toBe(303)
    const dev = await memberOf('dev@acme.test')
    const owner = browser(ctx.app)
    expect((await owner.submit('/login', '/login', { email: 'owner@acme.test', password: 'correct horse battery' })).statusCode).toBe(303)
    const page = await owner.get('/orgs/acme/members')
    expect(page.body).toContain('come from the identity provider')
    const row = page.body.slice(page.body.indexOf('dev@acme.test'), page.body.indexOf('</tr>', page.body.indexOf('dev@acme.test')))
    expect(row).toContain('from IdP')
    expect(row).not.toContain('name="role"')
    expect(row).toContain('name="keepRoles" value="idp"')

    const edit = await owner.post(`/orgs/acme/members/${dev.id}`, { role: 'admin', 'ws.prod': 'admin' })
    expect(edit.statusCode).toBe(409)
    expect(await memberOf('dev@acme.test')).toMatchObject({ role: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' }, allowWithoutSso: false })
    const flag = await owner.post(`/orgs/acme/members/${dev.id}`, { keepRoles: 'idp', allowWithoutSso: 'on' })
    expect(flag.statusCode).toBe(303)
    expect(await memberOf('dev@acme.test')).toMatchObject({ role: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' }, allowWithoutSso: true })
  })
})
