/**
 * Delivering back-channel logout tokens (issue 20 item 4): by the durable job queue, never the
 * request. A 2xx is done; 5xx, 408, 429 and no answer are retried with back-off, each attempt a
 * freshly signed token; any other 4xx is the app refusing the token: given up at once, audited
 * (`oidc.backchannel_logout_failed`). Under the outbound rules (net/webhook-sender.ts): in production
 * a host resolving to an internal address is refused at connect time and nothing is sent, while the
 * same delivery reaches a loopback receiver in development (the pair). A client that dropped its URI
 * or was deleted is skipped. Runs on PostgreSQL too when GATEHOUSE_TEST_DATABASE_URL is set.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { logOutOidcClients } from '../../src/core/backchannel-logout.js'
import { minutes } from '../../src/core/clock.js'
import type { WebhookSender } from '../../src/core/webhook-ports.js'
import { createWebhookSender } from '../../src/net/webhook-sender.js'
import type { Resolve } from '../../src/net/outbound-url.js'
import { BACKCHANNEL_URI, logoutTokenOf, recordingSender, verifyLogoutToken } from '../helpers/backchannel.js'
import { injectFetch } from '../helpers/inject-fetch.js'
import { rpFor, type Rp } from '../helpers/oidc-rp.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { startReceiver, type Receiver } from './webhook-support.js'

const BASE = 'http://gatehouse.test'
const open: { ctx?: TestContext; receivers: Receiver[] } = { receivers: [] }
afterEach(async () => {
  for (const r of open.receivers.splice(0)) await r.close()
  await open.ctx?.close()
  open.ctx = undefined
})

async function setUp(sender: WebhookSender, uri = BACKCHANNEL_URI, config: { production?: boolean } = {}): Promise<{ ctx: TestContext; rp: Rp }> {
  const ctx = await createTestContext({ now: new Date().toISOString(), webhookSender: sender, config })
  open.ctx = ctx
  expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
  const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'App', redirectUris: ['https://app.example.test/cb'], backchannelLogoutUri: uri })
  expect(created.status, JSON.stringify(created.json)).toBe(201)
  return { ctx, rp: await rpFor(BASE, created.json.id, created.json.clientSecret, injectFetch(ctx.app)) }
}

/** As if a session that signed in to the app just ended: its row taken, the logout queued in a transaction. */
async function sessionEnded(ctx: TestContext, clientId: string): Promise<void> {
  const org = await ctx.deps.store.orgs.findBySlug('acme')
  const row = {
    grantId: 'grant-1',
    sessionHash: 'session-hash',
    clientId,
    sid: 'sid-1',
    userId: 'user-1',
    orgId: org!.id,
    createdAt: ctx.clock.now().toISOString(),
    expiresAt: ctx.clock.now().toISOString(),
  }
  await ctx.deps.store.transaction((tx) => logOutOidcClients(tx, [row], 'sign_out', ctx.clock.now()))
}

async function jobs(ctx: TestContext) {
  return ctx.deps.store.jobs.list()
}

describe('retries', () => {
  it('retries when the app answers 500, then is done at its 200, with a fresh token each time', async () => {
    const sender = recordingSender()
    sender.answers.push(500, 200)
    const { ctx, rp } = await setUp(sender)
    await sessionEnded(ctx, rp.clientId)
    expect(await ctx.runJobs()).toMatchObject({ done: 0, retried: 1 })
    expect(sender.posts).toHaveLength(1)
    // Not before its back-off.
    expect(await ctx.runJobs()).toMatchObject({ done: 0, retried: 0 })
    ctx.clock.advance(31_000)
    expect(await ctx.runJobs()).toMatchObject({ done: 1 })
    expect(await jobs(ctx)).toEqual([])
    const [first, second] = await Promise.all(sender.posts.map((p) => verifyLogoutToken(rp, logoutTokenOf(p), ctx.clock.now())))
    expect(first!.sid).toBe('sid-1')
    expect(second!.sid).toBe('sid-1')
    expect(second!.jti).not.toBe(first!.jti)
  })

  for (const status of [408, 429, 503, 0]) {
    it(`retries after ${status === 0 ? 'no answer' : `a ${status}`}`, async () => {
      const sender = recordingSender()
      sender.answers.push(status)
      const { ctx, rp } = await setUp(sender)
      await sessionEnded(ctx, rp.clientId)
      expect(await ctx.runJobs()).toMatchObject({ retried: 1 })
      expect(await jobs(ctx)).toMatchObject([{ kind: 'backchannel_logout', state: 'queued', attempts: 1 }])
    })
  }

  it('gives up at once when the app refuses the token with 400, and audits it', async () => {
    const sender = recordingSender()
    sender.answers.push(400)
    const { ctx, rp } = await setUp(sender)
    await sessionEnded(ctx, rp.clientId)
    expect(await ctx.runJobs()).toMatchObject({ done: 1, retried: 0 })
    ctx.clock.advance(minutes(120))
    await ctx.runJobs()
    expect(sender.posts).toHaveLength(1)
    expect(await jobs(ctx)).toEqual([])
    const audit = await ctx.runtime.db.selectFrom('audit_events').selectAll().where('action', '=', 'oidc.backchannel_logout_failed').execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ org_id: (await ctx.deps.store.orgs.findBySlug('acme'))!.id, target: rp.clientId })
    expect(audit[0]!.detail).not.toContain('logout_token')
    expect(ctx.logs()).not.toContain(logoutTokenOf(sender.posts[0]!))
  })

  it('sends nothing once the client has dropped its URI', async () => {
    const sender = recordingSender()
    const { ctx, rp } = await setUp(sender)
    await sessionEnded(ctx, rp.clientId)
    expect((await operator(ctx, 'PATCH', `/oidc-clients/${rp.clientId}`, { backchannelLogoutUri: null })).json.backchannelLogoutUri).toBeNull()
    expect(await ctx.runJobs()).toMatchObject({ done: 1 })
    expect(sender.posts).toEqual([])
  })
})

describe('the outbound rules', () => {
  // app.example.test resolves to loopback, as a hostile DNS answer would.
  const toLoopback: Resolve = async () => [{ address: '127.0.0.1', family: 4 }]

  it('in production, refuses a host resolving to an internal address at connect time: nothing is sent, the job waits', async () => {
    const receiver = await startReceiver()
    open.receivers.push(receiver)
    const { ctx, rp } = await setUp(createWebhookSender({ production: true, resolve: toLoopback }), `https://app.example.test:${receiver.port}/bcl`, {
      production: true,
    })
    await sessionEnded(ctx, rp.clientId)
    expect(await ctx.runJobs()).toMatchObject({ done: 0, retried: 1 })
    expect(receiver.received).toEqual([])
    expect((await jobs(ctx))[0]!.lastError).toMatch(/address_forbidden/)
  })

  it('in development, the same delivery reaches a loopback receiver as a form POST of logout_token', async () => {
    const receiver = await startReceiver()
    open.receivers.push(receiver)
    const { ctx, rp } = await setUp(createWebhookSender({ production: false }), `http://127.0.0.1:${receiver.port}/bcl`)
    await sessionEnded(ctx, rp.clientId)
    expect(await ctx.runJobs()).toMatchObject({ done: 1 })
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded')
    const token = new URLSearchParams(receiver.received[0]!.body).get('logout_token')!
    expect((await verifyLogoutToken(rp, token)).sid).toBe('sid-1')
  })
})
