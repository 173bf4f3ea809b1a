/**
 * OpenID Connect with SSO through a SAML IdP (the test IdP posting to the ACS), over real HTTP with
 * openid-client as the app: `organization=` under each enforcement, an SSO login yielding only its
 * own org (DESIGN §3), and refresh tokens that end at the org's SSO session timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hours, minutes } from '../../src/core/clock.js'
import { startServer, type E2eServer } from '../helpers/e2e.js'
import { httpBrowser, type HttpBrowser } from '../helpers/http-browser.js'
import {
  answerAtIdp,
  client,
  finishAuthorization,
  REDIRECT_URI,
  rpFor,
  signInWithPassword,
  startAuthorization,
  verifyIdToken,
  type Rp,
} from '../helpers/oidc-rp.js'
import { addMember, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { operator } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

const PASSWORD = 'correct horse battery'
let server: E2eServer
let rp: Rp
let idp: TestIdp
const orgs: Record<'strict' | 'exceptions' | 'optional', SsoOrg> = {} as never

beforeAll(async () => {
  server = await startServer({ GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000', GATEHOUSE_RATE_LIMIT_IP: '100000' })
  const { ctx } = server
  idp = await createTestIdp('oidc-sso')
  for (const enforcement of ['strict', 'exceptions', 'optional'] as const) {
    orgs[enforcement] = await setupSsoOrg(ctx, idp, { slug: enforcement, ssoName: `${enforcement}-sso`, policy: { enforcement, sessionTimeoutHours: 2 } })
    await operator(ctx, 'POST', `/organizations/${enforcement}/workspaces`, { name: 'Prod', slug: 'prod' })
    await addMember(ctx, enforcement, 'sam@corp.test', { password: PASSWORD, workspaceRoles: { prod: 'developer' } })
    await addMember(ctx, enforcement, 'exempt@corp.test', { password: PASSWORD, allowWithoutSso: true })
  }
  await operator(ctx, 'POST', '/organizations', { name: 'Plain', slug: 'plain' })
  await addMember(ctx, 'plain', 'sam@corp.test', { password: PASSWORD, role: 'admin' })
  const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI] })
  rp = await rpFor(server.baseUrl, created.json.id, created.json.clientSecret)
}, 60_000)
afterAll(async () => {
  await server?.close()
})

/** Starts an authorization and, when Gatehouse sends the browser to the IdP, answers there as `email`. */
async function viaIdp(b: HttpBrowser, org: SsoOrg, email: string, params: Record<string, string>) {
  const started = await startAuthorization(rp, params)
  const first = await b.navigate(started.url.toString())
  expect(first.leftTo ?? '', first.body.slice(0, 300)).toMatch(/^https:\/\/[a-z]+\.idp\.test\/sso\?SAMLRequest=/)
  const back = await answerAtIdp(server.ctx, b, idp, org, first.leftTo!, email)
  expect(back.leftTo ?? '', `${back.status} ${back.body.slice(0, 300)}`).toMatch(/^http:\/\/localhost:5999\/callback\?code=/)
  return { started, tokens: await finishAuthorization(rp, started, back.leftTo!) }
}

async function passwordSession(email: string): Promise<HttpBrowser> {
  const b = httpBrowser(server.baseUrl)
  await b.navigate('/login')
  const page = await b.submit('/login', { email, password: PASSWORD })
  expect(new URL(page.url).pathname).toBe('/dashboard')
  return b
}

describe('organization= under strict', () => {
  it("sends a browser without a session to the org's IdP and signs in with amr saml and only that org", async () => {
    const b = httpBrowser(server.baseUrl)
    const { tokens } = await viaIdp(b, orgs.strict, 'sam@corp.test', { organization: 'strict' })
    const claims = await verifyIdToken(rp, tokens.id_token!)
    expect(claims).toMatchObject({ email: 'sam@corp.test', org: 'strict', org_role: 'member', workspace_roles: { prod: 'developer' }, amr: ['saml'] })
    // The same SSO session without organization= yields its own org only, though Sam is in four.
    const again = await startAuthorization(rp)
    const direct = await b.navigate(again.url.toString())
    const second = await finishAuthorization(rp, again, direct.leftTo!)
    expect(await verifyIdToken(rp, second.id_token!)).toMatchObject({ org: 'strict', amr: ['saml'] })
  })

  it('does not accept a password session: it goes to the IdP instead', async () => {
    const b = await passwordSession('sam@corp.test')
    const { tokens } = await viaIdp(b, orgs.strict, 'sam@corp.test', { organization: 'strict' })
    expect((await verifyIdToken(rp, tokens.id_token!)).amr).toEqual(['saml'])
  })

  it("does not accept an exempt member's password session either (strict has no exceptions)", async () => {
    const b = await passwordSession('exempt@corp.test')
    const { tokens } = await viaIdp(b, orgs.strict, 'exempt@corp.test', { organization: 'strict' })
    expect((await verifyIdToken(rp, tokens.id_token!)).amr).toEqual(['saml'])
  })
})

describe('organization= under exceptions and optional', () => {
  it('sends a member who is not exempt to the IdP, and lets an exempt member use the password session', async () => {
    const plain = await passwordSession('sam@corp.test')
    const { tokens } = await viaIdp(plain, orgs.exceptions, 'sam@corp.test', { organization: 'exceptions' })
    expect(await verifyIdToken(rp, tokens.id_token!)).toMatchObject({ org: 'exceptions', amr: ['saml'] })

    const exempt = await passwordSession('exempt@corp.test')
    const started = await startAuthorization(rp, { organization: 'exceptions' })
    const direct = await exempt.navigate(started.url.toString())
    const claims = await verifyIdToken(rp, (await finishAuthorization(rp, started, direct.leftTo!)).id_token!)
    expect(claims).toMatchObject({ email: 'exempt@corp.test', org: 'exceptions', amr: ['pwd'] })
  })

  it('accepts a password session under optional', async () => {
    const b = await passwordSession('sam@corp.test')
    const started = await startAuthorization(rp, { organization: 'optional' })
    const direct = await b.navigate(started.url.toString())
    expect(await verifyIdToken(rp, (await finishAuthorization(rp, started, direct.leftTo!)).id_token!)).toMatchObject({ org: 'optional', amr: ['pwd'] })
  })

  it('sends a browser without a session to the password page under optional', async () => {
    const b = httpBrowser(server.baseUrl)
    const started = await startAuthorization(rp, { organization: 'optional' })
    const login = await b.navigate(started.url.toString())
    expect(new URL(login.url).pathname).toBe('/login')
    const back = await signInWithPassword(b, login, 'sam@corp.test', PASSWORD)
    expect(await verifyIdToken(rp, (await finishAuthorization(rp, started, back.leftTo!)).id_token!)).toMatchObject({ org: 'optional', amr: ['pwd'] })
  })
})

describe('an SSO session asked for another org', () => {
  it('asks before ending it, then signs in for the org asked', async () => {
    const b = httpBrowser(server.baseUrl)
    await viaIdp(b, orgs.strict, 'sam@corp.test', { organization: 'strict' })
    const started = await startAuthorization(rp, { organization: 'plain' })
    const ask = await b.navigate(started.url.toString())
    expect(ask.status).toBe(200)
    expect(ask.body).toContain('Sign in again')
    const login = await b.submit(ask.url, { action: 'sign_in_again' })
    expect(new URL(login.url).pathname).toBe('/login')
    const back = await signInWithPassword(b, login, 'sam@corp.test', PASSWORD)
    expect(await verifyIdToken(rp, (await finishAuthorization(rp, started, back.leftTo!)).id_token!)).toMatchObject({
      org: 'plain',
      org_role: 'admin',
      amr: ['pwd'],
    })
  })
})

describe("the org's SSO session timeout", () => {
  it('lets a SAML login refresh within the timeout and refuses past it', async () => {
    const b = httpBrowser(server.baseUrl)
    const { tokens } = await viaIdp(b, orgs.strict, 'sam@corp.test', { organization: 'strict' })
    expect(tokens.expires_in).toBeLessThanOrEqual(3600)
    server.ctx.clock.advance(hours(1))
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!)
    expect(refreshed.access_token).toBeTruthy()
    // The access token is cut to what is left of the 2-hour SSO session.
    expect(refreshed.expires_in).toBeLessThanOrEqual(3600)
    server.ctx.clock.advance(hours(1) + minutes(1))
    await expect(client.refreshTokenGrant(rp.config, refreshed.refresh_token ?? tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(client.fetchUserInfo(rp.config, refreshed.access_token, tokens.claims()!.sub)).rejects.toBeTruthy()
  })
})
