/** The members page: inviting through it, invitations to people who already have a password, who may open it (changes to members: members-page-changes.test.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { days, minutes } from '../../src/core/clock.js'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import {
  ADMIN,
  MEMBER,
  OWNER,
  PASSWORD,
  acceptInvitation,
  acmeMember,
  inviteThroughPage as invite,
  me,
  pathOf,
  refusalCode,
  seedAcme,
  signedIn,
  type Acme,
} from './support.js'

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
const accept = (link: string, form: Record<string, string>, b?: Browser) => acceptInvitation(ctx, link, form, b)

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

    expect((await member(INVITEE)).json).toMatchObject({
      email: INVITEE,
      firstName: 'Nina',
      lastName: 'New',
      role: 'admin',
      workspaceRoles: { prod: 'developer' },
      hasPassword: true,
    })
    expect((await me(ctx, { cookie: `gh_session=${b.cookies.get('gh_session')}` })).json()).toMatchObject({
      email: INVITEE,
      org: 'acme',
      orgRole: 'admin',
      workspaceRoles: { prod: 'developer' },
    })
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
    expect(
      (await weak.b.post('/invitations/accept', { token: new URL(link).searchParams.get('token')!, firstName: 'Nina', lastName: 'New', password: PASSWORD }))
        .statusCode,
    ).toBe(303)
  })
})

describe('an invitation to someone who already has a password', () => {
  const GINA = 'gina@globex.test'

  beforeEach(async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    expect(
      (await operator(ctx, 'POST', '/organizations/globex/members', { email: GINA, firstName: 'Gina', lastName: 'Globex', role: 'member', password: PASSWORD }))
        .status,
    ).toBe(201)
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

  it("refuses a plain member's forms with 403 and changes nothing, though an owner's same form works", async () => {
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
    expect(await ctx.sentMail()).toHaveLength(0)

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

  it("cannot reach a member of another org through its own org's address", async () => {
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
