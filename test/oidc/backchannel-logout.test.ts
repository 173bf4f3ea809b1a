/**
 * DESIGN §5 "logout everywhere" over OpenID Connect Back-Channel Logout 1.0 (issue 20 item 4): when a
 * member's Gatehouse session ends — sign-out, RP-initiated logout, a new sign-in replacing it, removal,
 * deactivation, password reset — each app signed in during it that registered a
 * backchannel_logout_uri gets exactly one logout token (checked with jose as an RP does: signature by
 * the discovery's JWKS, iss, aud, typ, events, no nonce, the ID token's sid), the app without one gets
 * none, the session's grants stop refreshing, and another member's sign-ins are untouched.
 * The real flow: openid-client as the apps, the HTTP browser signing in, over inject.
 * Runs on PostgreSQL too when GATEHOUSE_TEST_DATABASE_URL is set.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setMemberActive } from '../../src/core/member-status.js'
import { browser } from '../helpers/browser.js'
import { BACKCHANNEL_URI, logoutTokenOf, recordingSender, verifyLogoutToken, type RecordingSender } from '../helpers/backchannel.js'
import { httpBrowser, type HttpBrowser } from '../helpers/http-browser.js'
import { injectFetch } from '../helpers/inject-fetch.js'
import { client, finishAuthorization, REDIRECT_URI, rpFor, signInWithPassword, startAuthorization, type Rp } from '../helpers/oidc-rp.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'a brand new passphrase'
const BASE = 'http://gatehouse.test'
const BOB = 'bob@acme.test'
const ALICE = 'alice@acme.test'

let ctx: TestContext
let sender: RecordingSender
/** The app with a back-channel logout URI, and one without. */
let withUri: Rp
let without: Rp

beforeEach(async () => {
  sender = recordingSender()
  // Real time: openid-client and jose check iat and exp against the wall clock.
  ctx = await createTestContext({
    env: { GATEHOUSE_RATE_LIMIT_IP: '100000', GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000' },
    now: new Date().toISOString(),
    webhookSender: sender,
  })
  const a = await operator(ctx, 'POST', '/oidc-clients', { name: 'App with logout', redirectUris: [REDIRECT_URI], backchannelLogoutUri: BACKCHANNEL_URI })
  expect(a.status).toBe(201)
  expect(a.json).toMatchObject({ backchannelLogoutUri: BACKCHANNEL_URI, backchannelLogoutSessionRequired: true })
  const b = await operator(ctx, 'POST', '/oidc-clients', { name: 'App without', redirectUris: [REDIRECT_URI] })
  expect(b.json.backchannelLogoutUri).toBeNull()
  withUri = await rpFor(BASE, a.json.id, a.json.clientSecret, injectFetch(ctx.app))
  without = await rpFor(BASE, b.json.id, b.json.clientSecret, injectFetch(ctx.app))
  expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
  for (const email of [BOB, ALICE]) {
    const added = await operator(ctx, 'POST', '/organizations/acme/members', { email, firstName: 'M', lastName: 'M', role: 'member', password: PASSWORD })
    expect(added.status).toBe(201)
  }
}, 60_000)
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

async function signInToGatehouse(email: string): Promise<HttpBrowser> {
  const b = httpBrowser(BASE, injectFetch(ctx.app))
  const login = await b.navigate('/login')
  expect((await signInWithPassword(b, login, email, PASSWORD)).status).toBe(200)
  return b
}

async function signInToApp(b: HttpBrowser, rp: Rp) {
  const started = await startAuthorization(rp, { organization: 'acme', scope: 'openid email profile org offline_access', prompt: 'consent' })
  const back = await b.navigate(started.url.toString())
  expect(back.leftTo ?? '', `${back.status} ${back.url}`).toMatch(/^http:\/\/localhost:5999\/callback\?code=/)
  return finishAuthorization(rp, started, back.leftTo!)
}

async function refreshes(rp: Rp, refreshToken: string): Promise<boolean> {
  return client.refreshTokenGrant(rp.config, refreshToken).then(
    () => true,
    () => false,
  )
}

/** Bob in both apps (twice in the one with the URI), Alice in the one with the URI. */
async function signInEveryone() {
  const bob = await signInToGatehouse(BOB)
  const first = await signInToApp(bob, withUri)
  const second = await signInToApp(bob, withUri)
  const other = await signInToApp(bob, without)
  const alice = await signInToGatehouse(ALICE)
  const alices = await signInToApp(alice, withUri)
  const sid = first.claims()!.sid as string
  expect(sid).toMatch(/^[A-Za-z0-9_-]{20,}$/)
  // One Gatehouse session, one app: one sid, however often the app signs in.
  expect(second.claims()!.sid).toBe(sid)
  expect(alices.claims()!.sid).not.toBe(sid)
  expect(other.claims()!.sid).toBeUndefined()
  return { bob, first, other, alice, alices, sid }
}

async function deliveredTokens() {
  const summary = await ctx.runJobs()
  expect(summary.retried + summary.failed).toBe(0)
  return Promise.all(sender.posts.map((p) => verifyLogoutToken(withUri, logoutTokenOf(p))))
}

const ENDINGS: { reason: string; end: (bob: HttpBrowser, idToken: string) => Promise<void> }[] = [
  {
    reason: 'sign-out',
    end: async (bob) => {
      await bob.navigate('/logout')
      expect((await bob.submit('/logout', {})).status).toBeLessThan(400)
    },
  },
  {
    reason: 'RP-initiated logout',
    end: async (bob, idToken) => {
      const confirm = await bob.navigate(client.buildEndSessionUrl(withUri.config, { id_token_hint: idToken }).toString())
      const action = /action="([^"]+)"/.exec(confirm.body)![1]!
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!
      expect((await bob.request('POST', action, { xsrf, logout: 'yes' })).status).toBeLessThan(400)
    },
  },
  {
    reason: 'a new sign-in replacing the session',
    end: async (bob) => {
      const login = await bob.navigate('/login')
      expect((await signInWithPassword(bob, login, BOB, PASSWORD)).status).toBeLessThan(400)
    },
  },
  {
    reason: 'removal from the org',
    end: async () => expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${BOB}`)).status).toBe(204),
  },
  {
    reason: 'deactivation',
    end: async () => {
      const member = (await operator(ctx, 'GET', `/organizations/acme/members/${BOB}`)).json
      await setMemberActive(ctx.deps, 'acme', member.id, false, { kind: 'operator' })
    },
  },
  {
    reason: 'a password reset',
    end: async () => {
      const b = browser(ctx.app)
      await b.submit('/forgot-password', '/forgot-password', { email: BOB })
      const token = new URL(await ctx.linkMailedTo(BOB)).searchParams.get('token')!
      await b.get(`/reset-password?token=${token}`)
      expect((await b.post('/reset-password', { token, password: NEW_PASSWORD })).statusCode).toBeLessThan(400)
    },
  },
]

describe('a member whose session ends', () => {
  for (const { reason, end } of ENDINGS) {
    it(`by ${reason}: one logout token to the app with a back-channel URI, naming the ID token's sid; none to the other; Alice untouched`, async () => {
      const { bob, first, other, alices, sid } = await signInEveryone()
      await ctx.runJobs()
      sender.posts.length = 0
      await end(bob, first.id_token!)
      const tokens = await deliveredTokens()
      expect(tokens).toHaveLength(1)
      expect(tokens[0]).toMatchObject({ sub: first.claims()!.sub, sid, aud: withUri.clientId, iss: `${BASE}/oidc` })
      expect(sender.posts[0]!.url).toBe(BACKCHANNEL_URI)
      // The session's grants stop: no refresh for either app; Alice's still works.
      expect(await refreshes(withUri, first.refresh_token!)).toBe(false)
      expect(await refreshes(without, other.refresh_token!)).toBe(false)
      expect(await refreshes(withUri, alices.refresh_token!)).toBe(true)
      // Nothing more is sent later.
      await ctx.runJobs()
      expect(sender.posts).toHaveLength(1)
    })
  }

  it("sends nothing from inside the request: oidc-provider's own back-channel sending stays off at RP-initiated logout", async () => {
    const bob = await signInToGatehouse(BOB)
    const tokens = await signInToApp(bob, withUri)
    // oidc-provider's own sending would go through globalThis.fetch (its default `fetch`); the apps and
    // browser here use inject, so any call is the provider's.
    const outbound = vi.spyOn(globalThis, 'fetch')
    try {
      await ENDINGS[1]!.end(bob, tokens.id_token!)
      expect(outbound.mock.calls.map(([url]) => (url instanceof Request ? url.url : url.toString()))).toEqual([])
    } finally {
      outbound.mockRestore()
    }
    expect(sender.posts).toEqual([])
    expect(await deliveredTokens()).toHaveLength(1)
  })

  it('sends nothing for a session that signed in to no app with a back-channel URI', async () => {
    const bob = await signInToGatehouse(BOB)
    await signInToApp(bob, without)
    await bob.navigate('/logout')
    await bob.submit('/logout', {})
    await ctx.runJobs()
    expect(sender.posts).toEqual([])
  })

  it('tells the app when the client no longer wants sid: the token names sub only', async () => {
    expect((await operator(ctx, 'PATCH', `/oidc-clients/${withUri.clientId}`, { backchannelLogoutSessionRequired: false })).status).toBe(200)
    const bob = await signInToGatehouse(BOB)
    const tokens = await signInToApp(bob, withUri)
    expect(tokens.claims()!.sid).toBeUndefined()
    await bob.navigate('/logout')
    await bob.submit('/logout', {})
    const [token] = await deliveredTokens()
    expect(token!.sub).toBe(tokens.claims()!.sub)
    expect(token).not.toHaveProperty('sid')
  })
})
