import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, MEMBER_PASSWORD } from './support.js'

const NOW = '2026-11-23T12:00:00.000Z'

let ctx: TestContext
async function setUp(context: TestContext): Promise<void> {
  await operator(context, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(context, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(context, 'POST', '/organizations/acme/workspaces', { name: 'Staging', slug: 'staging' })
  await operator(context, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
  await operator(context, 'POST', '/organizations/globex/workspaces', { name: 'Globex only', slug: 'gx' })
}
beforeEach(async () => {
  ctx = await createTestContext()
  await setUp(ctx)
})
afterEach(() => ctx.close())

const add = (body: Record<string, unknown>, org = 'acme') => operator(ctx, 'POST', `/organizations/${org}/members`, body)
const get = (ref: string, org = 'acme') => operator(ctx, 'GET', `/organizations/${org}/members/${ref}`)
const emails = async (org = 'acme') =>
  (await operator(ctx, 'GET', `/organizations/${org}/members`)).json.data.map((m: { email: string }) => m.email) as string[]
const signIn = (email: string, password: string, org = 'acme') => call(ctx, 'POST', '/auth/password', { payload: { email, password, org } })

describe('POST /organizations/{org}/members', () => {
  it('adds a member with every field of DESIGN §5 and answers 201 with the member', async () => {
    const r = await add({
      email: 'Max@Acme.test',
      firstName: 'Max',
      lastName: 'Member',
      role: 'admin',
      password: MEMBER_PASSWORD,
      allowWithoutSso: true,
      workspaceRoles: { prod: 'editor', staging: 'viewer' },
    })
    expect(r.status).toBe(201)
    expect(r.json).toEqual({
      id: expect.any(String),
      email: 'Max@Acme.test',
      firstName: 'Max',
      lastName: 'Member',
      role: 'admin',
      allowWithoutSso: true,
      workspaceRoles: { prod: 'editor', staging: 'viewer' },
      hasPassword: true,
      managedByIdp: false,
      createdAt: NOW,
    })
    expect((await get(r.json.id)).json).toEqual(r.json)
    expect((await signIn('max@acme.test', MEMBER_PASSWORD)).status).toBe(200)
  })

  it('fills in defaults for a member given by email only: role member, no names, no password, no workspace roles', async () => {
    const r = await add({ email: 'min@acme.test' })
    expect(r.status).toBe(201)
    expect(r.json).toEqual({
      id: expect.any(String),
      email: 'min@acme.test',
      firstName: '',
      lastName: '',
      role: 'member',
      allowWithoutSso: false,
      workspaceRoles: {},
      hasPassword: false,
      managedByIdp: false,
      createdAt: NOW,
    })
    expectApiError(await signIn('min@acme.test', 'any password at all'), 401, 'invalid_credentials')
  })

  for (const role of ['owner', 'admin', 'member']) {
    it(`adds a member with the org role ${role}`, async () => {
      const r = await add({ email: `${role}@acme.test`, role })
      expect(r.status).toBe(201)
      expect(r.json.role).toBe(role)
    })
  }

  for (const again of ['MAX@x.test', 'max@X.TEST', 'Max@X.Test', '  max@x.test  ']) {
    it(`refuses ${JSON.stringify(again)} after "max@x.test" in the same org with 409 member_exists`, async () => {
      expect((await add({ email: 'max@x.test', firstName: 'Max', role: 'member' })).status).toBe(201)
      const r = await add({ email: again, firstName: 'Other', role: 'admin' })
      expectApiError(r, 409, 'member_exists')
      expect(await emails()).toEqual(['max@x.test'])
      expect((await get('max@x.test')).json).toMatchObject({ firstName: 'Max', role: 'member' })
    })
  }

  it('reuses the existing user when the same email (another case) joins another org; the user keeps names and password', async () => {
    const first = await add({ email: 'max@x.test', firstName: 'Max', lastName: 'Member', password: MEMBER_PASSWORD })
    const second = await add({ email: 'MAX@x.test', firstName: 'Someone', lastName: 'Else', password: 'a different password 42', role: 'admin' }, 'globex')
    expect(second.status).toBe(201)
    expect(second.json).toMatchObject({ email: 'max@x.test', firstName: 'Max', lastName: 'Member', hasPassword: true, role: 'admin' })
    expect(second.json.id).not.toBe(first.json.id)
    // One user: the first password works for both orgs, the second one for neither.
    expect((await signIn('max@x.test', MEMBER_PASSWORD, 'acme')).status).toBe(200)
    expect((await signIn('max@x.test', MEMBER_PASSWORD, 'globex')).status).toBe(200)
    expectApiError(await signIn('max@x.test', 'a different password 42', 'globex'), 401, 'invalid_credentials')
    const user = await ctx.deps.store.users.findByEmail('MAX@X.TEST')
    const memberships = await ctx.deps.store.members.listMemberships(user!.id)
    expect(memberships.map((m) => m.org.slug).sort()).toEqual(['acme', 'globex'])
  })

  it('refuses a workspace the org does not have with 404 workspace_not_found and creates nothing', async () => {
    for (const workspaceRoles of [{ nope: 'editor' }, { gx: 'editor' }, { prod: 'editor', nope: 'viewer' }]) {
      const r = await add({ email: 'max@acme.test', password: MEMBER_PASSWORD, workspaceRoles })
      expectApiError(r, 404, 'workspace_not_found')
    }
    expect(await emails()).toEqual([])
    expect(await ctx.deps.store.users.findByEmail('max@acme.test')).toBeUndefined()
  })

  for (const role of ['owner', 'superuser', 'Editor', 'noaccess', '']) {
    it(`refuses the workspace role ${JSON.stringify(role)}, which is not in the catalogue, with 422 workspace_role_invalid`, async () => {
      const r = await add({ email: 'max@acme.test', workspaceRoles: { prod: role } })
      expectApiError(r, 422, 'workspace_role_invalid')
      expect(await emails()).toEqual([])
      expect(await ctx.deps.store.users.findByEmail('max@acme.test')).toBeUndefined()
    })
  }

  it('accepts every role of the default catalogue', async () => {
    for (const role of ['admin', 'developer', 'editor', 'viewer']) {
      const r = await add({ email: `${role}@acme.test`, workspaceRoles: { prod: role } })
      expect(r.status, role).toBe(201)
      expect(r.json.workspaceRoles).toEqual({ prod: role })
    }
  })

  it('follows a configured workspace role catalogue', async () => {
    const custom = await createTestContext({ env: { GATEHOUSE_WORKSPACE_ROLES: 'operator,auditor' } })
    try {
      await setUp(custom)
      const ok = await operator(custom, 'POST', '/organizations/acme/members', { email: 'a@acme.test', workspaceRoles: { prod: 'auditor' } })
      expect(ok.status).toBe(201)
      const refused = await operator(custom, 'POST', '/organizations/acme/members', { email: 'b@acme.test', workspaceRoles: { prod: 'editor' } })
      expectApiError(refused, 422, 'workspace_role_invalid')
    } finally {
      await custom.close()
    }
  })

  const BAD_EMAILS = [
    'not-an-email',
    'max@acme',
    '@acme.test',
    'max@',
    'max acme@acme.test',
    'max@@acme.test',
    'max@acme.test\nBcc: eve@evil.test',
    '<max@acme.test>',
    'a,b@acme.test',
    '"max"@acme.test',
  ]
  for (const email of BAD_EMAILS) {
    it(`refuses the email ${JSON.stringify(email.length > 40 ? `${email.slice(0, 6)}…(${email.length} chars)` : email)} with 422 email_invalid`, async () => {
      const r = await add({ email, password: MEMBER_PASSWORD })
      expectApiError(r, 422, 'email_invalid')
      expect(await emails()).toEqual([])
    })
  }

  const WEAK: [string, string, string][] = [
    ['shorter than 10 characters', 'max@acme.test', 'short'],
    ['of 9 characters', 'max@acme.test', '123456789'],
    ["containing the email's name", 'maxwell@acme.test', 'maxwell-is-great'],
    ["containing the email's name in another case", 'maxwell@acme.test', 'MyMaxWell2026!'],
  ]
  for (const [what, email, password] of WEAK) {
    it(`refuses a password ${what} with 422 password_too_weak and creates nothing`, async () => {
      const r = await add({ email, password })
      expectApiError(r, 422, 'password_too_weak')
      expect(await ctx.deps.store.users.findByEmail(email)).toBeUndefined()
    })
  }

  it('refuses names with control characters with 422 name_invalid, and a NUL anywhere with 400 validation_failed', async () => {
    expectApiError(await add({ email: 'max@acme.test', lastName: 'Line\nbreak' }), 422, 'name_invalid')
    expectApiError(await add({ email: 'max@acme.test', firstName: 'Max\u0007' }), 422, 'name_invalid')
    // The input layer refuses a NUL before any handler (PostgreSQL cannot store it in text).
    expectApiError(await add({ email: 'max@acme.test', firstName: 'Max\u0000' }), 400, 'validation_failed')
    expect(await emails()).toEqual([])
  })

  const MALFORMED: [string, Record<string, unknown>][] = [
    ['an unknown field', { email: 'max@acme.test', isAdmin: true }],
    ['no email', { firstName: 'Max' }],
    ['an org role outside owner/admin/member', { email: 'max@acme.test', role: 'superadmin' }],
    ['allowWithoutSso as a string', { email: 'max@acme.test', allowWithoutSso: 'yes' }],
    ['workspaceRoles as a list', { email: 'max@acme.test', workspaceRoles: ['prod'] }],
    ['a workspace role that is not a string', { email: 'max@acme.test', workspaceRoles: { prod: 1 } }],
    ['an empty password', { email: 'max@acme.test', password: '' }],
  ]
  for (const [what, body] of MALFORMED) {
    it(`refuses ${what} with 400 validation_failed`, async () => {
      expectApiError(await add(body), 400, 'validation_failed')
      expect(await emails()).toEqual([])
    })
  }

  it('answers 404 org_not_found for an unknown organization', async () => {
    expectApiError(await add({ email: 'max@acme.test' }, 'nope'), 404, 'org_not_found')
    expectApiError(await operator(ctx, 'GET', '/organizations/nope/members'), 404, 'org_not_found')
    expectApiError(await get('max@acme.test', 'nope'), 404, 'org_not_found')
  })
})

describe('GET /organizations/{org}/members[/{member}]', () => {
  let max: any
  beforeEach(async () => {
    max = (await add({ email: 'Max@Acme.test', firstName: 'Max', workspaceRoles: { prod: 'editor' } })).json
    await add({ email: 'ada@acme.test', firstName: 'Ada' })
    await add({ email: 'zed@globex.test' }, 'globex')
  })

  it("lists the org's members by email, and no one else", async () => {
    const r = await operator(ctx, 'GET', '/organizations/acme/members')
    expect(r.status).toBe(200)
    expect(r.json.data.map((m: { email: string }) => m.email)).toEqual(['ada@acme.test', 'Max@Acme.test'])
    expect(r.json.data[1]).toEqual(max)
  })

  for (const ref of ['Max@Acme.test', 'max@acme.test', 'MAX@ACME.TEST', 'max%40acme.test']) {
    it(`gets a member by the email ${ref}`, async () => {
      const r = await get(ref)
      expect(r.status).toBe(200)
      expect(r.json).toEqual(max)
    })
  }

  it('gets a member by id', async () => {
    const r = await get(max.id)
    expect(r.status).toBe(200)
    expect(r.json).toEqual(max)
  })

  it('answers 404 member_not_found for an unknown id or email, and for a member of another org', async () => {
    const zed = (await get('zed@globex.test', 'globex')).json
    for (const ref of ['nobody@acme.test', '00000000-0000-0000-0000-000000000000', 'not-an-id', zed.id, 'zed@globex.test']) {
      expectApiError(await get(ref), 404, 'member_not_found')
    }
    expectApiError(await get(max.id, 'globex'), 404, 'member_not_found')
  })
})

describe('PATCH /organizations/{org}/members/{member}', () => {
  let max: any
  beforeEach(async () => {
    await add({ email: 'owner@acme.test', role: 'owner' })
    max = (await add({ email: 'max@acme.test', role: 'member', workspaceRoles: { prod: 'editor' } })).json
  })

  it('changes the org role, by id or by email', async () => {
    const byId = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { role: 'admin' })
    expect(byId.status).toBe(200)
    expect(byId.json).toEqual({ ...max, role: 'admin' })
    const byEmail = await operator(ctx, 'PATCH', '/organizations/acme/members/MAX@acme.test', { role: 'owner' })
    expect(byEmail.status).toBe(200)
    expect(byEmail.json).toEqual({ ...max, role: 'owner' })
    expect((await get(max.id)).json.role).toBe('owner')
  })

  it('sets and clears allow-without-SSO without touching anything else', async () => {
    const on = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { allowWithoutSso: true })
    expect(on.json).toEqual({ ...max, allowWithoutSso: true })
    const off = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { allowWithoutSso: false })
    expect(off.json).toEqual(max)
  })

  it('replaces the workspace roles as a whole; leaving them out keeps them; {} clears them', async () => {
    const replaced = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: { staging: 'viewer' } })
    expect(replaced.status).toBe(200)
    expect(replaced.json.workspaceRoles).toEqual({ staging: 'viewer' })
    const both = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: { prod: 'admin', staging: 'developer' } })
    expect(both.json.workspaceRoles).toEqual({ prod: 'admin', staging: 'developer' })
    const kept = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { role: 'admin' })
    expect(kept.json.workspaceRoles).toEqual({ prod: 'admin', staging: 'developer' })
    const cleared = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: {} })
    expect(cleared.json.workspaceRoles).toEqual({})
    expect((await get(max.id)).json).toEqual({ ...max, role: 'admin', workspaceRoles: {} })
  })

  it('applies nothing of a patch whose workspace roles are refused', async () => {
    const unknown = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, {
      role: 'admin',
      allowWithoutSso: true,
      workspaceRoles: { nope: 'editor' },
    })
    expectApiError(unknown, 404, 'workspace_not_found')
    const badRole = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, {
      role: 'admin',
      allowWithoutSso: true,
      workspaceRoles: { prod: 'root' },
    })
    expectApiError(badRole, 422, 'workspace_role_invalid')
    const otherOrgs = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: { gx: 'viewer' } })
    expectApiError(otherOrgs, 404, 'workspace_not_found')
    expect((await get(max.id)).json).toEqual(max)
  })

  it('refuses malformed patches with 400 validation_failed', async () => {
    for (const body of [{ role: 'king' }, { email: 'new@acme.test' }, { password: 'a new password 1' }, { allowWithoutSso: 1 }, { workspaceRoles: null }]) {
      expectApiError(await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, body), 400, 'validation_failed')
    }
    expect((await get(max.id)).json).toEqual(max)
  })

  it('answers 404 member_not_found for an unknown member', async () => {
    expectApiError(await operator(ctx, 'PATCH', '/organizations/acme/members/nobody@acme.test', { role: 'admin' }), 404, 'member_not_found')
  })
})

describe('the last owner', () => {
  let owner: any
  beforeEach(async () => {
    owner = (await add({ email: 'owner@acme.test', role: 'owner' })).json
    await add({ email: 'admin@acme.test', role: 'admin' })
  })

  for (const role of ['admin', 'member']) {
    it(`cannot be demoted to ${role}: 409 last_owner, still owner`, async () => {
      expectApiError(await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role }), 409, 'last_owner')
      expect((await get(owner.id)).json.role).toBe('owner')
    })
  }

  it('cannot be removed: 409 last_owner, still there', async () => {
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${owner.id}`), 409, 'last_owner')
    expectApiError(await operator(ctx, 'DELETE', '/organizations/acme/members/OWNER@acme.test'), 409, 'last_owner')
    expect((await get(owner.id)).status).toBe(200)
  })

  it('can still change their other settings and stay owner', async () => {
    const r = await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, {
      role: 'owner',
      allowWithoutSso: true,
      workspaceRoles: { prod: 'admin' },
    })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ role: 'owner', allowWithoutSso: true, workspaceRoles: { prod: 'admin' } })
  })

  it('can be demoted or removed once a second owner exists, and the second then becomes the last', async () => {
    const second = (await operator(ctx, 'PATCH', '/organizations/acme/members/admin@acme.test', { role: 'owner' })).json
    expect(second.role).toBe('owner')
    const demoted = await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role: 'admin' })
    expect(demoted.status).toBe(200)
    expect(demoted.json.role).toBe('admin')
    expectApiError(await operator(ctx, 'PATCH', `/organizations/acme/members/${second.id}`, { role: 'member' }), 409, 'last_owner')
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${second.id}`), 409, 'last_owner')

    await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role: 'owner' })
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${second.id}`)).status).toBe(204)
    expect(await emails()).toEqual(['owner@acme.test'])
  })

  it('survives two owners being demoted and removed at the same moment: one change wins, the other is 409 last_owner', async () => {
    const second = (await operator(ctx, 'PATCH', '/organizations/acme/members/admin@acme.test', { role: 'owner' })).json
    const [demoted, removed] = await Promise.all([
      operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role: 'member' }),
      operator(ctx, 'DELETE', `/organizations/acme/members/${second.id}`),
    ])
    expect([demoted.status, removed.status].sort()).toEqual([demoted.status === 409 ? 204 : 200, 409].sort())
    const conflict = demoted.status === 409 ? demoted : removed
    expectApiError(conflict, 409, 'last_owner')
    const owners = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data.filter((m: { role: string }) => m.role === 'owner')
    expect(owners).toHaveLength(1)
  })

  it('is counted per organization: an owner elsewhere does not count', async () => {
    await add({ email: 'owner@acme.test', role: 'owner' }, 'globex')
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${owner.id}`), 409, 'last_owner')
  })
})

describe('DELETE /organizations/{org}/members/{member}', () => {
  it('removes a member: 204, then GET and DELETE answer 404 member_not_found; the user stays', async () => {
    const max = (await add({ email: 'max@acme.test', firstName: 'Max', password: MEMBER_PASSWORD, workspaceRoles: { prod: 'viewer' } })).json
    const r = await operator(ctx, 'DELETE', `/organizations/acme/members/${max.id}`)
    expect(r.status).toBe(204)
    expect(r.res.body).toBe('')
    expectApiError(await get(max.id), 404, 'member_not_found')
    expectApiError(await get('max@acme.test'), 404, 'member_not_found')
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${max.id}`), 404, 'member_not_found')
    expect(await emails()).toEqual([])
    expectApiError(await signIn('max@acme.test', MEMBER_PASSWORD), 403, 'no_membership')
    // Added again: the same user, with the old password, and none of the old workspace roles.
    const back = await add({ email: 'max@acme.test' })
    expect(back.json).toMatchObject({ firstName: 'Max', hasPassword: true, workspaceRoles: {} })
    expect(back.json.id).not.toBe(max.id)
  })

  it('removes by email and only from the org named', async () => {
    await add({ email: 'max@acme.test' })
    await add({ email: 'max@acme.test' }, 'globex')
    expect((await operator(ctx, 'DELETE', '/organizations/acme/members/Max@Acme.Test')).status).toBe(204)
    expect(await emails('acme')).toEqual([])
    expect(await emails('globex')).toEqual(['max@acme.test'])
  })
})
