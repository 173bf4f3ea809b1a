/**
 * The example host app's POST /backchannel-logout (examples/host-app/logout-token.mjs) validates a
 * logout token as Back-Channel Logout 1.0 §2.6 asks, each check a pair: the attack refused with 400,
 * and the same token without it accepted with 200 — a wrong audience, a nonce (an ID token passed
 * off as a logout token), a signature by another key under Gatehouse's kid, alg none, no
 * back-channel event, expired, neither sid nor sub, the wrong typ. Tokens are signed with
 * Gatehouse's own key (read from its store), served by a Gatehouse on a loopback port whose JWKS the
 * app fetches as an RP does. The token Gatehouse itself makes (core/logout-token.ts) is accepted too.
 */
import { generateKeyPairSync } from 'node:crypto'
import { importJWK, SignJWT, type JWTPayload } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHostApp } from '../../examples/host-app/server.mjs'
import { signLogoutToken } from '../../src/core/logout-token.js'
import { activeOidcJwks, type PrivateJwk } from '../../src/core/oidc-keys.js'
import { freePort } from '../helpers/built-cli.js'
import { startServer, type E2eServer } from '../helpers/e2e.js'
import { operator } from '../helpers/test-app.js'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
let server: E2eServer
let app: { close(): Promise<void> }
let appUrl: string
let clientId: string
let issuer: string
let key: PrivateJwk

beforeAll(async () => {
  server = await startServer()
  issuer = `${server.baseUrl}/oidc`
  const port = await freePort()
  appUrl = `http://127.0.0.1:${port}`
  const client = await operator(server.ctx, 'POST', '/oidc-clients', {
    name: 'Example host app',
    redirectUris: [`${appUrl}/callback`],
    backchannelLogoutUri: `${appUrl}/backchannel-logout`,
  })
  clientId = client.json.id
  const quiet = { info: () => {}, warn: () => {}, error: () => {} }
  app = await startHostApp({ issuer, clientId, clientSecret: client.json.clientSecret, appUrl, port, log: quiet })
  key = (await activeOidcJwks(server.ctx.deps)).find((k) => k.alg === 'RS256')!
}, 60_000)
afterAll(async () => {
  await app?.close()
  await server?.close()
})

function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  const base: Record<string, unknown> = {
    iss: issuer,
    aud: clientId,
    iat: now,
    exp: now + 120,
    jti: `j-${Math.random()}`,
    sub: 'user-1',
    sid: 'sid-1',
    events: { [EVENT]: {} },
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete base[k]
    else base[k] = v
  }
  return base
}

async function sign(payload: JWTPayload, header: Record<string, unknown> = {}, jwk: Record<string, unknown> = key): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt', ...header }).sign(await importJWK(jwk, 'RS256'))
}

async function post(token: string, contentType = 'application/x-www-form-urlencoded'): Promise<number> {
  const res = await fetch(`${appUrl}/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new URLSearchParams({ logout_token: token }),
  })
  return res.status
}

const unsigned = (payload: JWTPayload) =>
  `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`

const foreign = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) }

const ATTACKS: [string, () => Promise<string>][] = [
  ['names another client in aud', async () => sign(claims({ aud: 'another-client' }))],
  ['carries a nonce (an ID token)', async () => sign(claims({ nonce: 'n-1' }))],
  ['is signed by another key under our kid', async () => sign(claims(), {}, foreign)],
  ['is unsigned (alg none)', async () => unsigned(claims())],
  ['has no back-channel logout event', async () => sign(claims({ events: { 'http://example.com/other': {} } }))],
  ['has expired', async () => sign(claims({ iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 }))],
  ['names neither sid nor sub', async () => sign(claims({ sid: undefined, sub: undefined }))],
  ['is typed as an ID token (typ JWT)', async () => sign(claims(), { typ: 'JWT' })],
  ['comes from another issuer', async () => sign(claims({ iss: 'https://evil.example/oidc' }))],
]

describe('the example app refuses a logout token that', () => {
  for (const [what, make] of ATTACKS) {
    it(`${what} (400), and accepts the same token without it (200)`, async () => {
      expect(await post(await make())).toBe(400)
      expect(await post(await sign(claims()))).toBe(200)
    })
  }

  it('refuses a body that is not a form, or has no token', async () => {
    expect(await post(await sign(claims()), 'application/json')).toBe(400)
    expect(
      (await fetch(`${appUrl}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status,
    ).toBe(400)
  })

  it('accepts the token Gatehouse makes (signed with its key, sub only or with sid)', async () => {
    const now = new Date()
    expect(await post(signLogoutToken(key, { issuer, clientId, sub: 'user-1', sid: 'sid-1', now }))).toBe(200)
    expect(await post(signLogoutToken(key, { issuer, clientId, sub: 'user-1', sid: undefined, now }))).toBe(200)
  })
})

describe('the example app’s own sessions', () => {
  it('makes none for requests without a cookie (strangers cannot fill its memory), and one when a sign-in starts', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${appUrl}/`, { redirect: 'manual' })
      expect(res.headers.get('set-cookie')).toBeNull()
    }
    const login = await fetch(`${appUrl}/login`, { redirect: 'manual' })
    expect(login.status).toBe(303)
    expect(login.headers.get('set-cookie')).toMatch(/^app_session=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax/)
  })
})
