/**
 * Every page: a strict CSP, no inline script or style, no event-handler attributes, every control
 * labelled, user input escaped; the `next` redirect stays on this site; the dev outbox is off in
 * production.
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { inviteMember } from '../../src/core/invitations.js'
import { issuePasswordLink, RESET_LIFETIME } from '../../src/core/password-reset.js'
import { issueSetupLink } from '../../src/core/setup.js'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, operator, testConfig, type TestContext } from '../helpers/test-app.js'
import { ADMIN, MEMBER, OWNER, PASSWORD, pathOf, seedAcme, signedIn } from './support.js'

interface Tag {
  readonly name: string
  readonly attributes: ReadonlyMap<string, string>
  readonly source: string
}

/** The start tags of an HTML document with their attributes (enough for our own, well-formed output). */
function tagsOf(html: string): Tag[] {
  const tags: Tag[] = []
  const tagPattern = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g
  const attributePattern = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g
  for (const match of html.matchAll(tagPattern)) {
    const attributes = new Map<string, string>()
    for (const a of (match[2] ?? '').matchAll(attributePattern)) attributes.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '')
    tags.push({ name: match[1]!.toLowerCase(), attributes, source: match[0] })
  }
  return tags
}

function expectHygienicPage(res: LightMyRequestResponse, name: string): void {
  expect(res.headers['content-type'], name).toMatch(/^text\/html/)
  const csp = String(res.headers['content-security-policy'] ?? '')
  expect(csp, name).toContain("default-src 'none'")
  expect(csp, name).toMatch(/script-src 'self'(;|$)/)
  expect(csp, name).toMatch(/style-src 'self'(;|$)/)
  expect(csp, name).not.toContain('unsafe-inline')
  expect(csp, name).not.toContain('unsafe-eval')
  expect(csp, name).toContain("frame-ancestors 'none'")
  // Never no-referrer: browsers then send Origin: null on every form post, which the CSRF check refuses.
  expect(res.headers['referrer-policy'], name).toBe('same-origin')

  const html = res.body
  for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    expect(script[2]!.trim(), `${name}: inline script`).toBe('')
    expect(script[1], `${name}: script without src`).toMatch(/\bsrc=/)
  }
  expect(html, `${name}: <style> element`).not.toMatch(/<style\b/i)
  expect(html, `${name}: javascript: URL`).not.toMatch(/javascript:/i)

  const tags = tagsOf(html)
  for (const tag of tags) {
    expect(tag.attributes.has('style'), `${name}: style= on ${tag.source}`).toBe(false)
    for (const attribute of tag.attributes.keys()) expect(attribute, `${name}: ${tag.source}`).not.toMatch(/^on[a-z]+$/)
  }

  const labelled = new Set(tags.filter((t) => t.name === 'label' && t.attributes.has('for')).map((t) => t.attributes.get('for')))
  for (const control of tags.filter((t) => ['input', 'select', 'textarea'].includes(t.name))) {
    if (control.attributes.get('type') === 'hidden') continue
    const id = control.attributes.get('id')
    const named = (control.attributes.get('aria-label') ?? '').trim() !== '' || (id !== undefined && labelled.has(id))
    expect(named, `${name}: unlabelled ${control.source}`).toBe(true)
  }
}

describe('every page', () => {
  let ctx: TestContext
  const pages: [string, () => Promise<LightMyRequestResponse>][] = []
  const fetched = new Map<string, LightMyRequestResponse>()

  beforeAll(async () => {
    ctx = await createTestContext()
    // The set-up page exists only while no organization does.
    const setupLink = (await issueSetupLink(ctx.deps))!
    const anonymous = browser(ctx.app)
    fetched.set('/setup?token=…', await anonymous.get(pathOf(setupLink)))
    fetched.set(
      '/setup with field errors',
      await anonymous.post('/setup', {
        token: new URL(setupLink).searchParams.get('token')!,
        orgName: '',
        orgSlug: 'x',
        email: 'no',
        firstName: '',
        lastName: '',
        password: '',
      }),
    )

    const acme = await seedAcme(ctx)
    await inviteMember(ctx.deps, 'acme', { email: 'nina@acme.test', role: 'member', workspaceRoles: { prod: 'viewer' } }, { kind: 'operator' })
    const inviteLink = await ctx.linkMailedTo('nina@acme.test')
    const resetLink = await issuePasswordLink(ctx.deps, (await ctx.deps.store.users.findByEmail(MEMBER))!.id, RESET_LIFETIME)
    const owner = await signedIn(ctx, OWNER)
    const admin = await signedIn(ctx, ADMIN)
    const member = await signedIn(ctx, MEMBER)
    const fresh = () => browser(ctx.app)
    const afterGet = async (b: Browser, url: string, action: string, form: Record<string, string>) => {
      await b.get(url)
      return b.post(action, form)
    }

    pages.push(
      ['/login', () => fresh().get('/login')],
      ['/login with an error', () => fresh().submit('/login', '/login', { email: MEMBER, password: 'wrong password!' })],
      ['/login?notice=signed-out', () => fresh().get('/login?notice=signed-out')],
      ['/logout (signed in)', () => member.get('/logout')],
      ['/forgot-password', () => fresh().get('/forgot-password')],
      ['/forgot-password sent', () => fresh().submit('/forgot-password', '/forgot-password', { email: 'someone@acme.test' })],
      ['/reset-password?token=…', () => fresh().get(pathOf(resetLink))],
      [
        '/reset-password with a field error',
        () => afterGet(fresh(), pathOf(resetLink), '/reset-password', { token: new URL(resetLink).searchParams.get('token')!, password: 'short' }),
      ],
      ['/reset-password with a used link', () => fresh().get('/reset-password?token=used')],
      ['/setup?token=…', async () => fetched.get('/setup?token=…')!],
      ['/setup with field errors', async () => fetched.get('/setup with field errors')!],
      ['/setup once closed', () => fresh().get(pathOf(setupLink))],
      ['/invitations/accept?token=…', () => fresh().get(pathOf(inviteLink))],
      [
        '/invitations/accept with field errors',
        () =>
          afterGet(fresh(), pathOf(inviteLink), '/invitations/accept', {
            token: new URL(inviteLink).searchParams.get('token')!,
            firstName: '',
            lastName: '',
            password: 'short',
          }),
      ],
      ['/invitations/accept with a bad link', () => fresh().get('/invitations/accept?token=nope')],
      ['/dashboard (owner)', () => owner.get('/dashboard')],
      ['/dashboard (member)', () => member.get('/dashboard')],
      ['/orgs/acme/members (owner, with a pending invitation)', () => owner.get('/orgs/acme/members')],
      ['/orgs/acme/members (admin)', () => admin.get('/orgs/acme/members')],
      ['/orgs/acme/members with an error', () => afterGet(owner, '/orgs/acme/members', `/orgs/acme/members/${acme.ownerId}/remove`, {})],
      [
        '/orgs/acme/members with an invite field error',
        () => afterGet(owner, '/orgs/acme/members', '/orgs/acme/invitations', { email: 'not an email', role: 'member' }),
      ],
      ['403 page', () => member.get('/orgs/acme/members')],
      ['403 CSRF page', () => fresh().post('/login', { email: MEMBER, password: PASSWORD, _csrf: 'forged' })],
      ['/dev/outbox', () => fresh().get('/dev/outbox')],
      ['404 page', () => fresh().get('/no/such/page')],
    )
  })
  afterAll(() => ctx.close())

  it('has the pages it means to check', () => {
    expect(pages.length).toBeGreaterThanOrEqual(20)
  })

  it('serves each with a strict CSP, no inline script, style or handlers, and every control labelled', async () => {
    for (const [name, fetchPage] of pages) {
      const res = await fetchPage()
      expect(res.statusCode, name).toBeLessThan(500)
      expectHygienicPage(res, name)
    }
  })

  it('has the pages of one-time links take their token out of the address bar (static/forget-url-secret.js)', async () => {
    const script = '<script src="/static/forget-url-secret.js" defer=""></script>'
    for (const [name, fetchPage] of pages) {
      if (!/\?token=…$/.test(name)) continue
      expect((await fetchPage()).body, name).toContain(script)
    }
    expect(pages.filter(([name]) => /\?token=…$/.test(name)).map(([name]) => name)).toEqual(
      expect.arrayContaining(['/reset-password?token=…', '/setup?token=…', '/invitations/accept?token=…']),
    )
  })

  it('answers the statuses the pages are meant to have', async () => {
    const statuses = new Map<string, number>()
    for (const [name, fetchPage] of pages) statuses.set(name, (await fetchPage()).statusCode)
    expect(Object.fromEntries(statuses)).toMatchObject({
      '/login': 200,
      '/logout (signed in)': 200,
      '/forgot-password': 200,
      '/reset-password?token=…': 200,
      '/setup?token=…': 200,
      '/invitations/accept?token=…': 200,
      '/dashboard (owner)': 200,
      '/orgs/acme/members (owner, with a pending invitation)': 200,
      '/dev/outbox': 200,
      '404 page': 404,
      '403 page': 403,
      '403 CSRF page': 403,
      '/setup once closed': 410,
      '/reset-password with a used link': 410,
      '/reset-password with a field error': 422,
      '/setup with field errors': 422,
    })
  })
})

describe('the hygiene check itself', () => {
  const page = (body: string, csp = "default-src 'none'; script-src 'self'; style-src 'self'; frame-ancestors 'none'") =>
    ({ body, headers: { 'content-type': 'text/html', 'content-security-policy': csp, 'referrer-policy': 'same-origin' } }) as unknown as LightMyRequestResponse

  it.each([
    ['an inline script', '<p>x</p><script>alert(1)</script>'],
    ['a style attribute', '<p style="color:red">x</p>'],
    ['an event handler', '<img src="/x.png" alt="" onerror="alert(1)">'],
    ['an unlabelled input', '<input name="q" type="text">'],
    ['an input whose label points elsewhere', '<label for="a">A</label><input id="b" name="b">'],
  ])('catches %s', (_name, body) => {
    expect(() => expectHygienicPage(page(body), 'probe')).toThrow()
  })

  it('catches a CSP that allows inline script', () => {
    expect(() =>
      expectHygienicPage(page('<p>x</p>', "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self'; frame-ancestors 'none'"), 'probe'),
    ).toThrow()
  })

  it('passes escaped text that merely looks like markup, and labelled controls', () => {
    expect(() =>
      expectHygienicPage(
        page(
          '<p>&lt;img src=x onerror=alert(1)&gt; style="x"</p><label for="q">Q</label><input id="q" name="q"><select aria-label="Role"></select><input type="hidden" name="t">',
        ),
        'probe',
      ),
    ).not.toThrow()
  })
})

describe('user-supplied values', () => {
  let ctx: TestContext
  afterEach(async () => {
    await ctx?.close()
    ctx = undefined as never // a later test whose context fails to start must not close this one again
  })

  const XSS = '<img src=x onerror=alert(1)>'

  it('renders an org name that is markup as text on the dashboard and the members page', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx, XSS)
    const owner = await signedIn(ctx, OWNER)
    for (const url of ['/dashboard', '/orgs/acme/members']) {
      const res = await owner.get(url)
      expect(res.statusCode, url).toBe(200)
      expect(res.body, url).toContain('&lt;img src=x onerror=alert(1)&gt;')
      expect(res.body, url).not.toContain(XSS)
      expect(
        tagsOf(res.body).filter((t) => t.name === 'img'),
        url,
      ).toEqual([])
      expectHygienicPage(res, url)
    }
  })

  it('renders names that are markup as text', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const res = await operator(ctx, 'POST', '/organizations/acme/members', {
      email: 'eve@acme.test',
      firstName: '<script>alert(1)</script>',
      lastName: '"><b>x</b>',
      role: 'member',
      password: PASSWORD,
    })
    expect(res.status).toBe(201)
    const eve = await signedIn(ctx, 'eve@acme.test')
    const dashboard = await eve.get('/dashboard')
    expect(dashboard.body).not.toContain('<script>alert(1)</script>')
    expect(dashboard.body).not.toContain('"><b>x</b>')
    expect(dashboard.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    const members = await (await signedIn(ctx, OWNER)).get('/orgs/acme/members')
    expect(members.body).not.toContain('<script>alert(1)</script>')
    expectHygienicPage(members, 'members page')
  })

  it('keeps a `next` value inside its attribute on the sign-in page', async () => {
    ctx = await createTestContext()
    const res = await browser(ctx.app).get(`/login?next=${encodeURIComponent('/"><script>alert(1)</script>')}`)
    expect(res.statusCode).toBe(200)
    expect(res.body).not.toContain('"><script>')
    const next = tagsOf(res.body).find((t) => t.attributes.get('name') === 'next')
    expect(next?.attributes.get('value')).toBe('/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('keeps what was typed into a refused invite as text', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    const res = await owner.post('/orgs/acme/invitations', { email: '"><script>alert(1)</script>', role: 'member' })
    expect(res.statusCode).toBe(422)
    expect(res.body).not.toContain('"><script>')
    expectHygienicPage(res, 'refused invite')
  })
})

describe('the `next` parameter of sign-in', () => {
  let ctx: TestContext
  afterEach(async () => {
    await ctx?.close()
    ctx = undefined as never // a later test whose context fails to start must not close this one again
  })

  const FOREIGN = [
    '//evil.test',
    'https://evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    'javascript:alert(1)',
    '/\t/evil.test',
    ' //evil.test',
    'http:evil.test',
  ]
  // Not foreign, but not a URL a browser sends either (it would percent-encode it); it must not break the redirect.
  const UNENCODED = ['/caf\u00e9', '/\u20ac', '/\u2028']

  it.each(UNENCODED)('signs in and goes to /dashboard, not a 500, with an unencoded next=%j', async (next) => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const b = browser(ctx.app)
    await b.get('/login')
    const res = await b.post('/login', { email: MEMBER, password: PASSWORD, next })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard')
    const again = await b.get(`/login?next=${encodeURIComponent(next)}`)
    expect(again.statusCode).toBe(302)
    expect(again.headers.location).toBe('/dashboard')
  })

  it('follows the percent-encoded form of the same path', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const b = await signedIn(ctx, MEMBER)
    const res = await b.get(`/login?next=${encodeURIComponent('/caf%C3%A9?x=%E2%82%AC')}`)
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('/caf%C3%A9?x=%E2%82%AC')
  })

  it.each(FOREIGN)('sends the browser to /dashboard after signing in with next=%j', async (next) => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const b = browser(ctx.app)
    const page = await b.get(`/login?next=${encodeURIComponent(next)}`)
    expect(page.body).not.toContain('name="next"')
    const res = await b.post('/login', { email: MEMBER, password: PASSWORD, next })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard')
  })

  it.each(FOREIGN)('sends a signed-in browser to /dashboard for /login?next=%j', async (next) => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const b = await signedIn(ctx, MEMBER)
    const res = await b.get(`/login?next=${encodeURIComponent(next)}`)
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('/dashboard')
  })

  it('follows a local path, after signing in and when signed in already', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const b = browser(ctx.app)
    await b.get(`/login?next=${encodeURIComponent('/orgs/acme/members?notice=saved')}`)
    const res = await b.post('/login', { email: OWNER, password: PASSWORD, next: '/orgs/acme/members?notice=saved' })
    expect(res.headers.location).toBe('/orgs/acme/members?notice=saved')
    const again = await b.get(`/login?next=${encodeURIComponent('/orgs/acme/members')}`)
    expect(again.headers.location).toBe('/orgs/acme/members')
  })
})

describe('the development outbox', () => {
  let ctx: TestContext
  afterEach(async () => {
    await ctx?.close()
    ctx = undefined as never // a later test whose context fails to start must not close this one again
  })

  it('does not exist when the outbox is disabled, as under NODE_ENV=production', async () => {
    ctx = await createTestContext({ config: { devOutbox: { enabled: false } } })
    const res = await browser(ctx.app).get('/dev/outbox')
    expect(res.statusCode).toBe(404)
    expectHygienicPage(res, '/dev/outbox (off)')
  })

  it('exists in development', async () => {
    ctx = await createTestContext()
    expect((await browser(ctx.app).get('/dev/outbox')).statusCode).toBe(200)
  })

  it('makes the http(s) links of a mail clickable, and nothing else', async () => {
    ctx = await createTestContext()
    const body = 'Set your password: http://127.0.0.1:4000/reset-password?token=abc&x=1\nNot a link: javascript:alert(1) <b>bold</b> ftp://example.test/'
    await ctx.deps.store.outbox.insert({ id: 'm-1', recipient: 'max@acme.test', subject: 'Links', body, createdAt: '2026-12-06T09:00:00.000Z' })
    const page = (await browser(ctx.app).get('/dev/outbox')).body
    expect(page).toContain('<a href="http://127.0.0.1:4000/reset-password?token=abc&amp;x=1">http://127.0.0.1:4000/reset-password?token=abc&amp;x=1</a>')
    expect(page.match(/<pre>[\s\S]*?<\/pre>/)![0].match(/<a /g)).toHaveLength(1)
    expect(page).toContain('&lt;b&gt;bold&lt;/b&gt;')
  })
})

describe('the production configuration', () => {
  it('disables the development outbox', () => {
    const config = testConfig({ NODE_ENV: 'production', GATEHOUSE_SMTP_URL: 'smtp://mail.test:25', GATEHOUSE_SMTP_FROM: 'no-reply@gatehouse.test' })
    expect(config.production).toBe(true)
    expect(config.devOutbox.enabled).toBe(false)
  })
})
