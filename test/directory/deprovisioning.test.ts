/**
 * Deprovisioning sticks (DESIGN §8, issue 18 item 4), end to end through the real routes: a member
 * the directory created signs in by SSO at once, holds an SSO session, a personal API token and an
 * OIDC refresh token; deactivated through SCIM (Okta's pathless replace), all three stop at once and
 * the next assertion is refused `member_deactivated`, JIT or not; reactivation (Entra's `"True"`)
 * restores sign-in (old grants stay revoked); DELETE removes the membership, and JIT does not
 * bring the person back until the directory adds them again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiToken } from '../../src/core/api-tokens.js'
import { minutes } from '../../src/core/clock.js'
import { httpBrowser, type HttpBrowser } from '../helpers/http-browser.js'
import { injectFetch } from '../helpers/inject-fetch.js'
import { answerAtIdp, finishAuthorization, REDIRECT_URI, refreshes as refreshesFor, rpFor, startAuthorization, type Rp } from '../helpers/oidc-rp.js'
import { setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { call } from '../api/support.js'
import { createDirectory, expectScimError, oktaUser, scim, type TestDirectory } from './support.js'

const BASE = 'http://gatehouse.test'
const BOB = 'bob@acme.test'
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

let ctx: TestContext
let rp: Rp
let idp: TestIdp
let org: SsoOrg
let dir: TestDirectory

beforeEach(async () => {
  ctx = await createTestContext({ env: { GATEHOUSE_RATE_LIMIT_IP: '100000', GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000' }, now: new Date().toISOString() })
  idp = await createTestIdp('scim-deprovision')
  // Strict: the app's authorization goes straight to the IdP; Bob may still hold a personal API token.
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', policy: { enforcement: 'strict', apiAllowList: [BOB] } })
  const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI] })
  rp = await rpFor(BASE, created.json.id, created.json.clientSecret, injectFetch(ctx.app))
  dir = await createDirectory(ctx, 'acme')
}, 60_000)
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** Signs in to the app for acme through the IdP; the browser then holds an SSO session. */
async function ssoToApp(b: HttpBrowser) {
  const started = await startAuthorization(rp, { organization: 'acme' })
  const first = await b.navigate(started.url.toString())
  expect(first.leftTo ?? '', first.body.slice(0, 300)).toMatch(/^https:\/\/acme\.idp\.test\/sso\?SAMLRequest=/)
  const back = await answerAtIdp(ctx, b, idp, org, first.leftTo!, BOB)
  return { back, started }
}

async function signedIn(b: HttpBrowser) {
  const { back, started } = await ssoToApp(b)
  expect(back.leftTo ?? '', `${back.status} ${back.body.slice(0, 300)}`).toMatch(/^http:\/\/localhost:5999\/callback\?code=/)
  const tokens = await finishAuthorization(rp, started, back.leftTo!)
  expect(tokens.refresh_token).toBeTruthy()
  return tokens
}

const refreshes = (refreshToken: string) => refreshesFor(rp, refreshToken, BOB)

async function personalToken(): Promise<string> {
  const acme = (await ctx.deps.store.orgs.findBySlug('acme'))!
  const user = (await ctx.deps.store.users.findByEmail(BOB))!
  const member = (await ctx.deps.store.members.findByUser(acme.id, user.id))!
  return (await createApiToken(ctx.deps, { org: acme, member }, { name: 'ci' })).secret
}

const meWithSession = async (b: HttpBrowser) => (await b.request('GET', '/api/v1/me')).status
const meWithToken = async (secret: string) => (await call(ctx, 'GET', '/me', { authorization: `Bearer ${secret}` })).status
const lastSignInFailure = async () =>
  ((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; detail: { code?: string } }[]).find(
    (e) => e.action === 'sso.sign_in_failed',
  )?.detail.code
const deactivate = (id: string) =>
  scim(ctx, dir, 'PATCH', `/Users/${id}`, { body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] } })

describe('deprovisioning through SCIM', () => {
  it('a SCIM-created member signs in by SSO at once; deactivation ends session, token and refresh token, and refuses SSO until reactivated', async () => {
    const created = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(BOB) })
    expect(created.status).toBe(201)
    const id = created.json.id as string

    // Invite-only provisioning, no invitation: the directory made Bob a member.
    const b = httpBrowser(BASE, injectFetch(ctx.app))
    const tokens = await signedIn(b)
    const secret = await personalToken()
    expect(await meWithSession(b)).toBe(200)
    expect(await meWithToken(secret)).toBe(200)
    expect(await refreshes(tokens.refresh_token!)).toBe(true)

    const off = await deactivate(id)
    expect(off.status, JSON.stringify(off.json)).toBe(200)
    expect(off.json.active).toBe(false)
    expect(await meWithSession(b)).toBe(401)
    expect(await meWithToken(secret)).toBe(401)
    expect(await refreshes(tokens.refresh_token!)).toBe(false)

    // The next assertion is refused, invite-only or just in time.
    const refused = await ssoToApp(httpBrowser(BASE, injectFetch(ctx.app)))
    expect(refused.back.leftTo).toBeUndefined()
    expect(await lastSignInFailure()).toBe('member_deactivated')
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { provisioning: 'just-in-time' })
    const refusedJit = await ssoToApp(httpBrowser(BASE, injectFetch(ctx.app)))
    expect(refusedJit.back.leftTo).toBeUndefined()
    const members = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data as { email: string }[]
    expect(members.map((m) => m.email)).toEqual([BOB])

    // (Revocation is by instant: grants at or before it stay dead; the clock moves on.)
    ctx.clock.advance(minutes(1))
    // Entra's shape: per-path Replace of active with the string "True".
    const on = await scim(ctx, dir, 'PATCH', `/Users/${id}`, { body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] } })
    expect(on.json.active).toBe(true)
    const again = await signedIn(httpBrowser(BASE, injectFetch(ctx.app)))
    expect(await refreshes(again.refresh_token!)).toBe(true)
    // Revoked for good: the refresh token from before the deactivation stays dead.
    expect(await refreshes(tokens.refresh_token!)).toBe(false)
    expect(await meWithToken(secret)).toBe(401)

    const events = (await ctx.runtime.db.selectFrom('events').select('type').orderBy('id').execute()).map((e) => e.type).filter((t) => t.startsWith('member.'))
    // The SSO sign-in renamed the person to the assertion's names: member.updated.
    expect(events).toEqual(['member.created', 'member.updated', 'member.deactivated', 'member.reactivated'])
  })

  it('PUT with active false deactivates as PATCH does; DELETE removes the membership and ends access', async () => {
    const created = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(BOB) })
    const id = created.json.id as string
    const b = httpBrowser(BASE, injectFetch(ctx.app))
    const tokens = await signedIn(b)
    const secret = await personalToken()

    const put = await scim(ctx, dir, 'PUT', `/Users/${id}`, { body: oktaUser(BOB, { active: false }) })
    expect(put.json.active).toBe(false)
    expect(await meWithSession(b)).toBe(401)
    ctx.clock.advance(minutes(1))
    expect((await scim(ctx, dir, 'PUT', `/Users/${id}`, { body: oktaUser(BOB) })).json.active).toBe(true)

    const b2 = httpBrowser(BASE, injectFetch(ctx.app))
    const tokens2 = await signedIn(b2)
    const secret2 = await personalToken()
    expect(await meWithToken(secret2)).toBe(200)
    expect((await scim(ctx, dir, 'DELETE', `/Users/${id}`)).status).toBe(204)
    expect(await meWithSession(b2)).toBe(401)
    expect(await meWithToken(secret2)).toBe(401)
    expect(await refreshes(tokens2.refresh_token!)).toBe(false)
    expect(await refreshes(tokens.refresh_token!)).toBe(false)
    expect(await meWithToken(secret)).toBe(401)
    expect((await operator(ctx, 'GET', '/organizations/acme/members')).json.data).toEqual([])
    expectScimError(await scim(ctx, dir, 'GET', `/Users/${id}`), 404)
    // Invite-only: the removed member's next assertion is refused.
    const refused = await ssoToApp(httpBrowser(BASE, injectFetch(ctx.app)))
    expect(refused.back.leftTo).toBeUndefined()
    expect(await lastSignInFailure()).toBe('not_a_member')
    // Just in time does not bring them back either: as firm as a deactivation.
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { provisioning: 'just-in-time' })
    const refusedJit = await ssoToApp(httpBrowser(BASE, injectFetch(ctx.app)))
    expect(refusedJit.back.leftTo).toBeUndefined()
    expect(await lastSignInFailure()).toBe('member_deactivated')
    expect((await operator(ctx, 'GET', '/organizations/acme/members')).json.data).toEqual([])
    // Only the directory adds them back; then they sign in at once.
    ctx.clock.advance(minutes(1))
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(BOB) })).status).toBe(201)
    const back = await signedIn(httpBrowser(BASE, injectFetch(ctx.app)))
    expect(await refreshes(back.refresh_token!)).toBe(true)
    expect(await refreshes(tokens2.refresh_token!)).toBe(false)
  })
})
