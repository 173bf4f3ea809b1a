/**
 * DESIGN §5 "logout everywhere" meets §10 single logout: an SSO session that signed in to an app
 * ends by SAML single logout in either direction — the IdP's signed LogoutRequest, or the member
 * signing out at Gatehouse (which then sends its LogoutRequest to the IdP) — and the app gets one
 * back-channel logout token naming the ID token's sid. A LogoutRequest the IdP did not sign ends
 * nothing and sends nothing (the pair). Runs on PostgreSQL too when GATEHOUSE_TEST_DATABASE_URL is set.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BACKCHANNEL_URI, logoutTokenOf, recordingSender, verifyLogoutToken, type RecordingSender } from '../helpers/backchannel.js'
import { httpBrowser, type HttpBrowser } from '../helpers/http-browser.js'
import { injectFetch } from '../helpers/inject-fetch.js'
import { answerAtIdp, finishAuthorization, REDIRECT_URI, rpFor, startAuthorization, type Rp } from '../helpers/oidc-rp.js'
import { idpLogoutRequest, redirectTo, setupSloOrg, type SloOrg } from '../helpers/slo.js'
import { addMember } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

const BASE = 'http://gatehouse.test'
const SAM = 'sam@corp.test'

let ctx: TestContext
let sender: RecordingSender
let rp: Rp
let idp: TestIdp
let org: SloOrg

beforeEach(async () => {
  sender = recordingSender()
  ctx = await createTestContext({ env: { GATEHOUSE_RATE_LIMIT_IP: '100000' }, now: new Date().toISOString(), webhookSender: sender })
  idp ??= await createTestIdp('bcl-slo')
  org = await setupSloOrg(ctx, idp, { slug: 'corp' })
  expect((await operator(ctx, 'PATCH', '/organizations/corp/sso/policy', { enforcement: 'strict' })).status).toBe(200)
  await addMember(ctx, 'corp', SAM)
  const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI], backchannelLogoutUri: BACKCHANNEL_URI })
  rp = await rpFor(BASE, created.json.id, created.json.clientSecret, injectFetch(ctx.app))
}, 60_000)
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** Sam signs in to the app through the org's IdP. */
async function signInBySso(): Promise<{ b: HttpBrowser; sid: string }> {
  const b = httpBrowser(BASE, injectFetch(ctx.app))
  const started = await startAuthorization(rp, { organization: 'corp' })
  const first = await b.navigate(started.url.toString())
  expect(first.leftTo ?? '', first.body.slice(0, 300)).toMatch(/^https:\/\/corp\.idp\.test\/sso\?SAMLRequest=/)
  const back = await answerAtIdp(ctx, b, idp, org, first.leftTo!, SAM)
  expect(back.leftTo ?? '', `${back.status} ${back.body.slice(0, 300)}`).toMatch(/^http:\/\/localhost:5999\/callback\?code=/)
  const tokens = await finishAuthorization(rp, started, back.leftTo!)
  expect(tokens.claims()!.amr).toEqual(['saml'])
  return { b, sid: tokens.claims()!.sid as string }
}

async function tokensSent() {
  await ctx.runJobs()
  return Promise.all(sender.posts.map((p) => verifyLogoutToken(rp, logoutTokenOf(p))))
}

describe('SAML single logout', () => {
  it("IdP-initiated: the IdP's signed LogoutRequest ends the session and the app gets a logout token", async () => {
    const { b, sid } = await signInBySso()
    const answer = await b.navigate(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: SAM }), idp))
    expect(answer.leftTo ?? '').toMatch(/SAMLResponse=/)
    const tokens = await tokensSent()
    expect(tokens).toHaveLength(1)
    expect(tokens[0]!.sid).toBe(sid)
  })

  it('IdP-initiated: the same LogoutRequest unsigned ends nothing and sends nothing', async () => {
    const { b } = await signInBySso()
    await b.navigate(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: SAM }), null))
    expect(await tokensSent()).toEqual([])
    expect((await b.navigate('/api/v1/me')).status).toBe(200)
  })

  it("turning the org's SSO off logs the SSO session's app out; the app's sign-in by password in another org is not", async () => {
    const { sid } = await signInBySso()
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Plain', slug: 'plain' })).status).toBe(201)
    await addMember(ctx, 'plain', 'pat@plain.test', { password: 'correct horse battery' })
    const other = httpBrowser(BASE, injectFetch(ctx.app))
    await other.navigate('/login')
    await other.submit('/login', { email: 'pat@plain.test', password: 'correct horse battery' })
    const started = await startAuthorization(rp, { organization: 'plain' })
    const back = await other.navigate(started.url.toString())
    const plain = await finishAuthorization(rp, started, back.leftTo!)
    expect(plain.claims()!.sid).not.toBe(sid)
    expect((await operator(ctx, 'POST', '/organizations/corp/sso/disable')).status).toBe(200)
    const tokens = await tokensSent()
    expect(tokens.map((t) => t.sid)).toEqual([sid])
  })

  it('SP-initiated: signing out at Gatehouse sends the LogoutRequest to the IdP and the logout token to the app', async () => {
    const { b, sid } = await signInBySso()
    await b.navigate('/logout')
    const out = await b.submit('/logout', {})
    expect(`${out.leftTo ?? ''}${out.body}`).toContain('SAMLRequest')
    const tokens = await tokensSent()
    expect(tokens.map((t) => t.sid)).toEqual([sid])
  })
})
