/**
 * Delivering one webhook (DESIGN §9), by the process that holds its lease (jobs/webhook-worker.ts):
 * - in stream order, one event at a time: event N+1 is not sent before N succeeded (or was given up);
 * - events older than the webhook, or of a type it did not ask for, are passed over;
 * - a 2xx within the time limit is success; anything else is retried after an exponential back-off
 *   with full jitter (a random delay between 1 s and a ceiling that doubles from 10 s to 1 hour),
 *   for at least 24 hours; the first failure after that marks the event `failed` and moves on;
 * - progress (the cursor) and the delivery log are saved together every FLUSH_EVERY deliveries or
 *   FLUSH_MS, only while the lease is ours. A process that dies between a delivery and its save sends
 *   those events again (at-least-once; receivers de-duplicate by event id), never skips one;
 * - one run stops starting deliveries after WORK_BUDGET_MS, so it ends (last delivery's time limit and
 *   its save included) well inside the lease, and other webhooks get their turn.
 */
import { addMs, hours } from './clock.js'
import type { CoreDeps } from './deps.js'
import type { DomainEvent } from './directory-ports.js'
import { eventPayload } from './events.js'
import { open } from './secret-box.js'
import { newSortableId } from './secret-token.js'
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.js'
import type { ClaimedWebhook, WebhookDelivery, WebhookProgress } from './webhook-ports.js'
import { WEBHOOK_DELIVERY_LOG_SIZE } from './webhooks.js'

/** How long a claim holds a webhook; renewed at every save. */
export const WEBHOOK_LEASE_MS = 20_000
/** A run starts no delivery after this; with the 10 s time limit and a save it ends inside the lease. */
export const WORK_BUDGET_MS = 5_000
export const EVENT_BATCH = 200
export const FLUSH_EVERY = 100
export const FLUSH_MS = 250
/** Failed deliveries of one event are retried for at least this long. */
export const RETRY_WINDOW_MS = hours(24)
export const FIRST_RETRY_CEILING_MS = 10_000
export const MAX_RETRY_CEILING_MS = hours(1)
export const MIN_RETRY_DELAY_MS = 1_000
export const USER_AGENT = 'Gatehouse-Webhooks'

/** Full jitter (a random delay up to the ceiling), the ceiling doubling per failed attempt (1 for the first). */
export function webhookRetryDelayMs(attempts: number, random: () => number): number {
  const ceiling = Math.min(FIRST_RETRY_CEILING_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_CEILING_MS)
  return Math.max(MIN_RETRY_DELAY_MS, Math.floor(random() * ceiling))
}

export interface DeliveryRunOptions {
  readonly signal?: AbortSignal
  /** Jitter's source; Math.random unless a test fixes it. */
  readonly random?: () => number
  readonly workBudgetMs?: number
  /**
   * Awaited before each delivery and each save: the worker's way of letting the process's HTTP
   * requests go first (jobs/webhook-worker.ts giveWayToRequests). Deliveries are background work;
   * without it a backlog's sends, saves and reads run back to back between a request's steps.
   */
  readonly giveWay?: () => Promise<void>
}

export interface DeliveryRunResult {
  readonly delivered: number
  /** The event that failed this run and waits for its retry. */
  readonly retrying?: { readonly eventId: string; readonly attempt: number; readonly error: string; readonly nextAttemptAt: string }
  /** The event given up on after the retry window (logged by the caller, kept in the delivery log as `failed`). */
  readonly gaveUp?: { readonly eventId: string; readonly attempts: number; readonly error: string }
  /** Another process took the webhook, or it was deleted: this run stopped. */
  readonly leaseLost: boolean
}

export function deliveryHeaders(secret: string, event: DomainEvent, body: string, now: Date): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'gatehouse-event-id': event.id,
    [SIGNATURE_HEADER.toLowerCase()]: signWebhookBody(secret, body, now),
  }
}

export async function deliverWebhook(deps: CoreDeps, hook: ClaimedWebhook, options: DeliveryRunOptions = {}): Promise<DeliveryRunResult> {
  const secret = open(deps.settings.secretKey, hook.secretSealed)
  const types = hook.types === null ? null : new Set<string>(hook.types)
  const budget = options.workBudgetMs ?? WORK_BUDGET_MS
  const started = performance.now()
  let progress: WebhookProgress = { cursor: hook.cursor, attempts: hook.attempts, failingSince: hook.failingSince }
  let pending: WebhookDelivery[] = []
  let lastSave = started
  let delivered = 0

  const giveWay = options.giveWay ?? (() => Promise.resolve())
  const save = async (lease: { until: string } | { nextAttemptAt: string }): Promise<boolean> => {
    await giveWay()
    const deliveries = pending
    pending = []
    lastSave = performance.now()
    return deps.store.transaction(async (tx) => {
      if (!(await tx.webhooks.saveProgress(hook.id, hook.leaseToken, progress, lease))) return false
      if (deliveries.length > 0) await tx.webhooks.insertDeliveries(hook.id, deliveries, WEBHOOK_DELIVERY_LOG_SIZE)
      return true
    })
  }
  const stopping = () => options.signal?.aborted === true || performance.now() - started >= budget

  read: while (!stopping()) {
    const events = await deps.store.events.list(progress.cursor ?? undefined, EVENT_BATCH)
    if (events.length === 0) break
    for (const event of events) {
      if (event.createdAt < hook.createdAt || (types !== null && !types.has(event.type))) {
        progress = { ...progress, cursor: event.id }
        continue
      }
      if (stopping()) break read
      await giveWay()
      const body = JSON.stringify(eventPayload(event))
      const sentAt = deps.clock.now()
      const t0 = performance.now()
      const result = await deps.webhookSender.post({ url: hook.url, body, headers: deliveryHeaders(secret, event, body, sentAt) })
      const now = deps.clock.now()
      const attempt = progress.attempts + 1
      const record = (outcome: WebhookDelivery['outcome'], error: string | null): WebhookDelivery => ({
        id: newSortableId(),
        webhookId: hook.id,
        eventId: event.id,
        eventType: event.type,
        attempt,
        outcome,
        status: result.status,
        error,
        durationMs: Math.round(performance.now() - t0),
        createdAt: now.toISOString(),
      })
      if (result.ok) {
        pending.push(record('delivered', null))
        progress = { cursor: event.id, attempts: 0, failingSince: null }
        delivered++
        if (pending.length >= FLUSH_EVERY || performance.now() - lastSave >= FLUSH_MS) {
          if (!(await save({ until: addMs(now, WEBHOOK_LEASE_MS).toISOString() }))) return { delivered, leaseLost: true }
        }
        continue
      }
      const failingSince = progress.failingSince ?? sentAt.toISOString()
      if (now.getTime() - new Date(failingSince).getTime() >= RETRY_WINDOW_MS) {
        pending.push(record('failed', result.error))
        progress = { cursor: event.id, attempts: 0, failingSince: null }
        const saved = await save({ nextAttemptAt: now.toISOString() })
        return { delivered, gaveUp: { eventId: event.id, attempts: attempt, error: result.error }, leaseLost: !saved }
      }
      pending.push(record('retrying', result.error))
      progress = { ...progress, attempts: attempt, failingSince }
      const nextAttemptAt = addMs(now, webhookRetryDelayMs(attempt, options.random ?? Math.random)).toISOString()
      const saved = await save({ nextAttemptAt })
      return { delivered, retrying: { eventId: event.id, attempt, error: result.error, nextAttemptAt }, leaseLost: !saved }
    }
  }
  const saved = await save({ nextAttemptAt: deps.clock.now().toISOString() })
  return { delivered, leaseLost: !saved }
}
