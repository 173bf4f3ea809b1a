/**
 * Issue 21 item 5: a set-up link opens its own org's set-up pages for its scopes and nothing else.
 * Each attack is paired with the same request accepted once the attack is removed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SETUP_LINK_ROUTES } from '../../src/http/pages/setup-link-access.js'
import { browser } from '../helpers/browser.js'
import { appRoutes } from '../helpers/routes.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { makeLink, openLink } from '../http/setup-link-support.js'
import { OWNER, seedAcme, signedIn } from '../http/support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ env: { GATEHOUSE_RATE_LIMIT_IP: '5' } })
  await seedAcme(ctx)
  expect((await operator(ctx, 'POST', '/organizations', { name: 'Beta', slug: 'beta' })).status).toBe(201)
  expect((await operator(ctx, 'PUT', '/organizations/beta/sso', { ssoName: 'beta-sso' })).status).toBeLessThan(300)
})
afterEach(() => ctx.close())

const MANUAL_IDP = { mode: 'manual', ssoUrl: 'https://idp.example.test/sso', entityId: 'https://idp.example.test', signatureAlgorithm: 'rsa-sha256' }
const policy = async () => (await operator(ctx, 'GET', '/organizations/acme/sso')).json?.policy

describe('an expired or revoked link', () => {
  it('opens nothing once expired (410), and its session ends with it; the same link opened before expiry works', async () => {
    const link = await makeLink(ctx, 'acme', ['sso'], 1)
    const b = await openLink(ctx, link)
    expect((await b.get('/orgs/acme/sso')).statusCode).toBe(200)
    ctx.clock.advance(3_600_000)
    expect((await b.get('/orgs/acme/sso')).statusCode).toBe(302) // no session: to the sign-in page
    expect((await b.get('/setup-link')).statusCode).toBe(410)
    expect((await browser(ctx.app).get(link.path)).statusCode).toBe(410)
  })

  it('lasts at most 4 hours per session, even when the link lives longer; opening it again starts a new one', async () => {
    const link = await makeLink(ctx, 'acme', ['sso'])
    const b = await openLink(ctx, link)
    ctx.clock.advance(4 * 3_600_000 - 1000)
    expect((await b.get('/orgs/acme/sso')).statusCode).toBe(200)
    ctx.clock.advance(1000)
    expect((await b.get('/orgs/acme/sso')).statusCode).toBe(302)
    const again = await openLink(ctx, link)
    expect((await again.get('/orgs/acme/sso')).statusCode).toBe(200)
  })

  it('opens nothing once revoked, and the session it started ends at the next request; another live link still works', async () => {
    const link = await makeLink(ctx, 'acme', ['sso'])
    const other = await makeLink(ctx, 'acme', ['sso'])
    const b = await openLink(ctx, link)
    const c = await openLink(ctx, other)
    expect((await operator(ctx, 'DELETE', `/organizations/acme/setup-links/${link.id}`)).status).toBe(204)
    expect((await b.get('/orgs/acme/sso')).statusCode).toBe(302)
    expect((await browser(ctx.app).get(link.path)).statusCode).toBe(410)
    expect((await c.get('/orgs/acme/sso')).statusCode).toBe(200)
  })
})

describe('a link of one org', () => {
  it("is refused on another org's pages (403) and changes nothing there; on its own org's the same requests work", async () => {
    const b = await openLink(ctx, await makeLink(ctx, 'acme', ['sso', 'directory', 'policy']))
    for (const url of ['/orgs/beta/sso', '/orgs/beta/sso/idp', '/orgs/beta/directory', '/orgs/beta/sso/policy']) {
      expect((await b.get(url)).statusCode, url).toBe(403)
    }
    expect((await b.post('/orgs/beta/sso/idp', MANUAL_IDP)).statusCode).toBe(403)
    expect((await b.post('/orgs/beta/directory', {})).statusCode).toBe(403)
    expect((await operator(ctx, 'GET', '/organizations/beta/sso')).json.idp).toBeFalsy()
    expect((await operator(ctx, 'GET', '/organizations/beta/directory')).status).toBe(404)

    expect((await b.post('/orgs/acme/sso/name', { ssoName: 'acme-sso' })).statusCode).toBe(303)
    expect((await b.get('/orgs/acme/sso/idp')).statusCode).toBe(200)
    expect((await b.post('/orgs/acme/directory', {})).statusCode).toBe(201)
  })

  it('is no bearer token: the operator API answers 401 to its secret; the operator token works', async () => {
    const link = await makeLink(ctx, 'acme', ['sso'])
    const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/organizations/acme/sso', headers: { authorization: `Bearer ${link.secret}` } })
    expect(res.statusCode).toBe(401)
    expect((await operator(ctx, 'GET', '/organizations/acme/setup-links')).status).toBe(200)
  })
})

describe('a link session on routes that stay the owner’s', () => {
  it('never reaches members, tokens, audit log, bind-users, domains, disabling or other links; the owner does', async () => {
    const b = await openLink(ctx, await makeLink(ctx, 'acme', ['sso', 'directory', 'policy']))
    await b.post('/orgs/acme/sso/name', { ssoName: 'acme-sso' })
    const owner = await signedIn(ctx, OWNER)
    const gets = ['/orgs/acme/members', '/orgs/acme/audit', '/orgs/acme/setup-links', '/orgs/acme/sso/bind-users.csv', '/tokens', '/dashboard', '/orgs/acme']
    for (const url of gets) {
      const res = await b.get(url)
      expect([302, 403, 404], `${url} ${res.statusCode}`).toContain(res.statusCode)
      if (res.statusCode === 302) expect(String(res.headers.location)).toMatch(/^\/login/)
      expect(res.body).not.toContain(OWNER)
    }
    for (const url of ['/orgs/acme/members', '/orgs/acme/audit', '/orgs/acme/setup-links', '/orgs/acme/sso/bind-users.csv']) {
      expect((await owner.get(url)).statusCode, url).toBe(200)
    }
    await b.get('/orgs/acme/sso')
    for (const [url, form] of [
      ['/orgs/acme/sso/disable', {}],
      ['/orgs/acme/sso/domains', { domain: 'acme.test' }],
      ['/orgs/acme/directory/disable', { confirm: 'yes' }],
      ['/orgs/acme/setup-links', { scope_sso: 'on' }],
      ['/orgs/acme/members', { email: 'eve@acme.test', role: 'owner' }],
    ] as const) {
      const res = await b.post(url, form)
      expect([302, 303, 401, 403, 404], `${url} ${res.statusCode}`).toContain(res.statusCode)
      if (res.statusCode === 303) expect(String(res.headers.location)).toMatch(/^\/login/)
    }
    expect((await operator(ctx, 'GET', '/organizations/acme/members')).json.data.map((m: { email: string }) => m.email)).not.toContain('eve@acme.test')
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `gh_setup=${b.cookies.get('gh_setup')}` } })
    expect(me.statusCode).toBe(401)
  })

  it('is refused (403 or sign-in) on every /orgs route not listed open to links; the listed ones answer', async () => {
    const b = await openLink(ctx, await makeLink(ctx, 'acme', ['sso', 'directory', 'policy']))
    await b.post('/orgs/acme/sso/name', { ssoName: 'acme-sso' })
    const csrf = b.csrf()
    const fill = (url: string) => url.replace(':org', 'acme').replace(/:[a-z]+/g, '00000000-0000-0000-0000-000000000000')
    const closed = appRoutes(ctx.app).filter((r) => r.url.startsWith('/orgs/:org') && (r.method === 'GET' || r.method === 'POST'))
    expect(closed.length).toBeGreaterThan(20)
    for (const route of closed) {
      const listed = SETUP_LINK_ROUTES[`${route.method} ${route.url}`] !== undefined
      const res = route.method === 'GET' ? await b.get(fill(route.url)) : await b.post(fill(route.url), { _csrf: csrf })
      if (listed) expect([200, 201, 303, 404, 409, 422], `${route.method} ${route.url} ${res.statusCode}`).toContain(res.statusCode)
      else expect([302, 401, 403], `${route.method} ${route.url} ${res.statusCode}`).toContain(res.statusCode)
      if (!listed && res.statusCode === 302) expect(String(res.headers.location), route.url).toMatch(/^\/login/)
    }
  })
})

describe('a link without the policy scope', () => {
  it('cannot open or change user management (403, enforcement unchanged); a link with policy can', async () => {
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme-sso' })
    const before = await policy()
    const sso = await openLink(ctx, await makeLink(ctx, 'acme', ['sso', 'directory']))
    await sso.get('/orgs/acme/sso')
    expect((await sso.get('/orgs/acme/sso/policy')).statusCode).toBe(403)
    expect((await sso.post('/orgs/acme/sso/policy', { enforcement: 'exceptions', sessionTimeoutHours: '12' })).statusCode).toBe(403)
    expect(await policy()).toEqual(before)

    const withPolicy = await openLink(ctx, await makeLink(ctx, 'acme', ['sso', 'policy']))
    expect((await withPolicy.get('/orgs/acme/sso/policy')).statusCode).toBe(200)
    const form = {
      enforcement: 'exceptions',
      apiAllowList: '',
      sessionTimeoutHours: '12',
      provisioning: 'invite-only',
      allowIdpInitiated: 'on',
      'attributeMapping.email': 'email',
      'attributeMapping.firstName': 'first_name',
      'attributeMapping.lastName': 'last_name',
      'attributeMapping.roles': 'roles',
      'roleMapping.attribute': 'roles',
      'roleMapping.delimiter': ',',
      'workspaceAttributes.prefix': 'workspace.',
    }
    const res = await withPolicy.post('/orgs/acme/sso/policy', form)
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303)
    expect((await policy()).enforcement).toBe('exceptions')
  })
})

describe('guessing link secrets', () => {
  it('is limited per IP like the other secrets (429 with Retry-After); another IP with the real link gets in', async () => {
    const link = await makeLink(ctx, 'acme', ['sso'])
    const guesser = browser(ctx.app, { ip: '203.0.113.9' })
    const guess = () => guesser.get(`/setup/ghsl_${'A'.repeat(43)}`)
    for (let i = 0; i < 5; i++) expect((await guess()).statusCode).toBe(410)
    const limited = await guess()
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBeDefined()
    expect((await guesser.get(link.path)).statusCode).toBe(429) // even the right secret, from this IP, this window
    await openLink(ctx, link, { ip: '198.51.100.7' })
  })
})

describe('the secret in the URL', () => {
  it('is traded at once for a cookie: 303 to a secret-free URL, no Referer, no cache, never logged; the home page works', async () => {
    const link = await makeLink(ctx, 'acme', ['sso'])
    const b = browser(ctx.app)
    const res = await b.get(link.path)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/setup-link')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['cache-control']).toBe('no-store')
    const cookie = (res.cookies as { name: string; httpOnly?: boolean; sameSite?: string; path?: string }[]).find((c) => c.name === 'gh_setup')!
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(cookie).not.toHaveProperty('value', link.secret)
    const bad = await browser(ctx.app).get(`/setup/ghsl_${'B'.repeat(43)}`)
    expect(bad.headers['referrer-policy']).toBe('no-referrer')
    const home = await b.get('/setup-link')
    expect(home.statusCode).toBe(200)
    expect(home.headers['referrer-policy']).toBe('same-origin')
    expect(home.body).not.toContain(link.secret)
    expect(ctx.logs()).toContain('/setup/[redacted]')
    expect(ctx.logs()).not.toContain(link.secret)
    expect(ctx.logs()).not.toContain('B'.repeat(43))
  })
})
