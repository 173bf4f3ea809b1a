/**
 * The logs of OpenID Connect traffic (a companion to test/http/logging.test.ts, over real HTTP since
 * the app's side is openid-client): a sign-in, the token exchange, userinfo, refresh, a refused
 * refresh and logout. No client secret, code, code verifier, token, cookie or password may appear.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startServer, type E2eServer } from '../helpers/e2e.js'
import { httpBrowser } from '../helpers/http-browser.js'
import { client, finishAuthorization, POST_LOGOUT_URI, REDIRECT_URI, rpFor, signInWithPassword, startAuthorization } from '../helpers/oidc-rp.js'
import { operator } from '../helpers/test-app.js'

const PASSWORD = 'oidc-logging-passphrase-7731'
let server: E2eServer
const secrets = new Map<string, string>()

beforeAll(async () => {
  server = await startServer()
  const { ctx } = server
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/members', { email: 'lou@acme.test', firstName: 'Lou', lastName: 'L', role: 'member', password: PASSWORD })
  const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Logged app', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI] })
  secrets.set('client secret', created.json.clientSecret)
  secrets.set('password', PASSWORD)
  const rp = await rpFor(server.baseUrl, created.json.id, created.json.clientSecret)

  const b = httpBrowser(server.baseUrl)
  const started = await startAuthorization(rp)
  secrets.set('code verifier', started.verifier)
  const login = await b.navigate(started.url.toString())
  const back = await signInWithPassword(b, login, 'lou@acme.test', PASSWORD)
  secrets.set('authorization code', new URL(back.leftTo!).searchParams.get('code')!)
  // The interaction and resume cookies hold the interaction's uid, which is in the URL by design
  // (/oidc/interaction/<uid>); their signatures (.sig), which bind it to this browser, are secret.
  for (const [name, value] of b.cookies) if (name !== 'gh_oidc_interaction' && name !== 'gh_oidc_resume') secrets.set(`cookie ${name}`, value)
  const tokens = await finishAuthorization(rp, started, back.leftTo!)
  secrets.set('access token', tokens.access_token)
  secrets.set('refresh token', tokens.refresh_token!)
  secrets.set('id token signature', tokens.id_token!.split('.')[2]!)
  await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub)
  const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!)
  secrets.set('refreshed access token', refreshed.access_token)
  await client.refreshTokenGrant(rp.config, 'not-a-refresh-token-but-long-enough').catch(() => undefined)
  const end = await b.navigate(client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI }).toString())
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(end.body)![1]!
  secrets.set('logout xsrf', xsrf)
  await b.request('POST', /action="([^"]+)"/.exec(end.body)![1]!, { xsrf, logout: 'yes' })
}, 60_000)
afterAll(async () => {
  await server?.close()
})

it('saw the OIDC traffic they are checked for', () => {
  const logs = server.ctx.logs()
  expect(logs).toContain('"event":"oidc_login"')
  expect(logs).toContain('"path":"/oidc/token"')
  expect(secrets.size).toBeGreaterThan(10)
})

it('contain no client secret, code, verifier, token, cookie or password', () => {
  const logs = server.ctx.logs()
  const leaked = [...secrets].filter(([, value]) => value.length >= 8 && logs.includes(value)).map(([name]) => name)
  expect(leaked).toEqual([])
  expect(logs).not.toMatch(/Basic\s+[A-Za-z0-9+/=]{8}/)
  expect(logs).not.toMatch(/\?code=|code_verifier|client_secret=/)
})
