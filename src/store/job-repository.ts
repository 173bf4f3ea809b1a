/**
 * The job queue over Kysely. Claiming is one UPDATE of the due rows a subquery picks: on PostgreSQL
 * the subquery takes `FOR UPDATE SKIP LOCKED`, so two processes claiming at once lock disjoint rows
 * and a row committed by the other is re-checked (its new lease makes it not due); on SQLite the one
 * writer at a time makes the statement atomic by itself.
 */
import { PostgresAdapter } from 'kysely'
import type { JobStore } from '../core/ports.js'
import { newId, newSortableId } from '../core/secret-token.js'
import type { Db } from './database.js'

const MAX_ERROR_LENGTH = 1000

export function jobRepository(db: Db): JobStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  return {
    enqueue: async (job, now) => {
      const id = newSortableId()
      await db
        .insertInto('jobs')
        .values({
          id,
          kind: job.kind,
          payload: JSON.stringify(job.payload),
          state: 'queued',
          run_at: job.runAt,
          attempts: 0,
          lease_token: null,
          lease_until: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        })
        .execute()
      return id
    },
    claimDue: async (now, leaseUntil, limit) => {
      const leaseToken = newId()
      const rows = await db
        .updateTable('jobs')
        .set((eb) => ({ lease_token: leaseToken, lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
        .where('id', 'in', (eb) => {
          const due = eb
            .selectFrom('jobs')
            .select('id')
            .where('state', '=', 'queued')
            .where('run_at', '<=', now)
            .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
            .orderBy('run_at')
            .orderBy('id')
            .limit(limit)
          return postgres ? due.forUpdate().skipLocked() : due
        })
        .returning(['id', 'kind', 'payload', 'attempts', 'lease_token', 'created_at'])
        .execute()
      return rows
        .map((r) => ({
          id: r.id,
          kind: r.kind,
          payload: JSON.parse(r.payload) as Record<string, unknown>,
          attempts: Number(r.attempts),
          leaseToken: r.lease_token!,
          createdAt: r.created_at,
        }))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
    },
    complete: async (id, leaseToken) => {
      await db.deleteFrom('jobs').where('id', '=', id).where('lease_token', '=', leaseToken).execute()
    },
    release: async (id, leaseToken, outcome, now) => {
      await db
        .updateTable('jobs')
        .set({
          state: outcome.failed ? 'failed' : 'queued',
          run_at: outcome.runAt,
          lease_token: null,
          lease_until: null,
          last_error: outcome.error.slice(0, MAX_ERROR_LENGTH),
          updated_at: now,
        })
        .where('id', '=', id)
        .where('lease_token', '=', leaseToken)
        .execute()
    },
    countByState: async () => {
      const rows = await db
        .selectFrom('jobs')
        .select((eb) => ['state', eb.fn.countAll<string | number>().as('count')])
        .groupBy('state')
        .execute()
      const count = (state: string) => Number(rows.find((r) => r.state === state)?.count ?? 0)
      return { queued: count('queued'), failed: count('failed') }
    },
    list: async (state) => {
      let query = db.selectFrom('jobs').select(['id', 'kind', 'state', 'run_at', 'attempts', 'last_error'])
      if (state !== undefined) query = query.where('state', '=', state)
      return (await query.orderBy('created_at').orderBy('id').execute()).map((r) => ({
        id: r.id,
        kind: r.kind,
        state: r.state,
        runAt: r.run_at,
        attempts: Number(r.attempts),
        lastError: r.last_error,
      }))
    },
  }
}
