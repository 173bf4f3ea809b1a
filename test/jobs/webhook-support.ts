/** Helpers for the webhook tests: a real local receiver, events written to the stream, the worker run by the test clock. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EventType, NewEvent } from '../../src/core/directory-ports.js'
import { newSortableId } from '../../src/core/secret-token.js'
import { deliverDueWebhooks, type WebhookPassSummary } from '../../src/jobs/webhook-worker.js'
import { operator, type TestContext } from '../helpers/test-app.js'
import { eventsVisible } from '../events/visibility.js'

export interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly eventId: string
}

/** What the receiver does with a request: a status, or 'hang' (never answer). */
export type Answer = number | 'hang' | { status: number; headers: Record<string, string> }

export interface Receiver {
  readonly url: string
  readonly port: number
  /** Every request that arrived, answered or not. */
  readonly received: Received[]
  /** Ids of the requests answered 2xx, in the order answered. */
  readonly accepted: string[]
  answer: (r: Received) => Answer | Promise<Answer>
  close(): Promise<void>
}

export async function startReceiver(answer: Receiver['answer'] = () => 200): Promise<Receiver> {
  const received: Received[] = []
  const accepted: string[] = []
  const hanging = new Set<ServerResponse>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const r: Received = { headers: req.headers, body, eventId: String(req.headers['gatehouse-event-id']) }
      received.push(r)
      void Promise.resolve(receiver.answer(r)).then((a) => {
        if (a === 'hang') {
          hanging.add(res)
          return
        }
        const { status, headers } = typeof a === 'number' ? { status: a, headers: {} } : a
        if (status >= 200 && status < 300) accepted.push(r.eventId)
        res.writeHead(status, headers).end('ok')
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    accepted,
    answer,
    close: async () => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return receiver
}

/** Writes `count` events to the stream at the test clock's time; their ids, in stream order. */
export async function writeEvents(ctx: TestContext, count: number, type: EventType = 'member.updated'): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const event: NewEvent = { id: newSortableId(), type, orgId: null, data: { n: i }, createdAt: ctx.clock.now().toISOString() }
    await ctx.deps.store.events.insert(event)
    ids.push(event.id)
  }
  // PostgreSQL lists an event once every older transaction of the cluster has ended (docs/events.md).
  await eventsVisible(ctx.runtime.db)
  return ids
}

/** Runs worker passes until none has anything to do (failed deliveries wait for their retry time). */
export async function deliverAll(ctx: TestContext, random = () => 0.5): Promise<WebhookPassSummary> {
  const total = { claimed: 0, delivered: 0, retrying: 0, gaveUp: 0 }
  for (let pass = 0; pass < 1000; pass++) {
    const s = await deliverDueWebhooks(ctx.deps, { random })
    if (s.claimed === 0) return total
    total.claimed += s.claimed
    total.delivered += s.delivered
    total.retrying += s.retrying
    total.gaveUp += s.gaveUp
  }
  throw new Error('the webhook worker never ran out of work')
}

export async function registerWebhook(ctx: TestContext, url: string, types?: string[]): Promise<{ id: string; secret: string }> {
  const res = await operator(ctx, 'POST', '/webhooks', { url, ...(types === undefined ? {} : { types }) })
  if (res.status !== 201) throw new Error(`POST /webhooks answered ${res.status}: ${JSON.stringify(res.json)}`)
  return res.json as { id: string; secret: string }
}

/** The first occurrence of each id, in order (what a receiver de-duplicating by id keeps). */
export function firstSeen(ids: readonly string[]): string[] {
  return [...new Set(ids)]
}
