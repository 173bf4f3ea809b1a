/**
 * Webhook registration (DESIGN §9), the operator's:
 * - the URL follows the outbound rules (https and no internal address in production; checked again
 *   at every connection, net/webhook-sender.ts), the type filter names only known event types;
 * - the secret is `whsec_` and 256 random bits, shown once, kept sealed (it signs every delivery);
 * - a new webhook starts at the stream's end: events written before it was created are not sent
 *   (the delivery skips events older than `createdAt`, core/webhook-delivery.ts);
 * - registering and deleting are in the deployment's audit log, in the change's transaction.
 */
import { recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import type { EventType } from './directory-ports.js'
import { isEventType } from './event-types.js'
import { seal } from './secret-box.js'
import { newId, newSecretToken } from './secret-token.js'
import { WebhookError } from './webhook-error.js'
import type { Webhook, WebhookDelivery, WebhookRecord } from './webhook-ports.js'

export const WEBHOOK_SECRET_PREFIX = 'whsec_'
/** The delivery log keeps this many attempts per webhook. */
export const WEBHOOK_DELIVERY_LOG_SIZE = 100

export interface CreatedWebhook {
  readonly webhook: Webhook
  /** Shown once; stored only sealed, never logged. */
  readonly secret: string
}

/** What the operator sees of a webhook: no secret, and where its deliveries stand. */
export interface WebhookView extends Webhook {
  readonly lastEventId: string | null
  readonly failingAttempts: number
  readonly failingSince: string | null
  readonly nextAttemptAt: string
}

const view = (r: WebhookRecord): WebhookView => ({
  id: r.id,
  url: r.url,
  types: r.types,
  createdAt: r.createdAt,
  lastEventId: r.cursor,
  failingAttempts: r.attempts,
  failingSince: r.failingSince,
  nextAttemptAt: r.nextAttemptAt,
})

function checkTypes(types: readonly string[] | undefined): EventType[] | null {
  if (types === undefined) return null
  if (types.length === 0) throw new WebhookError('webhook_types_invalid', 'types must name at least one event type; leave it out for every type.', 'types')
  const unknown = [...new Set(types.filter((t) => !isEventType(t)))]
  if (unknown.length > 0) {
    throw new WebhookError(
      'webhook_types_invalid',
      `Unknown event type${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (docs/events.md lists them).`,
      'types',
    )
  }
  return [...new Set(types as EventType[])]
}

export async function createWebhook(deps: CoreDeps, actor: Actor, input: { url: string; types?: readonly string[] | undefined }): Promise<CreatedWebhook> {
  const refusal = deps.webhookSender.checkUrl(input.url)
  if (refusal !== null) throw new WebhookError('webhook_url_invalid', `The webhook URL ${refusal}`, 'url')
  const types = checkTypes(input.types)
  const now = deps.clock.now()
  const secret = newSecretToken(WEBHOOK_SECRET_PREFIX)
  const record: WebhookRecord = {
    id: newId(),
    url: input.url,
    types,
    createdAt: now.toISOString(),
    secretSealed: seal(deps.settings.secretKey, secret),
    cursor: null,
    attempts: 0,
    failingSince: null,
    nextAttemptAt: now.toISOString(),
  }
  await deps.store.transaction(async (tx) => {
    await tx.webhooks.insert(record)
    await recordAudit(tx, { orgId: null, actor, action: 'webhook.created', target: record.id, detail: { url: record.url, types } }, now)
  })
  return { webhook: view(record), secret }
}

export async function listWebhooks(deps: CoreDeps): Promise<WebhookView[]> {
  return (await deps.store.webhooks.list()).map(view)
}

export async function getWebhook(deps: CoreDeps, id: string): Promise<WebhookView> {
  const found = await deps.store.webhooks.find(id)
  if (found === undefined) throw new WebhookError('webhook_not_found', 'There is no webhook with this id.')
  return view(found)
}

/** Deleting stops its deliveries: a process delivering it loses its lease at its next save. */
export async function deleteWebhook(deps: CoreDeps, actor: Actor, id: string): Promise<void> {
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    const found = await tx.webhooks.find(id)
    if (found === undefined || !(await tx.webhooks.delete(id))) throw new WebhookError('webhook_not_found', 'There is no webhook with this id.')
    await recordAudit(tx, { orgId: null, actor, action: 'webhook.deleted', target: id, detail: { url: found.url } }, now)
  })
}

export async function listWebhookDeliveries(deps: CoreDeps, id: string): Promise<WebhookDelivery[]> {
  await getWebhook(deps, id)
  return deps.store.webhooks.listDeliveries(id, WEBHOOK_DELIVERY_LOG_SIZE)
}
