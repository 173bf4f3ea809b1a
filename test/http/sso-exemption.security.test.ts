/**
 * Issue 14 item 7: *allow access without SSO* is SSO policy, and SSO policy is the owner's alone
 * (DESIGN §2). An admin may neither set nor clear it — for themselves or anyone — on any path; the
 * owner and the operator may, and an admin still changes what admins may change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addMember, updateMember } from '../../src/core/members.js'
import { AccountError } from '../../src/core/account-error.js'
import type { Actor } from '../../src/core/deps.js'
import type { Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { ADMIN, MEMBER, OWNER, refusalCode, seedAcme, signedIn, type Acme } from './support.js'

let ctx: TestContext
let acme: Acme
beforeEach(async () => {
  ctx = await createTestContext()
  acme = await seedAcme(ctx)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

const exempt = async (email: string): Promise<boolean> =>
  (await operator(ctx, 'GET', `/organizations/acme/members/${encodeURIComponent(email)}`)).json.allowWithoutSso

async function asUser(email: string): Promise<Actor> {
  const user = (await ctx.deps.store.users.findByEmail(email))!
  return { kind: 'user', userId: user.id, email: user.email }
}

async function membersPage(email: string): Promise<Browser> {
  const b = await signedIn(ctx, email)
  await b.get('/orgs/acme/members')
  return b
}

describe('an admin on the members page', () => {
  it('cannot exempt themselves from SSO (403 not_allowed, nothing changes)', async () => {
    const admin = await membersPage(ADMIN)
    const res = await admin.post(`/orgs/acme/members/${acme.adminId}`, { role: 'admin', 'ws.prod': 'admin', allowWithoutSso: 'on' })
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('not_allowed')
    expect(await exempt(ADMIN)).toBe(false)
  })

  it("cannot exempt a member either, while the owner's same form does", async () => {
    const admin = await membersPage(ADMIN)
    const refused = await admin.post(`/orgs/acme/members/${acme.memberId}`, { role: 'member', 'ws.prod': 'editor', allowWithoutSso: 'on' })
    expect(refused.statusCode).toBe(403)
    expect(await exempt(MEMBER)).toBe(false)
    const owner = await membersPage(OWNER)
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}`, { role: 'member', 'ws.prod': 'editor', allowWithoutSso: 'on' })).statusCode).toBe(303)
    expect(await exempt(MEMBER)).toBe(true)
  })

  it('cannot clear an exemption the owner granted, while the owner can', async () => {
    expect((await operator(ctx, 'PATCH', '/organizations/acme/members/max@acme.test', { allowWithoutSso: true })).status).toBe(200)
    const admin = await membersPage(ADMIN)
    const refused = await admin.post(`/orgs/acme/members/${acme.memberId}`, { role: 'member', 'ws.prod': 'editor', allowWithoutSso: 'off' })
    expect(refused.statusCode).toBe(403)
    expect(refusalCode(ctx, refused)).toBe('not_allowed')
    expect(await exempt(MEMBER)).toBe(true)
    // The owner's unticked box (no field sent) clears it.
    const owner = await membersPage(OWNER)
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}`, { role: 'member', 'ws.prod': 'editor' })).statusCode).toBe(303)
    expect(await exempt(MEMBER)).toBe(false)
  })

  it("still changes an exempt member's role and workspace roles, leaving the exemption as it was", async () => {
    expect((await operator(ctx, 'PATCH', '/organizations/acme/members/max@acme.test', { allowWithoutSso: true })).status).toBe(200)
    const admin = await membersPage(ADMIN)
    const res = await admin.post(`/orgs/acme/members/${acme.memberId}`, { role: 'admin', 'ws.prod': 'viewer', 'ws.staging': 'developer' })
    expect(res.statusCode).toBe(303)
    const after = (await operator(ctx, 'GET', '/organizations/acme/members/max@acme.test')).json
    expect(after).toMatchObject({ role: 'admin', allowWithoutSso: true, workspaceRoles: { prod: 'viewer', staging: 'developer' } })
  })

  it("sees the flag read-only, with no box in the row's form, where the owner sees a box", async () => {
    const admin = await membersPage(ADMIN)
    const adminView = await admin.get('/orgs/acme/members')
    expect(adminView.body).not.toContain('name="allowWithoutSso"')
    expect(adminView.body).toContain(`form="member-${acme.memberId}"`)
    const owner = await membersPage(OWNER)
    const ownerView = await owner.get('/orgs/acme/members')
    expect(ownerView.body).toContain(`name="allowWithoutSso" value="on" form="member-${acme.memberId}"`)
  })
})

describe('core, for any path that adds or changes a member', () => {
  it('refuses an admin adding a member with the exemption, and adds them without it', async () => {
    const admin = await asUser(ADMIN)
    const input = { email: 'nina@acme.test', firstName: 'Nina', lastName: 'N', role: 'member' as const }
    await expect(addMember(ctx.deps, 'acme', { ...input, allowWithoutSso: true }, admin)).rejects.toMatchObject({ code: 'not_allowed' })
    expect((await operator(ctx, 'GET', '/organizations/acme/members/nina@acme.test')).status).toBe(404)
    const added = await addMember(ctx.deps, 'acme', { ...input, allowWithoutSso: false }, admin)
    expect(added.allowWithoutSso).toBe(false)
  })

  it('refuses an admin changing the exemption through updateMember, and lets the owner', async () => {
    const refused = await updateMember(ctx.deps, 'acme', ADMIN, { allowWithoutSso: true }, await asUser(ADMIN)).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(AccountError)
    expect((refused as AccountError).code).toBe('not_allowed')
    expect(await exempt(ADMIN)).toBe(false)
    expect((await updateMember(ctx.deps, 'acme', ADMIN, { allowWithoutSso: true }, await asUser(OWNER))).allowWithoutSso).toBe(true)
  })

  it('lets an admin send the flag unchanged (a form that repeats it)', async () => {
    const after = await updateMember(ctx.deps, 'acme', MEMBER, { role: 'admin', allowWithoutSso: false }, await asUser(ADMIN))
    expect(after).toMatchObject({ role: 'admin', allowWithoutSso: false })
  })
})

describe('the operator API', () => {
  it('sets and clears the exemption (the operator is not an org admin)', async () => {
    expect((await operator(ctx, 'PATCH', '/organizations/acme/members/ada@acme.test', { allowWithoutSso: true })).json.allowWithoutSso).toBe(true)
    expect((await operator(ctx, 'PATCH', '/organizations/acme/members/ada@acme.test', { allowWithoutSso: false })).json.allowWithoutSso).toBe(false)
    const added = await operator(ctx, 'POST', '/organizations/acme/members', { email: 'nina@acme.test', role: 'member', allowWithoutSso: true })
    expect(added.status).toBe(201)
    expect(added.json.allowWithoutSso).toBe(true)
  })
})
