/**
 * Webhook delivery's security checks, each as a pair: the attack refused, and the same delivery
 * accepted once the attack is removed. Time limit (shortened for the test: the sender's `timeoutMs`;
 * 10 s by default), redirects not followed, internal addresses refused at connect time in production
 * (DNS rebinding included) and allowed in development, the secret never in logs, the delivery log or
 * an API answer.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { hours } from '../../src/core/clock.js'
import { createWebhookSender, WEBHOOK_TIMEOUT_MS } from '../../src/net/webhook-sender.js'
import type { Resolve } from '../../src/net/outbound-url.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { deliverAll, registerWebhook, startReceiver, writeEvents, type Receiver } from './webhook-support.js'

const open: { ctx?: TestContext; receivers: Receiver[] } = { receivers: [] }
afterEach(async () => {
  for (const r of open.receivers.splice(0)) await r.close()
  await open.ctx?.close()
  open.ctx = undefined
})

async function setUp(sender: Parameters<typeof createWebhookSender>[0] = { production: false }) {
  const ctx = await createTestContext({ webhookSender: createWebhookSender(sender) })
  open.ctx = ctx
  const receiver = await startReceiver()
  open.receivers.push(receiver)
  return { ctx, receiver }
}

describe('the time limit', () => {
  it('is 10 s by default (DESIGN §9)', () => {
    expect(WEBHOOK_TIMEOUT_MS).toBe(10_000)
  })

  it('fails a delivery the receiver does not answer within the limit, and retries it', async () => {
    const { ctx, receiver } = await setUp({ production: false, timeoutMs: 300 })
    receiver.answer = () => 'hang'
    const { id } = await registerWebhook(ctx, receiver.url)
    const [event] = await writeEvents(ctx, 1)
    const started = performance.now()
    await deliverAll(ctx)
    expect(performance.now() - started).toBeLessThan(3000)
    const log = (await operator(ctx, 'GET', `/webhooks/${id}/deliveries`)).json.data
    expect(log).toEqual([expect.objectContaining({ eventId: event, outcome: 'retrying', status: null, error: 'timed out after 0.3 s' })])
    expect(log[0].durationMs).toBeGreaterThanOrEqual(290)
  })

  it('delivers the same event once the receiver answers within the limit', async () => {
    const { ctx, receiver } = await setUp({ production: false, timeoutMs: 300 })
    receiver.answer = () => new Promise((resolve) => setTimeout(() => resolve(200), 50))
    await registerWebhook(ctx, receiver.url)
    const ids = await writeEvents(ctx, 1)
    await deliverAll(ctx)
    expect(receiver.accepted).toEqual(ids)
  })
})

describe('redirects', () => {
  it('are not followed: a 302 is a failed delivery and the target gets nothing', async () => {
    const { ctx, receiver } = await setUp()
    const elsewhere = await startReceiver()
    open.receivers.push(elsewhere)
    receiver.answer = () => ({ status: 302, headers: { location: elsewhere.url } })
    const { id } = await registerWebhook(ctx, receiver.url)
    const ids = await writeEvents(ctx, 1)
    await deliverAll(ctx)
    expect(elsewhere.received).toEqual([])
    const log = (await operator(ctx, 'GET', `/webhooks/${id}/deliveries`)).json.data
    expect(log[0]).toMatchObject({ outcome: 'retrying', status: 302 })
    expect(log[0].error).toContain('redirects are not followed')
    // The receiver stops redirecting: the same event goes out on the next attempt.
    receiver.answer = () => 200
    ctx.clock.advance(hours(1))
    await deliverAll(ctx)
    expect(receiver.accepted).toEqual(ids)
  })
})

describe('internal addresses', () => {
  // hooks.example.test resolves to loopback, as a hostile DNS answer (or a rebinding one) would.
  const toLoopback: Resolve = async () => [{ address: '127.0.0.1', family: 4 }]

  it('in production, a host that resolves to an internal address is refused at connect time: nothing is sent', async () => {
    const { ctx, receiver } = await setUp({ production: true, resolve: toLoopback })
    const { id } = await registerWebhook(ctx, `https://hooks.example.test:${receiver.port}/hook`)
    await writeEvents(ctx, 1)
    await deliverAll(ctx)
    expect(receiver.received).toEqual([])
    const log = (await operator(ctx, 'GET', `/webhooks/${id}/deliveries`)).json.data
    expect(log[0]).toMatchObject({ outcome: 'retrying', status: null })
    expect(log[0].error).toMatch(/^address_forbidden: .*hooks\.example\.test → 127\.0\.0\.1 \(loopback\)/)
  })

  it('in production, a host whose DNS answer changes to an internal address after registration (rebinding) is refused too', async () => {
    let answer = '93.184.216.34'
    const rebinding: Resolve = async () => [{ address: answer, family: 4 }]
    const { ctx, receiver } = await setUp({ production: true, resolve: rebinding })
    const { id } = await registerWebhook(ctx, `https://hooks.example.test:${receiver.port}/hook`)
    answer = '127.0.0.1'
    await writeEvents(ctx, 1)
    await deliverAll(ctx)
    expect(receiver.received).toEqual([])
    expect((await operator(ctx, 'GET', `/webhooks/${id}/deliveries`)).json.data[0].error).toMatch(/^address_forbidden/)
  })

  it('in development, the same host name on loopback over plain http is delivered', async () => {
    const { ctx, receiver } = await setUp({ production: false, resolve: toLoopback })
    await registerWebhook(ctx, `http://hooks.example.test:${receiver.port}/hook`)
    const ids = await writeEvents(ctx, 1)
    await deliverAll(ctx)
    expect(receiver.accepted).toEqual(ids)
  })

  it('in production, an http URL stored before (development data) is refused at delivery: nothing is sent', async () => {
    const { ctx, receiver } = await setUp({ production: true })
    // As a development deployment would have stored it; production never accepts it through the API.
    const { id } = await registerWebhook(ctx, 'https://hooks.example.test/hook')
    await ctx.runtime.db.updateTable('webhooks').set({ url: receiver.url }).where('id', '=', id).execute()
    await writeEvents(ctx, 1)
    await deliverAll(ctx)
    expect(receiver.received).toEqual([])
    expect((await operator(ctx, 'GET', `/webhooks/${id}/deliveries`)).json.data[0].error).toMatch(/^scheme_not_allowed/)
  })
})

describe('the secret', () => {
  it('is never in the logs, the delivery log, the database in clear, or any API answer after creation', async () => {
    const { ctx, receiver } = await setUp({ production: false, timeoutMs: 300 })
    const { id, secret } = await registerWebhook(ctx, receiver.url)
    let n = 0
    // Success, an error status, a timeout, a redirect: every kind of attempt is logged somewhere.
    receiver.answer = () => [200, 500, 'hang' as const, { status: 301, headers: { location: 'http://127.0.0.1:9/' } }][n++ % 4]!
    await writeEvents(ctx, 4)
    for (let i = 0; i < 8; i++) {
      await deliverAll(ctx)
      ctx.clock.advance(hours(1))
    }
    expect(receiver.received.length).toBeGreaterThanOrEqual(4)
    const answers = [
      await operator(ctx, 'GET', '/webhooks'),
      await operator(ctx, 'GET', `/webhooks/${id}`),
      await operator(ctx, 'GET', `/webhooks/${id}/deliveries`),
    ]
    for (const a of answers) expect(a.status).toBe(200)
    const deliveries = await ctx.runtime.db.selectFrom('webhook_deliveries').selectAll().execute()
    const rows = await ctx.runtime.db.selectFrom('webhooks').selectAll().execute()
    expect(deliveries.length).toBeGreaterThanOrEqual(4)
    const places = {
      logs: ctx.logs(),
      answers: answers.map((a) => a.res.body).join('\n'),
      deliveries: JSON.stringify(deliveries),
      webhooks: JSON.stringify(rows),
      requests: receiver.received.map((r) => JSON.stringify(r.headers) + r.body).join('\n'),
    }
    for (const [where, text] of Object.entries(places)) {
      expect(text.includes(secret), where).toBe(false)
      expect(text.includes(secret.slice('whsec_'.length)), `${where} (without its prefix)`).toBe(false)
    }
    // The logs did record the failures (so the check above looked at something).
    expect(places.logs).toContain('webhook delivery failed; will retry')
  })
})
