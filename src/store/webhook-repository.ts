/**
 * Webhooks over Kysely. Claiming is one conditional UPDATE of one row (still due, no live lease):
 * on PostgreSQL a second process updating the same row waits for the first to commit, re-reads it
 * (READ COMMITTED) and finds the new lease, so it claims nothing; on SQLite the one writer at a time
 * makes the statement atomic by itself. Every later write names the lease token, so a process whose
 * lease ran out cannot move the cursor any more.
 */
import type { EventType } from '../core/directory-ports.js'
import { newId } from '../core/secret-token.js'
import type { DeliveryOutcome, WebhookDelivery, WebhookRecord, WebhookStore } from '../core/webhook-ports.js'
import type { Db } from './database.js'
import type { WebhookDeliveryTable, WebhookTable } from './webhook-schema.js'

const MAX_ERROR_LENGTH = 500

const toRecord = (r: WebhookTable): WebhookRecord => ({
  id: r.id,
  url: r.url,
  types: r.types === null ? null : (JSON.parse(r.types) as EventType[]),
  createdAt: r.created_at,
  secretSealed: r.secret_sealed,
  cursor: r.cursor,
  attempts: Number(r.attempts),
  failingSince: r.failing_since,
  nextAttemptAt: r.next_attempt_at,
})

const toDelivery = (r: WebhookDeliveryTable): WebhookDelivery => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  attempt: Number(r.attempt),
  outcome: r.outcome as DeliveryOutcome,
  status: r.status === null ? null : Number(r.status),
  error: r.error,
  durationMs: Number(r.duration_ms),
  createdAt: r.created_at,
})

export function webhookRepository(db: Db): WebhookStore {
  return {
    insert: async (w) => {
      await db
        .insertInto('webhooks')
        .values({
          id: w.id,
          url: w.url,
          types: w.types === null ? null : JSON.stringify(w.types),
          secret_sealed: w.secretSealed,
          created_at: w.createdAt,
          cursor: w.cursor,
          attempts: w.attempts,
          failing_since: w.failingSince,
          next_attempt_at: w.nextAttemptAt,
          lease_token: null,
          lease_until: null,
        })
        .execute()
    },
    find: async (id) => {
      const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toRecord(row)
    },
    list: async () => (await db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id').execute()).map(toRecord),
    delete: async (id) => {
      const result = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
    listDue: async (now, limit) =>
      (
        await db
          .selectFrom('webhooks')
          .selectAll()
          .where('next_attempt_at', '<=', now)
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
          .orderBy('next_attempt_at')
          .limit(limit)
          .execute()
      ).map(toRecord),
    claim: async (id, now, leaseUntil) => {
      const leaseToken = newId()
      const row = await db
        .updateTable('webhooks')
        .set({ lease_token: leaseToken, lease_until: leaseUntil })
        .where('id', '=', id)
        .where('next_attempt_at', '<=', now)
        .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : { ...toRecord(row), leaseToken }
    },
    saveProgress: async (id, leaseToken, progress, lease) => {
      const result = await db
        .updateTable('webhooks')
        .set({
          cursor: progress.cursor,
          attempts: progress.attempts,
          failing_since: progress.failingSince,
          ...('until' in lease ? { lease_until: lease.until } : { next_attempt_at: lease.nextAttemptAt, lease_token: null, lease_until: null }),
        })
        .where('id', '=', id)
        .where('lease_token', '=', leaseToken)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    insertDeliveries: async (webhookId, deliveries, keep) => {
      await db
        .insertInto('webhook_deliveries')
        .values(
          deliveries.map((d) => ({
            id: d.id,
            webhook_id: webhookId,
            event_id: d.eventId,
            event_type: d.eventType,
            attempt: d.attempt,
            outcome: d.outcome,
            status: d.status,
            error: d.error === null ? null : d.error.slice(0, MAX_ERROR_LENGTH),
            duration_ms: d.durationMs,
            created_at: d.createdAt,
          })),
        )
        .execute()
      const cutoff = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('webhook_id', '=', webhookId)
        .orderBy('id', 'desc')
        .offset(keep)
        .limit(1)
        .executeTakeFirst()
      if (cutoff !== undefined) await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', webhookId).where('id', '<=', cutoff.id).execute()
    },
    listDeliveries: async (webhookId, limit) =>
      (await db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('id', 'desc').limit(limit).execute()).map(toDelivery),
  }
}
