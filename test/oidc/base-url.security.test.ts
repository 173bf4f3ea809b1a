/**
 * Issue 14 item 9: every URL Gatehouse advertises comes from GATEHOUSE_BASE_URL, never from the
 * request's Host or X-Forwarded-Host (with or without GATEHOUSE_TRUST_PROXY): the OIDC issuer and
 * discovery endpoints, SAML SP metadata, the development IdP's metadata, links in mail. Under an
 * https base URL the provider's cookies are Secure, /oidc/* carries the pages' security headers and
 * HSTS, and confirming RP-initiated logout works (it answered 500: a Secure cookie over what the
 * provider took for plain http). Each attack beside the request that passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { httpBrowser } from '../helpers/http-browser.js'
import { injectFetch } from '../helpers/inject-fetch.js'
import {
  client,
  finishAuthorization,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  rpFor,
  signInWithPassword,
  startAuthorization,
  verifyIdToken,
  type Rp,
} from '../helpers/oidc-rp.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

const PASSWORD = 'correct horse battery'
const ATTACKER = { host: 'evil.test', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'http' }

const SETUPS = [
  { name: 'an https base URL', baseUrl: 'https://gatehouse.test', trustProxy: 'false' },
  { name: 'an https base URL behind a trusted proxy', baseUrl: 'https://gatehouse.test', trustProxy: '1' },
  { name: 'an http base URL', baseUrl: 'http://gatehouse.test:8080', trustProxy: 'false' },
] as const

describe.each(SETUPS)('under $name', ({ baseUrl, trustProxy }) => {
  const https = baseUrl.startsWith('https:')
  let ctx: TestContext
  let rp: Rp

  beforeAll(async () => {
    ctx = await createTestContext({
      env: { GATEHOUSE_BASE_URL: baseUrl, GATEHOUSE_TRUST_PROXY: trustProxy, GATEHOUSE_RATE_LIMIT_IP: '100000' },
      now: new Date().toISOString(),
    })
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    expect(
      (
        await operator(ctx, 'POST', '/organizations/acme/members', {
          email: 'alice@acme.test',
          firstName: 'Alice',
          lastName: 'A',
          role: 'owner',
          password: PASSWORD,
        })
      ).status,
    ).toBe(201)
    expect((await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBeLessThan(300)
    const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI] })
    expect(created.status).toBe(201)
    rp = await rpFor(baseUrl, created.json.id, created.json.clientSecret, injectFetch(ctx.app))
  }, 60_000)
  afterAll(async () => {
    await ctx?.close()
  })

  const get = (url: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'GET', url, headers: { host: new URL(baseUrl).host, ...headers } })

  describe('OIDC discovery', () => {
    it('names the base URL in the issuer and every endpoint whatever Host and X-Forwarded-Host say', async () => {
      const res = await get('/oidc/.well-known/openid-configuration', ATTACKER)
      expect(res.statusCode).toBe(200)
      expect(res.body).not.toContain('evil.test')
      const doc = res.json<Record<string, unknown>>()
      expect(doc.issuer).toBe(`${baseUrl}/oidc`)
      const urls = Object.entries(doc).filter(([key]) => key.endsWith('_endpoint') || key === 'jwks_uri')
      expect(urls.map(([key]) => key)).toEqual(
        expect.arrayContaining(['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'revocation_endpoint']),
      )
      for (const [key, value] of urls) expect(value, key).toMatch(new RegExp(`^${baseUrl.replace(/[.:/]/g, '\\$&')}/oidc/`))
    })

    it('gives the very same document to a request addressed properly', async () => {
      const attacked = await get('/oidc/.well-known/openid-configuration', ATTACKER)
      const proper = await get('/oidc/.well-known/openid-configuration')
      expect(attacked.json()).toEqual(proper.json())
    })

    it('serves the JWKS at the advertised jwks_uri', async () => {
      const doc = (await get('/oidc/.well-known/openid-configuration', ATTACKER)).json<{ jwks_uri: string }>()
      const jwks = await get(new URL(doc.jwks_uri).pathname, ATTACKER)
      expect(jwks.statusCode).toBe(200)
      expect(jwks.json<{ keys: unknown[] }>().keys.length).toBeGreaterThan(0)
    })
  })

  describe('SAML metadata', () => {
    it('names the base URL in the SP metadata whatever the Host', async () => {
      const res = await get('/saml/acme/metadata', ATTACKER)
      expect(res.statusCode).toBe(200)
      expect(res.body).not.toContain('evil.test')
      expect(res.body).toContain(`entityID="${baseUrl}/saml/acme"`)
      expect(res.body).toContain(`Location="${baseUrl}/saml/acme/acs"`)
    })

    it("names the base URL in the development IdP's metadata whatever the Host", async () => {
      const res = await get('/dev/idp/metadata', ATTACKER)
      expect(res.statusCode).toBe(200)
      expect(res.body).not.toContain('evil.test')
      expect(res.body).toContain(`entityID="${baseUrl}/dev/idp"`)
      expect(res.body).toContain(`Location="${baseUrl}/dev/idp/sso"`)
    })
  })

  describe('links in mail', () => {
    it('sends a password-reset link on the base URL whatever the Host', async () => {
      const b = browser(ctx.app)
      await b.get('/forgot-password')
      const res = await b.post('/forgot-password', { email: 'alice@acme.test' }, ATTACKER)
      expect(res.statusCode).toBeLessThan(400)
      expect((await ctx.linkMailedTo('alice@acme.test')).startsWith(`${baseUrl}/reset-password?token=`)).toBe(true)
    })

    it('sends an invitation link on the base URL whatever the Host', async () => {
      const b = browser(ctx.app)
      await b.submit('/login', '/login', { email: 'alice@acme.test', password: PASSWORD })
      await b.get('/orgs/acme/members')
      const res = await b.post('/orgs/acme/invitations', { email: 'nina@acme.test', role: 'member' }, ATTACKER)
      expect(res.statusCode).toBe(303)
      expect((await ctx.linkMailedTo('nina@acme.test')).startsWith(`${baseUrl}/invitations/accept?token=`)).toBe(true)
    })
  })

  describe("the provider's responses", () => {
    it(https ? 'sets its cookies Secure' : 'sets its cookies without Secure, which plain http could not send back', async () => {
      const started = await startAuthorization(rp)
      const res = await get(started.url.pathname + started.url.search)
      expect(res.statusCode).toBe(303)
      const cookies = res.cookies as { name: string; secure?: boolean; httpOnly?: boolean }[]
      expect(cookies.map((c) => c.name)).toContain('gh_oidc_interaction')
      for (const c of cookies) {
        expect(c.secure === true, c.name).toBe(https)
        expect(c.httpOnly, c.name).toBe(true)
      }
    })

    it(`carries the pages' security headers${https ? ' and HSTS' : ', without HSTS'}, as the pages do`, async () => {
      const page = await get('/login')
      for (const url of ['/oidc/.well-known/openid-configuration', '/oidc/jwks', '/oidc/auth?client_id=nobody', '/oidc/session/end']) {
        const res = await get(url, ATTACKER)
        for (const name of ['strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy']) {
          expect(res.headers[name], `${name} on ${url}`).toBe(page.headers[name])
        }
        expect(String(res.headers['content-security-policy']), url).toContain("frame-ancestors 'none'")
        expect(res.headers['x-request-id'], url).toBeTruthy()
      }
      expect(page.headers['strict-transport-security'] !== undefined).toBe(https)
    })
  })

  describe('RP-initiated logout', () => {
    it('signs out on confirmation: the app gets its redirect, the Gatehouse session and the refresh token end', async () => {
      const setCookies: string[] = []
      const transport = injectFetch(ctx.app)
      const b = httpBrowser(baseUrl, async (input, init) => {
        const res = await transport(input, init)
        setCookies.push(...res.headers.getSetCookie())
        return res
      })
      const started = await startAuthorization(rp)
      const login = await b.navigate(started.url.toString())
      expect(new URL(login.url).pathname).toBe('/login')
      const back = await signInWithPassword(b, login, 'alice@acme.test', PASSWORD)
      expect(back.leftTo ?? '', `${back.status} ${back.url}`).toMatch(/^http:\/\/localhost:5999\/callback\?/)
      const tokens = await finishAuthorization(rp, started, back.leftTo!)
      expect(await verifyIdToken(rp, tokens.id_token!)).toMatchObject({ iss: `${baseUrl}/oidc`, org: 'acme' })
      // Every cookie of the provider along the way (interaction, resume, session) is Secure under https.
      const providerCookies = setCookies.filter((line) => line.startsWith('gh_oidc_'))
      expect(new Set(providerCookies.map((line) => line.slice(0, line.indexOf('='))))).toEqual(
        new Set(['gh_oidc_interaction', 'gh_oidc_interaction.sig', 'gh_oidc_resume', 'gh_oidc_resume.sig', 'gh_oidc_session', 'gh_oidc_session.sig']),
      )
      for (const line of providerCookies) expect(/;\s*secure/i.test(line), line).toBe(https)

      const end = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' })
      expect(end.toString().startsWith(`${baseUrl}/oidc/`)).toBe(true)
      const confirm = await b.navigate(end.toString())
      expect(confirm.status).toBe(200)
      const action = /action="([^"]+)"/.exec(confirm.body)![1]!
      expect(action.startsWith(`${baseUrl}/oidc/`) || action.startsWith('/oidc/')).toBe(true)
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!
      const out = await b.request('POST', action, { xsrf, logout: 'yes' })
      expect(out.status, out.body.slice(0, 500)).toBe(303)
      expect(out.headers.get('location')).toBe(`${POST_LOGOUT_URI}?state=bye`)
      const cleared = out.headers.getSetCookie().find((line) => /^(__Host-)?gh_session=/.test(line))
      if (cleared !== undefined) expect(/;\s*secure/i.test(cleared)).toBe(https)
      expect(new URL((await b.navigate('/dashboard')).url).pathname).toBe('/login')
      await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    })
  })
})

describe('under a base URL with a path (a proxy serving Gatehouse under /sso)', () => {
  it('names the path in the issuer and in every endpoint, whatever Host says', async () => {
    const ctx = await createTestContext({ env: { GATEHOUSE_BASE_URL: 'https://gatehouse.test/sso' } })
    try {
      const res = await ctx.app.inject({ method: 'GET', url: '/oidc/.well-known/openid-configuration', headers: ATTACKER })
      const doc = res.json<Record<string, string>>()
      expect(doc.issuer).toBe('https://gatehouse.test/sso/oidc')
      expect(doc.token_endpoint).toBe('https://gatehouse.test/sso/oidc/token')
      expect(doc.jwks_uri).toBe('https://gatehouse.test/sso/oidc/jwks')
      expect(res.body).not.toContain('evil.test')
    } finally {
      await ctx.close()
    }
  })
})
