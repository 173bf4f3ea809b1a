/** The members API: adding a member (POST). Reading, changing and removing are in members-changes.test.ts. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { expectApiError, MEMBER_PASSWORD } from './support.js'
import { memberHelpers, NOW, setUp, setUpMembers } from './members-support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await setUpMembers()
})
afterEach(() => ctx.close())
const { add, get, emails, signIn } = memberHelpers(() => ctx)

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
