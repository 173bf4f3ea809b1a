/** What webhooks (DESIGN §9) need from storage and from the network (store/ and net/ implement them). */
import type { EventType } from './directory-ports.js'

/** A registered webhook as the operator sees it (never its secret). */
export interface Webhook {
  readonly id: string
  readonly url: string
  /** The event types it receives; null = every type. */
  readonly types: readonly EventType[] | null
  readonly createdAt: string
}

/** Where a webhook is in the event stream. */
export interface WebhookProgress {
  /** The last event it is done with (delivered, filtered out, or given up on); null = none yet. */
  readonly cursor: string | null
  /** Failed attempts at the next event, and since when it has been failing. */
  readonly attempts: number
  readonly failingSince: string | null
}

export interface WebhookRecord extends Webhook, WebhookProgress {
  /** The signing secret, sealed with GATEHOUSE_SECRET_KEY (core/secret-box.ts). */
  readonly secretSealed: string
  readonly nextAttemptAt: string
}

/** A webhook this process holds the lease of: only the holder of `leaseToken` may move its cursor. */
export interface ClaimedWebhook extends WebhookRecord {
  readonly leaseToken: string
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed'

/** One attempt to deliver one event, as the delivery log keeps it (never a secret, never a body). */
export interface WebhookDelivery {
  readonly id: string
  readonly webhookId: string
  readonly eventId: string
  readonly eventType: string
  /** 1 for the first attempt at this event. */
  readonly attempt: number
  readonly outcome: DeliveryOutcome
  /** The receiver's HTTP status, or null when there was no answer. */
  readonly status: number | null
  readonly error: string | null
  readonly durationMs: number
  readonly createdAt: string
}

export interface WebhookStore {
  insert(webhook: WebhookRecord): Promise<void>
  find(id: string): Promise<WebhookRecord | undefined>
  /** Oldest first. */
  list(): Promise<WebhookRecord[]>
  /** False when there was no such webhook. Its delivery log goes with it. */
  delete(id: string): Promise<boolean>
  /** Webhooks whose next attempt is due and whom no live lease holds (a read: claim before working). */
  listDue(now: string, limit: number): Promise<WebhookRecord[]>
  /** Leases the webhook until `leaseUntil` if it is still due and unleased; undefined when another process has it. */
  claim(id: string, now: string, leaseUntil: string): Promise<ClaimedWebhook | undefined>
  /**
   * Saves the progress if the lease is still ours, and either extends the lease or releases it with
   * the time of the next attempt. False when the lease was lost (it ran out and another process took
   * the webhook, or the webhook was deleted): the caller must stop.
   */
  saveProgress(
    id: string,
    leaseToken: string,
    progress: WebhookProgress,
    lease: { readonly until: string } | { readonly nextAttemptAt: string },
  ): Promise<boolean>
  /** Appends to the delivery log, keeping the newest `keep` attempts of the webhook. */
  insertDeliveries(webhookId: string, deliveries: readonly WebhookDelivery[], keep: number): Promise<void>
  /** Newest first. */
  listDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]>
}

/** One POST of one event. */
export interface WebhookPost {
  readonly url: string
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
}

/** `ok` is a 2xx answer within the time limit; anything else is a failure with what went wrong. */
export type WebhookPostResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly status: number | null; readonly error: string }

/** Sends webhook POSTs under the outbound URL rules (net/webhook-sender.ts). */
export interface WebhookSender {
  /** The rule a URL breaks (`must use https.`), checked without DNS; null when it may be registered. */
  checkUrl(url: string): string | null
  /** Never throws: a refused address, a timeout or a non-2xx answer is a failed result. */
  post(post: WebhookPost): Promise<WebhookPostResult>
}
