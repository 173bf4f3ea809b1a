/**
 * OpenID Connect with a password sign-in, end to end over real HTTP: openid-client as the app,
 * Gatehouse on a loopback port. Code + PKCE, claims, userinfo, refresh, the refusals (no PKCE for a
 * public client, a wrong redirect_uri, a code used twice) each beside the request that passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type E2eServer } from '../helpers/e2e.js'
import { httpBrowser } from '../helpers/http-browser.js'
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
  const alice = await operator(ctx, 'POST', '/organizations/acme/members', {
    email: 'alice@acme.test',
    firstName: 'Alice',
    lastName: 'Anders',
    role: 'admin',
    password: PASSWORD,
    workspaceRoles: { prod: 'editor', staging: 'viewer' },
  })
  aliceId = (await ctx.deps.store.users.findByEmail('alice@acme.test'))!.id
  expect(alice.status).toBe(201)
  const confidential = await operator(ctx, 'POST', '/oidc-clients', {
    name: 'Host app',
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
  })
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
  expect(back.leftTo ?? '', `${back.status} ${back.url} ${back.body.slice(0, 1500)}`).toMatch(/^http:\/\/localhost:5999\/callback\?/)
  return { b, started, callback: back.leftTo! }
}

describe('a password sign-in', () => {
  it('signs the user in with code + PKCE and carries org and roles in a signed ID token', async () => {
    const { started, callback } = await signIn(rp)
    expect(new URL(callback).searchParams.get('iss')).toBe(rp.issuer)
    const tokens = await finishAuthorization(rp, started, callback)
    const claims = await verifyIdToken(rp, tokens.id_token!)
    expect(claims).toMatchObject({
      sub: aliceId,
      email: 'alice@acme.test',
      email_verified: true,
      name: 'Alice Anders',
      given_name: 'Alice',
      family_name: 'Anders',
      org: 'acme',
      org_role: 'admin',
      workspace_roles: { prod: 'editor', staging: 'viewer' },
      amr: ['pwd'],
    })
    expect(typeof claims.auth_time).toBe('number')
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, aliceId)
    expect(info).toMatchObject({
      sub: aliceId,
      email: 'alice@acme.test',
      org: 'acme',
      org_role: 'admin',
      workspace_roles: { prod: 'editor', staging: 'viewer' },
      amr: ['pwd'],
    })
  })
})

describe("the sign-in page of an app's request", () => {
  it('names the application asking, read from the stored request; a made-up one names none', async () => {
    for (const [target, name] of [
      [rp, 'Host app'],
      [publicRp, 'SPA'],
    ] as const) {
      const b = httpBrowser(server.baseUrl)
      const login = await b.navigate((await startAuthorization(target)).url.toString())
      expect(new URL(login.url).pathname).toBe('/login')
      expect(login.body).toContain(`<title>Sign in to continue to ${name} · Gatehouse</title>`)
      expect(login.body).toContain(`to continue to <strong>${name}</strong>`)
    }
    const forged = await httpBrowser(server.baseUrl).navigate(`${server.baseUrl}/login?next=${encodeURIComponent('/oidc/interaction/not-a-real-one')}`)
    expect(forged.status).toBe(200)
    expect(forged.body).not.toContain('to continue to')
  })
})

describe('tokens after sign-in', () => {
  it('refreshes, reading roles live', async () => {
    const { started, callback } = await signIn(rp)
    const tokens = await finishAuthorization(rp, started, callback)
    expect(tokens.refresh_token).toBeTruthy()
    const member = await operator(server.ctx, 'PATCH', '/organizations/acme/members/alice@acme.test', { workspaceRoles: { prod: 'admin' } })
    expect(member.status).toBe(200)
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!)
    const claims = await verifyIdToken(rp, refreshed.id_token!)
    expect(claims).toMatchObject({ sub: aliceId, org: 'acme', workspace_roles: { prod: 'admin' } })
    await operator(server.ctx, 'PATCH', '/organizations/acme/members/alice@acme.test', { workspaceRoles: { prod: 'editor', staging: 'viewer' } })
  })

  it('refuses a code used twice, and the first use still worked', async () => {
    const { started, callback } = await signIn(rp)
    const tokens = await finishAuthorization(rp, started, callback)
    expect(tokens.access_token).toBeTruthy()
    await expect(finishAuthorization(rp, started, callback)).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a refresh once the member is removed from the org', async () => {
    const { ctx } = server
    await operator(ctx, 'POST', '/organizations', { name: 'Brief', slug: 'brief' })
    await operator(ctx, 'POST', '/organizations/brief/members', {
      email: 'bob@brief.test',
      firstName: 'Bob',
      lastName: 'B',
      role: 'member',
      password: PASSWORD,
    })
    const b = httpBrowser(server.baseUrl)
    const started = await startAuthorization(rp, { organization: 'brief' })
    const login = await b.navigate(started.url.toString())
    const back = await signInWithPassword(b, login, 'bob@brief.test', PASSWORD)
    const tokens = await finishAuthorization(rp, started, back.leftTo!)
    expect((await client.refreshTokenGrant(rp.config, tokens.refresh_token!)).access_token).toBeTruthy()
    expect((await operator(ctx, 'DELETE', '/organizations/brief/members/bob@brief.test')).status).toBe(204)
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub)).rejects.toBeTruthy()
  })

  it('signs out through RP-initiated logout, ending the Gatehouse session and the refresh token', async () => {
    const { b, started, callback } = await signIn(rp)
    const tokens = await finishAuthorization(rp, started, callback)
    const end = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' })
    const confirm = await b.navigate(end.toString())
    expect(confirm.status).toBe(200)
    expect(confirm.headers.get('content-security-policy')).toContain("form-action 'self' http://localhost:5999")
    const action = /action="([^"]+)"/.exec(confirm.body)![1]!
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!
    const out = await b.request('POST', action, { xsrf, logout: 'yes' })
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe(`${POST_LOGOUT_URI}?state=bye`)
    expect((await b.navigate('/dashboard')).url).toContain('/login')
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
  })
})

describe('refusals, each beside the request that passes', () => {
  it('requires PKCE of a public client: refused without it, signed in with it', async () => {
    const b = httpBrowser(server.baseUrl)
    const bare = await startAuthorization(publicRp, {}, { pkce: false })
    const refused = await b.navigate(bare.url.toString())
    expect(refused.leftTo).toBeDefined()
    const error = new URL(refused.leftTo!)
    expect(error.searchParams.get('error')).toBe('invalid_request')
    expect(error.searchParams.get('error_description')).toMatch(/PKCE/)
    const { started, callback } = await signIn(publicRp)
    const tokens = await finishAuthorization(publicRp, started, callback)
    expect((await verifyIdToken(publicRp, tokens.id_token!)).org).toBe('acme')
  })

  it('accepts only S256 as the PKCE method', async () => {
    const b = httpBrowser(server.baseUrl)
    const plain = await startAuthorization(publicRp, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, { pkce: false })
    const refused = await b.navigate(plain.url.toString())
    expect(new URL(refused.leftTo!).searchParams.get('error')).toBe('invalid_request')
  })

  it('refuses a redirect_uri the client did not register, without redirecting to it', async () => {
    const b = httpBrowser(server.baseUrl)
    const wrong = await startAuthorization(rp, { redirect_uri: 'http://localhost:5999/elsewhere' })
    const page = await b.navigate(wrong.url.toString())
    expect(page.leftTo).toBeUndefined()
    expect(page.status).toBe(400)
    expect(page.body).toContain('redirect_uri')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const right = await startAuthorization(rp)
    expect(new URL((await b.navigate(right.url.toString())).url).pathname).toBe('/login')
  })

  it('refuses a token request with a wrong code_verifier', async () => {
    const { started, callback } = await signIn(rp)
    await expect(finishAuthorization(rp, { ...started, verifier: client.randomPKCECodeVerifier() }, callback)).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a confidential client with a wrong secret', async () => {
    const wrong = await rpFor(server.baseUrl, rp.clientId, 'not-the-secret')
    const { started, callback } = await signIn(rp)
    const failure = await finishAuthorization(wrong, started, callback).then(
      () => undefined,
      (e: unknown) => e as { status?: number; cause?: unknown },
    )
    expect(failure?.status).toBe(401)
    expect(JSON.stringify(failure?.cause)).toContain('invalid_client')
  })

  it('refuses an unknown client without redirecting', async () => {
    const b = httpBrowser(server.baseUrl)
    const unknown = await rpFor(server.baseUrl, '00000000-0000-0000-0000-000000000000', 'x')
    const page = await b.navigate((await startAuthorization(unknown)).url.toString())
    expect(page.leftTo).toBeUndefined()
    expect(page.status).toBe(400)
  })
})

describe('choosing the org', () => {
  it('asks which org when the session reaches several, and signs in for the one chosen', async () => {
    const { ctx } = server
    await operator(ctx, 'POST', '/organizations', { name: 'Second Org', slug: 'second' })
    await operator(ctx, 'POST', '/organizations/second/members', { email: 'olga@second.test', role: 'owner' })
    await operator(ctx, 'POST', '/organizations/second/members', { email: 'alice@acme.test', role: 'member' })
    try {
      const b = httpBrowser(server.baseUrl)
      const started = await startAuthorization(rp)
      const login = await b.navigate(started.url.toString())
      const chooser = await signInWithPassword(b, login, 'alice@acme.test', PASSWORD)
      expect(chooser.status).toBe(200)
      expect(chooser.body).toContain('Choose an organization')
      const back = await b.submit(chooser.url, { action: 'choose', org: 'second' })
      const tokens = await finishAuthorization(rp, started, back.leftTo!)
      expect(await verifyIdToken(rp, tokens.id_token!)).toMatchObject({ org: 'second', org_role: 'member', workspace_roles: {} })
      // The same session, asked for one org by name, goes straight through.
      const named = await startAuthorization(rp, { organization: 'acme' })
      const direct = await b.navigate(named.url.toString())
      expect((await verifyIdToken(rp, (await finishAuthorization(rp, named, direct.leftTo!)).id_token!)).org).toBe('acme')
    } finally {
      expect((await operator(ctx, 'DELETE', '/organizations/second/members/alice@acme.test')).status).toBe(204)
    }
  })

  it('answers access_denied at the app for an org the user is not a member of', async () => {
    const b = httpBrowser(server.baseUrl)
    const started = await startAuthorization(rp, { organization: 'brief' })
    const login = await b.navigate(started.url.toString())
    const back = await signInWithPassword(b, login, 'alice@acme.test', PASSWORD)
    const error = new URL(back.leftTo!)
    expect(error.origin + error.pathname).toBe(REDIRECT_URI)
    expect(error.searchParams.get('error')).toBe('access_denied')
    expect(error.searchParams.get('state')).toBe(started.state)
  })

  it('asks for a fresh sign-in under prompt=login, then lets the new one through', async () => {
    const { b } = await signIn(rp)
    const started = await startAuthorization(rp, { prompt: 'login' })
    const again = await b.navigate(started.url.toString())
    expect(again.body).toContain('Sign in again')
    const login = await b.submit(again.url, { action: 'sign_in_again' })
    expect(new URL(login.url).pathname).toBe('/login')
    const back = await signInWithPassword(b, login, 'alice@acme.test', PASSWORD)
    expect(new URL(back.leftTo!).searchParams.get('code')).toBeTruthy()
  })
})
