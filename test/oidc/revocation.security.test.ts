/**
 * Issue 14 item 10, DESIGN §5 "logout everywhere": when a member is removed, resets their password
 * or loses access (the org's policy no longer allows how they signed in), their OIDC grants and
 * refresh tokens for that org are revoked for good. Re-adding the member, or loosening the policy
 * again, does not revive a token issued before; a token issued afterwards works. Through the real
 * flow: openid-client as the app, the HTTP browser signing in, over inject (test/helpers/inject-fetch.ts).
 * Runs on PostgreSQL too when GATEHOUSE_TEST_DATABASE_URL is set.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { minutes } from '../../src/core/clock.js'
import { rememberOrgLogin, type OrgLogin } from '../../src/core/oidc-login.js'
import { claimsOrDropGrant } from '../../src/core/oidc-revocation.js'
import { browser } from '../helpers/browser.js'
import { httpBrowser } from '../helpers/http-browser.js'
import { injectFetch } from '../helpers/inject-fetch.js'
import {
  client,
  finishAuthorization,
  REDIRECT_URI,
  refreshes as refreshesFor,
  rpFor,
  signInWithPassword,
  startAuthorization,
  type Rp,
} from '../helpers/oidc-rp.js'
import { setupSsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'

const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'a brand new passphrase'
const BASE = 'http://gatehouse.test'
const BOB = 'bob@acme.test'

let ctx: TestContext
let rp: Rp

beforeEach(async () => {
  ctx = await createTestContext({ env: { GATEHOUSE_RATE_LIMIT_IP: '100000', GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000' }, now: new Date().toISOString() })
  const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI] })
  expect(created.status).toBe(201)
  rp = await rpFor(BASE, created.json.id, created.json.clientSecret, injectFetch(ctx.app))
}, 60_000)
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

async function addBob(slug: string, extra: Record<string, unknown> = {}) {
  const res = await operator(ctx, 'POST', `/organizations/${slug}/members`, {
    email: BOB,
    firstName: 'Bob',
    lastName: 'B',
    role: 'member',
    password: PASSWORD,
    ...extra,
  })
  expect(res.status).toBe(201)
}

/**
 * Bob signs in to Gatehouse with his password, then to the app for `slug` (first, since an org that
 * requires SSO of unknown people sends an authorization straight to its IdP); the app's tokens.
 */
async function appTokens(slug: string, password = PASSWORD) {
  const b = httpBrowser(BASE, injectFetch(ctx.app))
  const login = await b.navigate('/login')
  expect((await signInWithPassword(b, login, BOB, password)).status).toBe(200)
  const started = await startAuthorization(rp, { organization: slug })
  const back = await b.navigate(started.url.toString())
  expect(back.leftTo ?? '', `${back.status} ${back.url}`).toMatch(/^http:\/\/localhost:5999\/callback\?code=/)
  const tokens = await finishAuthorization(rp, started, back.leftTo!)
  expect(tokens.refresh_token).toBeTruthy()
  return tokens
}

const refreshes = (refreshToken: string) => refreshesFor(rp, refreshToken, BOB)

async function grantRows(): Promise<number> {
  const row = await ctx.runtime.db
    .selectFrom('oidc_payloads')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('model', 'in', ['Grant', 'RefreshToken', 'OrgLogin'])
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('a removed member', () => {
  beforeEach(async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    await addBob('acme')
  })

  it('loses a refresh token issued before the removal, and it stays dead when the member is added back', async () => {
    const before = await appTokens('acme')
    expect(await refreshes(before.refresh_token!)).toBe(true)
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${BOB}`)).status).toBe(204)
    expect(await refreshes(before.refresh_token!)).toBe(false)
    expect(await grantRows()).toBe(0)
    ctx.clock.advance(minutes(1))
    await addBob('acme')
    expect(await refreshes(before.refresh_token!)).toBe(false)
    await expect(client.fetchUserInfo(rp.config, before.access_token, before.claims()!.sub)).rejects.toBeTruthy()
  })

  it('gets a working refresh token from a sign-in after being added back', async () => {
    const before = await appTokens('acme')
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${BOB}`)).status).toBe(204)
    ctx.clock.advance(minutes(1))
    await addBob('acme')
    const after = await appTokens('acme')
    expect(await refreshes(after.refresh_token!)).toBe(true)
    expect(await refreshes(after.refresh_token!)).toBe(true)
    expect(await refreshes(before.refresh_token!)).toBe(false)
  })

  it('keeps the tokens of their other orgs', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Other', slug: 'other' })).status).toBe(201)
    expect((await operator(ctx, 'POST', '/organizations/other/members', { email: BOB, role: 'member' })).status).toBe(201)
    const acme = await appTokens('acme')
    const other = await appTokens('other')
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${BOB}`)).status).toBe(204)
    expect(await refreshes(acme.refresh_token!)).toBe(false)
    expect(await refreshes(other.refresh_token!)).toBe(true)
  })
})

describe('a password reset', () => {
  beforeEach(async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    await addBob('acme')
  })

  it('revokes the refresh tokens issued before it, while a sign-in with the new password gets one that works', async () => {
    const before = await appTokens('acme')
    expect(await refreshes(before.refresh_token!)).toBe(true)
    ctx.clock.advance(minutes(1))
    const b = browser(ctx.app)
    await b.submit('/forgot-password', '/forgot-password', { email: BOB })
    const token = new URL(await ctx.linkMailedTo(BOB)).searchParams.get('token')!
    await b.get(`/reset-password?token=${token}`)
    expect((await b.post('/reset-password', { token, password: NEW_PASSWORD })).statusCode).toBeLessThan(400)
    expect(await refreshes(before.refresh_token!)).toBe(false)
    ctx.clock.advance(minutes(1))
    const after = await appTokens('acme', NEW_PASSWORD)
    expect(await refreshes(after.refresh_token!)).toBe(true)
    expect(await refreshes(before.refresh_token!)).toBe(false)
  })
})

describe('a member who loses access by policy', () => {
  it("loses a password sign-in's refresh token when SSO becomes strict, and loosening the policy again does not revive it", async () => {
    const idp = await createTestIdp()
    await setupSsoOrg(ctx, idp, { slug: 'acme', policy: { enforcement: 'optional' } })
    await addBob('acme')
    const before = await appTokens('acme')
    expect(await refreshes(before.refresh_token!)).toBe(true)
    expect((await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'strict' })).status).toBe(200)
    expect(await refreshes(before.refresh_token!)).toBe(false)
    expect((await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'optional' })).status).toBe(200)
    expect(await refreshes(before.refresh_token!)).toBe(false)
    // The legitimate case: a sign-in the policy allows gets a token that refreshes.
    const after = await appTokens('acme')
    expect(await refreshes(after.refresh_token!)).toBe(true)
  })

  it('loses it when SSO becomes strict even if the app does not call in between, and loosening again does not revive it', async () => {
    const idp = await createTestIdp()
    await setupSsoOrg(ctx, idp, { slug: 'acme', policy: { enforcement: 'optional' } })
    await addBob('acme')
    const before = await appTokens('acme')
    expect((await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'strict' })).status).toBe(200)
    expect(await grantRows()).toBe(0)
    expect((await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'optional' })).status).toBe(200)
    expect(await refreshes(before.refresh_token!)).toBe(false)
  })

  it('loses it when the owner clears the exemption under exceptions, and setting it again does not revive it', async () => {
    const idp = await createTestIdp()
    await setupSsoOrg(ctx, idp, { slug: 'acme', policy: { enforcement: 'exceptions' } })
    await addBob('acme', { allowWithoutSso: true })
    const before = await appTokens('acme')
    expect(await refreshes(before.refresh_token!)).toBe(true)
    expect((await operator(ctx, 'PATCH', `/organizations/acme/members/${BOB}`, { allowWithoutSso: false })).status).toBe(200)
    expect((await operator(ctx, 'PATCH', `/organizations/acme/members/${BOB}`, { allowWithoutSso: true })).status).toBe(200)
    expect(await refreshes(before.refresh_token!)).toBe(false)
    const after = await appTokens('acme')
    expect(await refreshes(after.refresh_token!)).toBe(true)
  })
})

describe('a grant made while the member is being removed', () => {
  it('is refused after the member is added back when its membership check came before the removal', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    await addBob('acme')
    const org = (await ctx.deps.store.orgs.findBySlug('acme'))!
    const bob = (await ctx.deps.store.users.findByEmail(BOB))!
    const now = () => ctx.clock.now().toISOString()
    const login = (): OrgLogin => ({ userId: bob.id, orgId: org.id, authMethod: 'password', authTime: now(), notAfter: undefined, checkedAt: now() })
    const far = '2099-01-01T00:00:00.000Z'
    // Checked, then the removal commits, then the grant's record is written: the removal could not delete it.
    const raced = login()
    ctx.clock.advance(minutes(1))
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${BOB}`)).status).toBe(204)
    await rememberOrgLogin(ctx.deps, 'g-raced', raced, far)
    ctx.clock.advance(minutes(1))
    await addBob('acme')
    expect(await claimsOrDropGrant(ctx.deps, 'g-raced', raced)).toBeUndefined()
    expect(await ctx.deps.store.oidcPayloads.find('OrgLogin', 'g-raced', now())).toBeUndefined()
    // A grant checked after the member was added back is good.
    const fresh = login()
    await rememberOrgLogin(ctx.deps, 'g-fresh', fresh, far)
    expect(await claimsOrDropGrant(ctx.deps, 'g-fresh', fresh)).toMatchObject({ email: BOB, org: 'acme' })
  })

  it('judges a grant recorded before revocations existed (no checkedAt) by its sign-in time', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    await addBob('acme')
    const org = (await ctx.deps.store.orgs.findBySlug('acme'))!
    const bob = (await ctx.deps.store.users.findByEmail(BOB))!
    const legacy: OrgLogin = { userId: bob.id, orgId: org.id, authMethod: 'password', authTime: ctx.clock.now().toISOString(), notAfter: undefined }
    expect(await claimsOrDropGrant(ctx.deps, 'g-legacy-ok', legacy)).toMatchObject({ email: BOB })
    ctx.clock.advance(minutes(1))
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${BOB}`)).status).toBe(204)
    ctx.clock.advance(minutes(1))
    await addBob('acme')
    expect(await claimsOrDropGrant(ctx.deps, 'g-legacy', legacy)).toBeUndefined()
  })
})
