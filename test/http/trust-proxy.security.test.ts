/**
 * GATEHOUSE_TRUST_PROXY: behind a proxy that appends the address it saw to X-Forwarded-For (nginx's
 * `$proxy_add_x_forwarded_for`), the client is the last untrusted hop. Whatever a client writes into
 * its own X-Forwarded-For stays to the left of that and must not move its per-IP limit; the OpenID
 * Connect provider must see the same client, protocol and host as Fastify.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { seedAcme } from './support.js'

const PROXY = '10.0.0.2'
const CLIENT = '203.0.113.9'
const OTHER_CLIENT = '198.51.100.20'
const PER_IP = 3

let ctx: TestContext
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

async function start(trustProxy: string) {
  ctx = await createTestContext({ env: { GATEHOUSE_TRUST_PROXY: trustProxy, GATEHOUSE_RATE_LIMIT_IP: String(PER_IP) } })
  await seedAcme(ctx)
}

let attempts = 0
/** A wrong password for a fresh address each time (so only the per-IP limit can refuse it). */
async function attempt(remoteAddress: string, forwardedFor?: string) {
  attempts++
  return ctx.app.inject({
    method: 'POST',
    url: '/api/v1/auth/password',
    remoteAddress,
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    payload: { email: `nobody${attempts}@acme.test`, password: 'wrong password!', org: 'acme' },
  })
}

/** The client's own header, with the proxy's addition at the end, as nginx forwards it. */
const appended = (spoofed: string, client = CLIENT) => `${spoofed}, ${client}`

describe('with one trusted hop (GATEHOUSE_TRUST_PROXY=1)', () => {
  it('limits a client that sends its own X-Forwarded-For as the address the proxy appended, whatever it writes', async () => {
    await start('1')
    for (let i = 0; i < PER_IP; i++) {
      expect((await attempt(PROXY, appended(`1.2.3.${i}`))).statusCode, `attempt ${i + 1}`).toBe(401)
    }
    // A new left-most value each time does not give a new allowance.
    for (const spoofed of ['1.2.3.99', '9.9.9.9', `${OTHER_CLIENT}`, 'unknown']) {
      const res = await attempt(PROXY, appended(spoofed))
      expect(res.statusCode, spoofed).toBe(429)
      expect(res.json().error.code).toBe('rate_limited')
    }
  })

  it('limits distinct real clients behind the proxy separately', async () => {
    await start('1')
    for (let i = 0; i < PER_IP; i++) expect((await attempt(PROXY, CLIENT)).statusCode).toBe(401)
    expect((await attempt(PROXY, CLIENT)).statusCode).toBe(429)
    expect((await attempt(PROXY, OTHER_CLIENT)).statusCode).toBe(401)
    expect((await attempt(PROXY, appended('1.2.3.4', OTHER_CLIENT))).statusCode).toBe(401)
  })

  it('limits a client with no X-Forwarded-For by its socket address', async () => {
    await start('1')
    for (let i = 0; i < PER_IP; i++) expect((await attempt(CLIENT)).statusCode).toBe(401)
    expect((await attempt(CLIENT)).statusCode).toBe(429)
    expect((await attempt(OTHER_CLIENT)).statusCode).toBe(401)
  })
})

describe('with the proxies named (GATEHOUSE_TRUST_PROXY=10.0.0.0/8, ::1)', () => {
  it('limits a client as the last address outside the list, through two proxies, whatever it writes to the left', async () => {
    await start('10.0.0.0/8, ::1')
    // client → edge proxy 10.1.1.1 → inner proxy 10.0.0.2 → Gatehouse: the edge appended the client, the inner one the edge.
    for (let i = 0; i < PER_IP; i++) expect((await attempt(PROXY, `1.2.3.${i}, ${CLIENT}, 10.1.1.1`)).statusCode).toBe(401)
    expect((await attempt(PROXY, `4.4.4.4, ${CLIENT}, 10.1.1.1`)).statusCode).toBe(429)
    expect((await attempt('::1', `5.5.5.5, ${CLIENT}`)).statusCode).toBe(429)
    // Another real client through the same proxies has its own allowance.
    expect((await attempt(PROXY, `4.4.4.4, ${OTHER_CLIENT}, 10.1.1.1`)).statusCode).toBe(401)
  })

  it('ignores the X-Forwarded-For of a client that connects directly from outside the list', async () => {
    await start('10.0.0.0/8, ::1')
    for (let i = 0; i < PER_IP; i++) expect((await attempt(CLIENT, `10.0.0.${i + 10}`)).statusCode).toBe(401)
    expect((await attempt(CLIENT, '10.0.0.99')).statusCode).toBe(429)
    expect((await attempt(CLIENT, OTHER_CLIENT)).statusCode).toBe(429)
    expect((await attempt(OTHER_CLIENT)).statusCode).toBe(401)
  })
})

describe('the OpenID Connect provider behind named proxies', () => {
  async function authorize(remoteAddress: string) {
    const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'SPA', redirectUris: ['http://localhost:5173/callback'], public: true })
    expect(created.status).toBe(201)
    const query = new URLSearchParams({
      client_id: created.json.id as string,
      redirect_uri: 'http://localhost:5173/callback',
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/oidc/auth?${query}`,
      remoteAddress,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '1.2.3.4' },
    })
    expect(res.statusCode, res.body).toBe(303)
    const cookies = [res.headers['set-cookie'] ?? []].flat()
    expect(cookies.length).toBeGreaterThan(0)
    return cookies
  }

  it('does not take X-Forwarded-Proto from a client outside the list (its cookies are not marked Secure)', async () => {
    await start('10.0.0.0/8')
    for (const cookie of await authorize(CLIENT)) expect(cookie).not.toMatch(/;\s*secure/i)
  })

  it('takes the protocol for its cookies from GATEHOUSE_BASE_URL, not from X-Forwarded-Proto, even from a trusted proxy', async () => {
    await start('10.0.0.0/8')
    // The base URL is http here: a trusted proxy's "https" does not change what the provider does
    // (test/oidc/base-url.security.test.ts shows the cookies Secure under an https base URL).
    for (const cookie of await authorize(PROXY)) expect(cookie).not.toMatch(/;\s*secure/i)
  })
})
