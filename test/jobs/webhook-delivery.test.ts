/**
 * Webhook delivery by the worker (DESIGN §9) to a real local receiver, run by the test clock: the
 * signature checks with the exact snippet of docs/events.md, events go out in order and once, a
 * receiver down for a while gets everything once back, and an event failing for 24 hours is given up.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { hours, minutes } from '../../src/core/clock.js'
import { RETRY_WINDOW_MS } from '../../src/core/webhook-delivery.js'
import { deliverDueWebhooks } from '../../src/jobs/webhook-worker.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { deliverAll, registerWebhook, startReceiver, writeEvents, type Receiver } from './webhook-support.js'

type Verify = (secret: string, header: string, rawBody: string, nowMs?: number) => boolean

/** The ```js block of docs/events.md's "Verifying the signature", imported as it is written. */
function docSnippet(): string {
  const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8')
  const section = doc.split('\n## Verifying the signature\n')[1]?.split('\n## ')[0] ?? ''
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1]
  if (code === undefined) throw new Error('docs/events.md has no js block under "Verifying the signature"')
  return code
}

describe('webhook delivery', () => {
  let ctx: TestContext
  let receiver: Receiver
  let verify: Verify
  let dir: string

  beforeAll(async () => {
    const snippet = docSnippet()
    expect(
      snippet
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('  ')).length,
      'the function body is five lines',
    ).toBe(5)
    dir = mkdtempSync(join(tmpdir(), 'gh-verify-'))
    writeFileSync(join(dir, 'verify.mjs'), snippet)
    verify = ((await import(pathToFileURL(join(dir, 'verify.mjs')).href)) as { verifyGatehouseSignature: Verify }).verifyGatehouseSignature
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  beforeEach(async () => {
    ctx = await createTestContext()
    receiver = await startReceiver()
  })
  afterEach(async () => {
    await receiver.close()
    await ctx.close()
  })

  it('posts each event as {id, type, createdAt, org, data} with the documented headers; the docs snippet verifies the signature', async () => {
    const { secret } = await registerWebhook(ctx, receiver.url)
    const [id] = await writeEvents(ctx, 1, 'member.deactivated')
    await deliverAll(ctx)
    expect(receiver.received).toHaveLength(1)
    const { headers, body } = receiver.received[0]!
    expect(JSON.parse(body)).toEqual({ id, type: 'member.deactivated', createdAt: '2026-11-23T12:00:00.000Z', org: null, data: { n: 0 } })
    expect(headers['content-type']).toBe('application/json')
    expect(headers['user-agent']).toBe('Gatehouse-Webhooks')
    expect(headers['gatehouse-event-id']).toBe(id)
    const signature = String(headers['gatehouse-signature'])
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect(signature.startsWith(`t=${Math.floor(ctx.clock.now().getTime() / 1000)},`)).toBe(true)
    const now = ctx.clock.now().getTime()
    expect(verify(secret, signature, body, now)).toBe(true)
    // The attacks the snippet stops, each against the same delivery.
    expect(verify(secret, signature, body.replace('member.deactivated', 'member.reactivated'), now), 'changed body').toBe(false)
    expect(verify(`${secret}x`, signature, body, now), 'another secret').toBe(false)
    expect(verify(secret, signature, body, now + minutes(5) + 1000), 'replayed after 5 minutes').toBe(false)
    expect(verify(secret, signature, body, now + minutes(5) - 1000), 'within 5 minutes').toBe(true)
    expect(
      verify(
        secret,
        signature.replace(/^t=\d+/, (t) => `t=${Number(t.slice(2)) + 60}`),
        body,
        now,
      ),
      'another timestamp',
    ).toBe(false)
    expect(verify(secret, 'v1=00', body, now), 'no timestamp').toBe(false)
    expect(verify(secret, signature.slice(0, -2), body, now), 'a truncated signature').toBe(false)
  })

  it('delivers every event in stream order, once, and keeps going over many batches', async () => {
    await registerWebhook(ctx, receiver.url)
    const ids = await writeEvents(ctx, 450)
    const summary = await deliverAll(ctx)
    expect(summary.delivered).toBe(450)
    expect(receiver.received.map((r) => r.eventId)).toEqual(ids)
    const state = (await operator(ctx, 'GET', '/webhooks')).json.data[0]
    expect(state).toMatchObject({ lastEventId: ids.at(-1), failingAttempts: 0 })
    const log = (await operator(ctx, 'GET', `/webhooks/${state.id}/deliveries`)).json.data
    expect(log).toHaveLength(100)
    expect(log[0]).toMatchObject({ eventId: ids.at(-1), outcome: 'delivered', status: 200, attempt: 1, error: null })
    // Nothing new: another pass sends nothing.
    await deliverAll(ctx)
    expect(receiver.received).toHaveLength(450)
  })

  it('sends nothing written before the webhook was created, and only the types it asked for', async () => {
    await writeEvents(ctx, 3, 'member.created')
    ctx.clock.advance(1000)
    await registerWebhook(ctx, receiver.url, ['member.removed'])
    const removed: string[] = []
    for (let i = 0; i < 3; i++) {
      await writeEvents(ctx, 1, 'member.created')
      removed.push(...(await writeEvents(ctx, 1, 'member.removed')))
    }
    await deliverAll(ctx)
    expect(receiver.received.map((r) => r.eventId)).toEqual(removed)
  })

  it('a receiver down for a while gets everything once it is back, in order, each event once', async () => {
    const { id } = await registerWebhook(ctx, receiver.url)
    let down = true
    receiver.answer = () => (down ? 503 : 200)
    const first = await writeEvents(ctx, 5)
    await deliverAll(ctx)
    // Only the first event was tried: event 2 never goes before event 1 succeeded.
    expect(receiver.received.map((r) => r.eventId)).toEqual([first[0]])
    const more: string[] = []
    for (let hour = 0; hour < 6; hour++) {
      more.push(...(await writeEvents(ctx, 2)))
      ctx.clock.advance(hours(1))
      await deliverAll(ctx)
    }
    expect(new Set(receiver.received.map((r) => r.eventId))).toEqual(new Set([first[0]]))
    const state = (await operator(ctx, 'GET', `/webhooks/${id}`)).json
    expect(state.failingAttempts).toBeGreaterThan(1)
    expect(state.failingSince).toBe('2026-11-23T12:00:00.000Z')
    down = false
    ctx.clock.advance(hours(1))
    await deliverAll(ctx)
    expect(receiver.accepted).toEqual([...first, ...more])
    expect((await operator(ctx, 'GET', `/webhooks/${id}`)).json).toMatchObject({ failingAttempts: 0, failingSince: null })
    const log = (await operator(ctx, 'GET', `/webhooks/${id}/deliveries`)).json.data
    expect(log.at(-1)).toMatchObject({ eventId: first[0], outcome: 'retrying', status: 503, error: 'HTTP 503', attempt: 1 })
  })

  it('waits the back-off before trying again (full jitter up to a doubling ceiling), not before', async () => {
    const { id } = await registerWebhook(ctx, receiver.url)
    receiver.answer = () => 500
    await writeEvents(ctx, 1)
    // random() = 1 takes the whole ceiling: 10 s after the first failure, 20 s after the second.
    await deliverDueWebhooks(ctx.deps, { random: () => 1 })
    expect((await operator(ctx, 'GET', `/webhooks/${id}`)).json.nextAttemptAt).toBe('2026-11-23T12:00:10.000Z')
    ctx.clock.advance(9_999)
    await deliverDueWebhooks(ctx.deps, { random: () => 1 })
    expect(receiver.received).toHaveLength(1)
    ctx.clock.advance(1)
    await deliverDueWebhooks(ctx.deps, { random: () => 1 })
    expect(receiver.received).toHaveLength(2)
    expect((await operator(ctx, 'GET', `/webhooks/${id}`)).json.nextAttemptAt).toBe('2026-11-23T12:00:30.000Z')
  })

  it('gives an event up after 24 hours of failures: marked failed, logged, and the next event goes out', async () => {
    const { id } = await registerWebhook(ctx, receiver.url)
    const [doomed, next] = await writeEvents(ctx, 2)
    receiver.answer = (r) => (r.eventId === doomed ? 500 : 200)
    for (let elapsed = 0; elapsed < RETRY_WINDOW_MS - hours(1); elapsed += hours(1)) {
      await deliverAll(ctx)
      ctx.clock.advance(hours(1))
    }
    await deliverAll(ctx)
    expect(receiver.accepted).toEqual([])
    expect(ctx.logs()).not.toContain('failed for 24 hours')
    ctx.clock.advance(hours(2))
    await deliverAll(ctx)
    expect(receiver.accepted).toEqual([next])
    const log = (await operator(ctx, 'GET', `/webhooks/${id}/deliveries`)).json.data
    expect(log[0]).toMatchObject({ eventId: next, outcome: 'delivered' })
    expect(log[1]).toMatchObject({ eventId: doomed, outcome: 'failed', status: 500 })
    expect(log[1].attempt).toBeGreaterThan(24)
    const line = ctx
      .logs()
      .split('\n')
      .find((l) => l.includes('failed for 24 hours'))
    expect(JSON.parse(line!)).toMatchObject({ level: 50, webhook: id, event: doomed })
  })

  it('a webhook due for a retry is not hidden behind many idle ones', async () => {
    receiver.answer = () => 500
    const { id } = await registerWebhook(ctx, receiver.url)
    const [event] = await writeEvents(ctx, 1)
    await deliverAll(ctx)
    // More idle webhooks than the worker delivers at once, all due before the retry.
    for (let i = 0; i < 20; i++) await registerWebhook(ctx, receiver.url, ['group.deleted'])
    await deliverAll(ctx)
    expect((await operator(ctx, 'GET', `/webhooks/${id}`)).json.failingAttempts).toBe(1)
    receiver.answer = () => 200
    ctx.clock.advance(hours(1))
    await deliverAll(ctx)
    expect(receiver.accepted).toEqual([event])
  })

  it('stops delivering a deleted webhook', async () => {
    const { id } = await registerWebhook(ctx, receiver.url)
    await writeEvents(ctx, 3)
    expect((await operator(ctx, 'DELETE', `/webhooks/${id}`)).status).toBe(204)
    await deliverAll(ctx)
    expect(receiver.received).toEqual([])
  })
})
