/** The members page: what an admin may do, changing a member through its form, the last owner, a removed member. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { ADMIN, MEMBER, OWNER, PASSWORD, acmeMember, inviteThroughPage as invite, me, seedAcme, signedIn, type Acme } from './support.js'

const INVITEE = 'nina@acme.test'

let ctx: TestContext
let acme: Acme
beforeEach(async () => {
  ctx = await createTestContext()
  acme = await seedAcme(ctx)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never // a later test whose context fails to start must not close this one again
})

const member = (ref: string) => acmeMember(ctx, ref)

async function memberCount(): Promise<number> {
  return (await operator(ctx, 'GET', '/organizations/acme/members')).json.data.length
}

/** Names of the controls a form submits: its own children and those outside it with form="id". */
function formFieldNames(html: string, formId: string): string[] {
  const names = new Set<string>()
  for (const tag of html.match(/<(?:input|select|textarea)\b[^>]*>/g) ?? []) {
    if (tag.includes(`form="${formId}"`)) {
      const name = /\bname="([^"]+)"/.exec(tag)?.[1]
      if (name !== undefined) names.add(name)
    }
  }
  return [...names].sort()
}

describe('what an admin may do', () => {
  let admin: Browser
  beforeEach(async () => {
    admin = await signedIn(ctx, ADMIN)
    await admin.get('/orgs/acme/members')
  })

  it('sees the owner read-only, with no form to change them', async () => {
    const page = await admin.get('/orgs/acme/members')
    expect(formFieldNames(page.body, `member-${acme.ownerId}`)).toEqual([])
    expect(page.body).not.toContain(`action="/orgs/acme/members/${acme.ownerId}/remove"`)
    expect(formFieldNames(page.body, `member-${acme.memberId}`)).toContain('role')
    expect(page.body).not.toMatch(/<select[^>]*id="invite-role"[^>]*>[\s\S]*?<option value="owner"[\s\S]*?<\/select>/)
  })

  it('cannot change an owner (403), but can change a member', async () => {
    const res = await admin.post(`/orgs/acme/members/${acme.ownerId}`, { role: 'member' })
    expect(res.statusCode).toBe(403)
    expect((await member(OWNER)).json.role).toBe('owner')
    expect((await admin.post(`/orgs/acme/members/${acme.memberId}`, { role: 'admin' })).statusCode).toBe(303)
    expect((await member(MEMBER)).json.role).toBe('admin')
  })

  it('cannot make anyone owner (403), but can make them admin', async () => {
    expect((await admin.post(`/orgs/acme/members/${acme.memberId}`, { role: 'owner' })).statusCode).toBe(403)
    expect((await admin.post(`/orgs/acme/members/${acme.adminId}`, { role: 'owner' })).statusCode).toBe(403)
    expect((await member(MEMBER)).json.role).toBe('member')
    expect((await member(ADMIN)).json.role).toBe('admin')
  })

  it('cannot remove an owner (403), but can remove a member', async () => {
    expect((await admin.post(`/orgs/acme/members/${acme.ownerId}/remove`, {})).statusCode).toBe(403)
    expect((await member(OWNER)).status).toBe(200)
    expect((await admin.post(`/orgs/acme/members/${acme.memberId}/remove`, {})).statusCode).toBe(303)
    expect((await member(MEMBER)).status).toBe(404)
  })

  it('cannot invite an owner (403), but can invite a member', async () => {
    const res = await admin.post('/orgs/acme/invitations', { email: INVITEE, role: 'owner' })
    expect(res.statusCode).toBe(403)
    expect(await ctx.sentMail()).toHaveLength(0)
    expect(await ctx.runtime.db.selectFrom('invitations').select('id').execute()).toHaveLength(0)
    expect((await admin.post('/orgs/acme/invitations', { email: INVITEE, role: 'member' })).statusCode).toBe(303)
    expect(await ctx.linkMailedTo(INVITEE)).toContain('/invitations/accept?token=')
  })

  it("cannot revoke an owner's invitation to be owner (403), but can revoke a member's", async () => {
    const owner = await signedIn(ctx, OWNER)
    await invite(owner, { email: 'future-owner@acme.test', role: 'owner' })
    await invite(owner, { email: INVITEE, role: 'member' })
    const rows = await ctx.runtime.db.selectFrom('invitations').select(['id', 'role']).execute()
    const page = await admin.get('/orgs/acme/members')
    expect(page.body).not.toContain(`/invitations/${rows.find((r) => r.role === 'owner')!.id}/revoke`)
    expect(page.body).toContain(`/invitations/${rows.find((r) => r.role === 'member')!.id}/revoke`)
    expect((await owner.get('/orgs/acme/members')).body).toContain(`/invitations/${rows.find((r) => r.role === 'owner')!.id}/revoke`)
    expect((await admin.post(`/orgs/acme/invitations/${rows.find((r) => r.role === 'owner')!.id}/revoke`, {})).statusCode).toBe(403)
    expect((await admin.post(`/orgs/acme/invitations/${rows.find((r) => r.role === 'member')!.id}/revoke`, {})).statusCode).toBe(303)
    expect((await ctx.runtime.db.selectFrom('invitations').select('role').execute()).map((r) => r.role)).toEqual(['owner'])
    expect(ctx.logs()).toContain('"code":"not_allowed"')
  })
})

describe('changing a member through the page form', () => {
  it('saves the org role, allow-without-SSO and workspace roles, and clears them again', async () => {
    const owner = await signedIn(ctx, OWNER)
    const page = await owner.get('/orgs/acme/members')
    const formId = `member-${acme.memberId}`
    expect(formFieldNames(page.body, formId)).toEqual(['allowWithoutSso', 'role', 'ws.prod', 'ws.staging'])
    expect(page.body).toContain(`<form method="post" action="/orgs/acme/members/${acme.memberId}" id="${formId}"`)

    const saved = await owner.post(`/orgs/acme/members/${acme.memberId}`, {
      role: 'admin',
      allowWithoutSso: 'on',
      'ws.prod': 'viewer',
      'ws.staging': 'developer',
    })
    expect(saved.statusCode).toBe(303)
    expect(saved.headers.location).toBe('/orgs/acme/members?notice=saved')
    expect((await member(MEMBER)).json).toMatchObject({ role: 'admin', allowWithoutSso: true, workspaceRoles: { prod: 'viewer', staging: 'developer' } })

    // An unchecked box is not sent; "no access" is the empty option.
    const cleared = await owner.post(`/orgs/acme/members/${acme.memberId}`, { role: 'member', 'ws.prod': '', 'ws.staging': '' })
    expect(cleared.statusCode).toBe(303)
    const after = (await member(MEMBER)).json
    expect(after).toMatchObject({ role: 'member', allowWithoutSso: false })
    expect(after.workspaceRoles).toEqual({})
  })

  it('refuses a workspace role outside the catalogue and keeps the old roles', async () => {
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    const res = await owner.post(`/orgs/acme/members/${acme.memberId}`, { role: 'member', 'ws.prod': 'superuser' })
    expect(res.statusCode).toBe(422)
    expect((await member(MEMBER)).json.workspaceRoles).toEqual({ prod: 'editor' })
  })
})

describe('the last owner', () => {
  it('cannot be removed or demoted (409), while with a second owner they can', async () => {
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    expect((await owner.post(`/orgs/acme/members/${acme.ownerId}/remove`, {})).statusCode).toBe(409)
    expect((await owner.post(`/orgs/acme/members/${acme.ownerId}`, { role: 'admin' })).statusCode).toBe(409)
    expect((await member(OWNER)).json.role).toBe('owner')

    expect((await owner.post(`/orgs/acme/members/${acme.adminId}`, { role: 'owner' })).statusCode).toBe(303)
    expect((await owner.post(`/orgs/acme/members/${acme.ownerId}/remove`, {})).statusCode).toBe(303)
    expect((await member(OWNER)).status).toBe(404)
    expect((await member(ADMIN)).json.role).toBe('owner')
  })
})

describe('a removed member', () => {
  async function removeMax() {
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}/remove`, {})).statusCode).toBe(303)
    expect(await memberCount()).toBe(2)
  }

  it('loses the browser session made for that org, even after being added back', async () => {
    const max = await signedIn(ctx, MEMBER)
    const cookie = `gh_session=${max.cookies.get('gh_session')}`
    expect((await max.get('/dashboard')).body).toContain('id="org-acme"')
    expect((await me(ctx, { cookie })).json()).toMatchObject({ org: 'acme', orgRole: 'member' })

    await removeMax()
    expect((await operator(ctx, 'POST', '/organizations/acme/members', { email: MEMBER, role: 'member' })).status).toBe(201)

    const dashboard = await max.get('/dashboard')
    expect(dashboard.statusCode).toBe(302)
    expect(dashboard.headers.location).toMatch(/^\/login\?next=/)
    const res = await me(ctx, { cookie })
    expect(res.statusCode).toBe(401)
  })

  it('keeps a session not made for that org, which then no longer shows or acts for it', async () => {
    // A member of two orgs signs in to no org in particular.
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    expect((await operator(ctx, 'POST', '/organizations/globex/members', { email: MEMBER, role: 'admin' })).status).toBe(201)
    const max = await signedIn(ctx, MEMBER)
    const cookie = `gh_session=${max.cookies.get('gh_session')}`
    const before = await max.get('/dashboard')
    expect(before.body).toContain('id="org-acme"')
    expect(before.body).toContain('id="org-globex"')
    expect((await me(ctx, { cookie })).json()).toMatchObject({ org: null, orgRole: null })

    await removeMax()

    const dashboard = await max.get('/dashboard')
    expect(dashboard.statusCode).toBe(200)
    expect(dashboard.body).not.toContain('Acme')
    expect(dashboard.body).not.toContain('id="org-acme"')
    expect(dashboard.body).not.toContain('href="/orgs/acme')
    expect(dashboard.body).toContain('id="org-globex"')
    expect((await max.get('/orgs/acme/members')).statusCode).toBe(403)
    expect((await me(ctx, { cookie })).json().org).not.toBe('acme')
  })

  it('signs in again afterwards to no org: the dashboard has no Acme and /api/v1/me gives org null', async () => {
    const max = await signedIn(ctx, MEMBER)
    await removeMax()
    const again = await signedIn(ctx, MEMBER)
    expect(max.cookies.get('gh_session')).not.toBe(again.cookies.get('gh_session'))
    const res = await me(ctx, { cookie: `gh_session=${again.cookies.get('gh_session')}` })
    expect(res.json()).toMatchObject({ org: null, orgRole: null, workspaceRoles: {} })
    const dashboard = await again.get('/dashboard')
    expect(dashboard.body).not.toContain('Acme')
  })

  it('loses an API token for that org', async () => {
    const api = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email: MEMBER, password: PASSWORD, org: 'acme' } })
    const token = api.json().token as string
    expect((await me(ctx, { bearer: token })).statusCode).toBe(200)
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${acme.memberId}`)).status).toBe(204)
    const res = await me(ctx, { bearer: token })
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('token_invalid')
  })
})
