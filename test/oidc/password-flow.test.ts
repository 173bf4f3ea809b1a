/**
 * OpenID Connect with a password sign-in, end to end over real HTTP: openid-client as the app,
 * Gatehouse on a loopback port. Code + PKCE, claims, userinfo, refresh, the refusals (no PKCE for a
 * public client, a wrong redirect_uri, a code used twice) each beside the request that passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type E2eServer } from '../helpers/e2e.js'
import { httpBrowser } from '../helpers/http-browser.js'
import { client, finishAuthorization, POST_LOGOUT_URI, REDIRECT_URI, rpFor, signInWithPassword, startAuthorization, verifyIdToken, type Rp } from '../helpers/oidc-rp.js'
import { operator } from '../helpers/test-app.js'

const PASSWORD = 'correct horse battery'
let server: E2eServer
let rp: Rp
let publicRp: Rp
let aliceId: string

beforeAll(async () => {
  server = await startServer({ GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000', GATEHOUSE_RATE_LIMIT_IP: '100000' })
  const { ctx } = server
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  for (const slug of ['prod', 'staging']) await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: slug, slug })
  const alice = await operator(ctx, 'POST', '/organizations/acme/members', { email: 'alice@acme.test', firstName: 'Alice', lastName: 'Anders', role: 'admin', password: PASSWORD, workspaceRoles: { prod: 'editor', staging: 'viewer' } })
  aliceId = (await ctx.deps.store.users.findByEmail('alice@acme.test'))!.id
  expect(alice.status).toBe(201)
  const confidential = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI] })
  expect(confidential.status).toBe(201)
  rp = await rpFor(server.baseUrl, confidential.json.id, confidential.json.clientSecret)
  const pub = await operator(ctx, 'POST', '/oidc-clients', { name: 'SPA', redirectUris: [REDIRECT_URI], public: true })
  publicRp = await rpFor(server.baseUrl, pub.json.id)
}, 60_000)
afterAll(async () => {
  await server?.close()
})

async function signIn(target: Rp, params: Record<string, string> = {}) {
  const b = httpBrowser(server.baseUrl)
  const started = await startAuthorization(target, params)
  const login = await b.navigate(started.url.toString())
  expect(new URL(login.url).pathname).toBe('/login')
  const back = await signInWithPassword(b, login, 'alice@acme.test', PASSWORD)
  expect(back.leftTo, back.body.slice(0, 500)).toMatch(/^http:\/\/localhost:5999\/callback\?/)
  return { b, started, callback: back.leftTo! }
}

describe('a password sign-in', () => {
  it('signs the user in with code + PKCE and carries org and roles in a signed ID token', async () => {
    const { started, callback } = await signIn(rp)
    expect(new URL(callback).searchParams.get('iss')).toBe(rp.issuer)
    const tokens = await finishAuthorization(rp, started, callback)
    const claims = await verifyIdToken(rp, tokens.id_token!)
    expect(claims).toMatchObject({
      sub: aliceId, email: 'alice@acme.test', email_verified: true, name: 'Alice Anders', given_name: 'Alice', family_name: 'Anders',
      org: 'acme', org_role: 'admin', workspace_roles: { prod: 'editor', staging: 'viewer' }, amr: ['pwd'],
    })
    expect(typeof claims.auth_time).toBe('number')
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, aliceId)
    expect(info).toMatchObject({ sub: aliceId, email: 'alice@acme.test', org: 'acme', org_role: 'admin', workspace_roles: { prod: 'editor', staging: 'viewer' }, amr: ['pwd'] })
  })
})
