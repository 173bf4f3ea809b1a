import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hours } from '../../src/core/clock.js'
import { issueSetupLink } from '../../src/core/setup.js'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { OWNER, PASSWORD, me, pathOf, tokenOf } from './support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never // a later test whose context fails to start must not close this one again
})

const FORM = { orgName: 'Acme', orgSlug: 'acme', email: OWNER, firstName: 'Olivia', lastName: 'Owner', password: PASSWORD }

async function link(): Promise<string> {
  const issued = await issueSetupLink(ctx.deps)
  expect(issued).toBeDefined()
  return issued!
}

/** Opens the link and submits the form, as the operator would. */
async function complete(setupLink: string, form: Record<string, string> = FORM) {
  const b = browser(ctx.app)
  await b.get('/login') // a CSRF token even when the link's page is a 410 without a form
  const page = await b.get(pathOf(setupLink))
  const res = await b.post('/setup', { ...form, token: tokenOf(setupLink) })
  return { b, page, res }
}

async function counts() {
  const orgs = await ctx.runtime.db.selectFrom('organizations').select('id').execute()
  const users = await ctx.runtime.db.selectFrom('users').select('id').execute()
  const members = await ctx.runtime.db.selectFrom('members').select('id').execute()
  return { orgs: orgs.length, users: users.length, members: members.length }
}

describe('first-owner set-up', () => {
  it('issues a one-time link under the base URL while no organization exists', async () => {
    expect(await link()).toMatch(/^http:\/\/gatehouse\.test\/setup\?token=[A-Za-z0-9_-]{43}$/)
  })

  it('creates the org and its owner and signs the owner in', async () => {
    const { b, page, res } = await complete(await link())
    expect(page.statusCode).toBe(200)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard')
    expect(b.cookies.has('gh_session')).toBe(true)

    const dashboard = await b.get('/dashboard')
    expect(dashboard.statusCode).toBe(200)
    expect(dashboard.body).toContain('Acme')
    expect(dashboard.body).toContain('owner')
    expect((await me(ctx, { cookie: `gh_session=${b.cookies.get('gh_session')}` })).json()).toMatchObject({ email: OWNER, org: 'acme', orgRole: 'owner' })
    expect((await operator(ctx, 'GET', '/organizations/acme')).json).toMatchObject({ name: 'Acme', slug: 'acme' })
    expect(await counts()).toEqual({ orgs: 1, users: 1, members: 1 })
  })

  it('lets the new owner sign in again with the password chosen', async () => {
    await complete(await link())
    const res = await browser(ctx.app).submit('/login', '/login', { email: OWNER, password: PASSWORD })
    expect(res.statusCode).toBe(303)
  })

  it('works once: the same link then answers 410 and creates nothing more', async () => {
    const setupLink = await link()
    expect((await complete(setupLink)).res.statusCode).toBe(303)
    const again = await complete(setupLink, { ...FORM, orgSlug: 'other', email: 'other@acme.test' })
    expect(again.page.statusCode).toBe(410)
    expect(again.res.statusCode).toBe(410)
    expect(await counts()).toEqual({ orgs: 1, users: 1, members: 1 })
  })

  it('works once even after the organization it made is deleted again', async () => {
    const setupLink = await link()
    expect((await complete(setupLink)).res.statusCode).toBe(303)
    expect((await operator(ctx, 'DELETE', '/organizations/acme')).status).toBe(204)
    const again = await complete(setupLink, { ...FORM, orgSlug: 'other', email: 'other@acme.test' })
    expect(again.page.statusCode).toBe(410)
    expect(again.res.statusCode).toBe(410)
    expect((await operator(ctx, 'GET', '/organizations/other')).status).toBe(404)
  })

  it('closes a second link issued earlier once an organization exists', async () => {
    const first = await link()
    const second = await link()
    expect(second).not.toBe(first)
    expect((await complete(first)).res.statusCode).toBe(303)
    const late = await complete(second, { ...FORM, orgSlug: 'globex', email: 'gina@globex.test' })
    expect(late.page.statusCode).toBe(410)
    expect(late.res.statusCode).toBe(410)
    expect(await counts()).toEqual({ orgs: 1, users: 1, members: 1 })
  })

  it('closes an unused link once the operator has created an organization another way', async () => {
    const setupLink = await link()
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    const late = await complete(setupLink)
    expect(late.page.statusCode).toBe(410)
    expect(late.res.statusCode).toBe(410)
    expect((await operator(ctx, 'GET', '/organizations/acme')).status).toBe(404)
  })

  it('expires the link after 24 hours', async () => {
    const setupLink = await link()
    ctx.clock.advance(hours(24))
    const late = await complete(setupLink)
    expect(late.page.statusCode).toBe(410)
    expect(late.res.statusCode).toBe(410)
    expect(await counts()).toEqual({ orgs: 0, users: 0, members: 0 })
  })

  it('refuses a made-up token', async () => {
    await link()
    const res = await complete(`http://gatehouse.test/setup?token=${'A'.repeat(43)}`)
    expect(res.page.statusCode).toBe(410)
    expect(res.res.statusCode).toBe(410)
    expect(await counts()).toEqual({ orgs: 0, users: 0, members: 0 })
  })

  it('shows an invalid slug beside its field, keeps what was typed, creates nothing, and the link still works', async () => {
    const setupLink = await link()
    const { b, res } = await complete(setupLink, { ...FORM, orgSlug: '-Bad Slug-' })
    expect(res.statusCode).toBe(422)
    expect(res.body).toContain('id="f-orgSlug-error"')
    expect(res.body).toMatch(/<input[^>]*id="f-orgSlug"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*f-orgSlug-error/)
    expect(res.body).toMatch(/<input[^>]*id="f-orgName"[^>]*value="Acme"/)
    expect(res.body).not.toMatch(/<input[^>]*id="f-orgName"[^>]*aria-invalid/)
    expect(await counts()).toEqual({ orgs: 0, users: 0, members: 0 })

    const fixed = await b.post('/setup', { ...FORM, token: tokenOf(setupLink) })
    expect(fixed.statusCode).toBe(303)
    expect(await counts()).toEqual({ orgs: 1, users: 1, members: 1 })
  })

  it('shows a weak password beside its field and creates nothing', async () => {
    const { res } = await complete(await link(), { ...FORM, password: 'short' })
    expect(res.statusCode).toBe(422)
    expect(res.body).toContain('id="f-password-error"')
    expect(await counts()).toEqual({ orgs: 0, users: 0, members: 0 })
  })

  it('issues no link once an organization exists', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    expect(await issueSetupLink(ctx.deps)).toBeUndefined()
    const rows = await ctx.runtime.db.selectFrom('one_time_tokens').selectAll().where('purpose', '=', 'setup').execute()
    expect(rows).toHaveLength(0)
  })
})
