import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { days, minutes } from '../../src/core/clock.js'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { ADMIN, MEMBER, OWNER, PASSWORD, me, pathOf, refusalCode, seedAcme, signedIn, type Acme } from './support.js'

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

async function member(ref: string) {
  return operator(ctx, 'GET', `/organizations/acme/members/${encodeURIComponent(ref)}`)
}

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

async function invite(b: Browser, form: Record<string, string>) {
  await b.get('/orgs/acme/members')
  return b.post('/orgs/acme/invitations', form)
}

/** Opens an invitation link in `b` (a new browser unless given) and submits the accept form. */
async function accept(link: string, form: Record<string, string>, b: Browser = browser(ctx.app)) {
  await b.get('/login') // a CSRF token even when the link's page has no form
  const page = await b.get(pathOf(link))
  const res = await b.post('/invitations/accept', { token: new URL(link).searchParams.get('token')!, ...form })
  return { b, page, res }
}

describe('inviting a member through the page', () => {
  it('mails a link with which a new person joins with the role and workspace roles, signed in', async () => {
    const owner = await signedIn(ctx, OWNER)
    const sent = await invite(owner, { email: INVITEE, role: 'admin', 'ws.prod': 'developer', 'ws.staging': '' })
    expect(sent.statusCode).toBe(303)
    expect(sent.headers.location).toBe('/orgs/acme/members?notice=invited')
    const link = await ctx.linkMailedTo(INVITEE)
    expect(link).toMatch(/^http:\/\/gatehouse\.test\/invitations\/accept\?token=[A-Za-z0-9_-]{43}$/)
    expect((await owner.get('/orgs/acme/members')).body).toContain(INVITEE)

    const { b, page, res } = await accept(link, { firstName: 'Nina', lastName: 'New', password: PASSWORD })
    expect(page.statusCode).toBe(200)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard')

    expect((await member(INVITEE)).json).toMatchObject({ email: INVITEE, firstName: 'Nina', lastName: 'New', role: 'admin', workspaceRoles: { prod: 'developer' }, hasPassword: true })
    expect((await me(ctx, { cookie: `gh_session=${b.cookies.get('gh_session')}` })).json())
      .toMatchObject({ email: INVITEE, org: 'acme', orgRole: 'admin', workspaceRoles: { prod: 'developer' } })
    expect((await b.get('/dashboard')).statusCode).toBe(200)
    expect((await browser(ctx.app).submit('/login', '/login', { email: INVITEE, password: PASSWORD })).statusCode).toBe(303)
  })

  it('says where the mail is in development (the outbox), and the outbox has it; with SMTP it says nothing of the kind', async () => {
    await ctx.close()
    ctx = await createTestContext({ mailer: 'configured' })
    await seedAcme(ctx)
    const owner = await signedIn(ctx, OWNER)
    const sent = await invite(owner, { email: INVITEE, role: 'member' })
    const page = await owner.get(String(sent.headers.location))
    expect(page.body).toContain('Invitation sent.')
    expect(page.body).toContain('the invitation mail is in the outbox: <a href="/dev/outbox">/dev/outbox</a>')
    await ctx.runJobs()
    const outbox = await owner.get('/dev/outbox')
    expect(outbox.statusCode).toBe(200)
    expect(outbox.body).toContain(INVITEE)
    expect((await owner.get('/orgs/acme/members')).body).not.toContain('/dev/outbox')

    await ctx.close()
    ctx = await createTestContext({ env: { GATEHOUSE_SMTP_URL: 'smtp://mail.test:25' } })
    await seedAcme(ctx)
    const withSmtp = await signedIn(ctx, OWNER)
    const page2 = await withSmtp.get(String((await invite(withSmtp, { email: INVITEE, role: 'member' })).headers.location))
    expect(page2.body).toContain('Invitation sent.')
    expect(page2.body).not.toContain('/dev/outbox')
  })

  it('accepts a link once: a second use answers 410 and changes nothing', async () => {
    const owner = await signedIn(ctx, OWNER)
    await invite(owner, { email: INVITEE, role: 'member' })
    const link = await ctx.linkMailedTo(INVITEE)
    expect((await accept(link, { firstName: 'Nina', lastName: 'New', password: PASSWORD })).res.statusCode).toBe(303)

    const again = await accept(link, { firstName: 'Mallory', lastName: 'X', password: 'another passphrase' })
    expect(again.page.statusCode).toBe(410)
    expect(again.res.statusCode).toBe(410)
    expect(again.b.cookies.has('gh_session')).toBe(false)
    expect((await member(INVITEE)).json.firstName).toBe('Nina')
  })

  it('expires a link after 7 days', async () => {
    const owner = await signedIn(ctx, OWNER)
    await invite(owner, { email: INVITEE, role: 'member' })
    ctx.clock.advance(days(7))
    const late = await accept(await ctx.linkMailedTo(INVITEE), { firstName: 'Nina', lastName: 'New', password: PASSWORD })
    expect(late.page.statusCode).toBe(410)
    expect(late.res.statusCode).toBe(410)
    expect((await member(INVITEE)).status).toBe(404)
  })

  it('still accepts a link a minute before 7 days are up', async () => {
    const owner = await signedIn(ctx, OWNER)
    await invite(owner, { email: INVITEE, role: 'member' })
    ctx.clock.advance(days(7) - minutes(1))
    expect((await accept(await ctx.linkMailedTo(INVITEE), { firstName: 'Nina', lastName: 'New', password: PASSWORD })).res.statusCode).toBe(303)
  })

  it('stops the link of a revoked invitation', async () => {
    const owner = await signedIn(ctx, OWNER)
    await invite(owner, { email: INVITEE, role: 'member' })
    const link = await ctx.linkMailedTo(INVITEE)
    const row = await ctx.runtime.db.selectFrom('invitations').select('id').executeTakeFirstOrThrow()
    await owner.get('/orgs/acme/members')
    expect((await owner.post(`/orgs/acme/invitations/${row.id}/revoke`, {})).statusCode).toBe(303)
    expect((await accept(link, { firstName: 'Nina', lastName: 'New', password: PASSWORD })).res.statusCode).toBe(410)
  })

  it('keeps a weak password beside its field and the link still works', async () => {
    const owner = await signedIn(ctx, OWNER)
    await invite(owner, { email: INVITEE, role: 'member' })
    const link = await ctx.linkMailedTo(INVITEE)
    const weak = await accept(link, { firstName: 'Nina', lastName: 'New', password: 'short' })
    expect(weak.res.statusCode).toBe(422)
    expect(weak.res.body).toContain('id="f-password-error"')
    expect((await member(INVITEE)).status).toBe(404)
    expect((await weak.b.post('/invitations/accept', { token: new URL(link).searchParams.get('token')!, firstName: 'Nina', lastName: 'New', password: PASSWORD })).statusCode).toBe(303)
  })
})

describe('an invitation to someone who already has a password', () => {
  const GINA = 'gina@globex.test'

  beforeEach(async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    expect((await operator(ctx, 'POST', '/organizations/globex/members', { email: GINA, firstName: 'Gina', lastName: 'Globex', role: 'member', password: PASSWORD })).status).toBe(201)
    const owner = await signedIn(ctx, OWNER)
    expect((await invite(owner, { email: GINA, role: 'member', 'ws.prod': 'viewer' })).statusCode).toBe(303)
  })

  it('cannot be accepted without signing in: choosing a password there is refused', async () => {
    const link = await ctx.linkMailedTo(GINA)
    const { page, res, b } = await accept(link, { firstName: 'Mallory', lastName: 'X', password: 'mallory chose this' })
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toContain('name="password"')
    expect(page.body).toContain(`href="/login?next=${encodeURIComponent(pathOf(link))}"`)
    expect(res.statusCode).toBe(403)
    expect(b.cookies.has('gh_session')).toBe(false)
    expect((await member(GINA)).status).toBe(404)
    expect((await browser(ctx.app).submit('/login', '/login', { email: GINA, password: 'mallory chose this' })).statusCode).toBe(401)
  })

  it('cannot be accepted by someone signed in as another email', async () => {
    const link = await ctx.linkMailedTo(GINA)
    const max = await signedIn(ctx, MEMBER)
    const { res } = await accept(link, {}, max)
    expect(res.statusCode).toBe(403)
    expect((await member(GINA)).status).toBe(404)
    expect((await me(ctx, { cookie: `gh_session=${max.cookies.get('gh_session')}` })).json().email).toBe(MEMBER)
  })

  it('is accepted in one click once signed in as the invited email, keeping the names and password', async () => {
    const link = await ctx.linkMailedTo(GINA)
    const gina = browser(ctx.app)
    await gina.get(pathOf(link))
    const signIn = await gina.submit(`/login?next=${encodeURIComponent(pathOf(link))}`, '/login', { email: GINA, password: PASSWORD, next: pathOf(link) })
    expect(signIn.statusCode).toBe(303)
    expect(signIn.headers.location).toBe(pathOf(link))

    const { page, res } = await accept(link, {}, gina)
    expect(page.statusCode).toBe(200)
    expect(res.statusCode).toBe(303)
    expect((await member(GINA)).json).toMatchObject({ role: 'member', firstName: 'Gina', lastName: 'Globex', workspaceRoles: { prod: 'viewer' } })
    expect((await browser(ctx.app).submit('/login', '/login', { email: GINA, password: PASSWORD })).statusCode).toBe(303)
    const dashboard = await gina.get('/dashboard')
    expect(dashboard.body).toContain('Acme')
    expect(dashboard.body).toContain('Globex')
  })
})

describe('who may open the members page', () => {
  it('refuses a plain member with 403 not_allowed', async () => {
    const max = await signedIn(ctx, MEMBER)
    const res = await max.get('/orgs/acme/members')
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('not_allowed')
  })

  it('shows it to an owner and an admin', async () => {
    expect((await (await signedIn(ctx, OWNER)).get('/orgs/acme/members')).statusCode).toBe(200)
    expect((await (await signedIn(ctx, ADMIN)).get('/orgs/acme/members')).statusCode).toBe(200)
  })

  it('refuses a plain member\'s forms with 403 and changes nothing, though an owner\'s same form works', async () => {
    const max = await signedIn(ctx, MEMBER)
    await max.get('/dashboard')
    const forms: [string, Record<string, string>][] = [
      [`/orgs/acme/members/${acme.memberId}`, { role: 'owner' }],
      [`/orgs/acme/members/${acme.adminId}/remove`, {}],
      ['/orgs/acme/invitations', { email: INVITEE, role: 'owner' }],
    ]
    for (const [url, form] of forms) {
      const res = await max.post(url, form)
      expect(res.statusCode, url).toBe(403)
      expect(refusalCode(ctx, res), url).toBe('not_allowed')
    }
    expect((await member(MEMBER)).json.role).toBe('member')
    expect((await member(ADMIN)).status).toBe(200)
    expect((await ctx.sentMail())).toHaveLength(0)

    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}`, { role: 'admin' })).statusCode).toBe(303)
    expect((await member(MEMBER)).json.role).toBe('admin')
  })

  it('sends a signed-out visitor to sign in and back', async () => {
    const b = browser(ctx.app)
    const res = await b.get('/orgs/acme/members')
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/orgs/acme/members')}`)
    const signIn = await b.submit(res.headers.location as string, '/login', { email: OWNER, password: PASSWORD, next: '/orgs/acme/members' })
    expect(signIn.headers.location).toBe('/orgs/acme/members')
  })

  it('refuses an owner of one org the members page of another', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    const owner = await signedIn(ctx, OWNER)
    expect((await owner.get('/orgs/globex/members')).statusCode).toBe(403)
  })

  it('cannot reach a member of another org through its own org\'s address', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    const other = await operator(ctx, 'POST', '/organizations/globex/members', { email: 'gina@globex.test', firstName: 'Gina', lastName: 'G', role: 'member' })
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    const update = await owner.post(`/orgs/acme/members/${other.json.id}`, { role: 'admin' })
    expect(update.statusCode).toBe(404)
    const remove = await owner.post(`/orgs/acme/members/${other.json.id}/remove`, {})
    expect(remove.statusCode).toBe(404)
    expect((await operator(ctx, 'GET', `/organizations/globex/members/${other.json.id}`)).json.role).toBe('member')
  })
})

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
    expect((await ctx.sentMail())).toHaveLength(0)
    expect(await ctx.runtime.db.selectFrom('invitations').select('id').execute()).toHaveLength(0)
    expect((await admin.post('/orgs/acme/invitations', { email: INVITEE, role: 'member' })).statusCode).toBe(303)
    expect(await ctx.linkMailedTo(INVITEE)).toContain('/invitations/accept?token=')
  })

  it('cannot revoke an owner\'s invitation to be owner (403), but can revoke a member\'s', async () => {
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

    const saved = await owner.post(`/orgs/acme/members/${acme.memberId}`, { role: 'admin', allowWithoutSso: 'on', 'ws.prod': 'viewer', 'ws.staging': 'developer' })
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
