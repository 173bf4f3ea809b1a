/**
 * Periodic tasks' schedule and lease. A claim is one conditional UPDATE of the task's row: on
 * PostgreSQL a second process updating the same row at once waits for the first to commit, then
 * re-checks the condition against the new lease and updates nothing; on SQLite the one writer at a
 * time makes the statement atomic by itself. Either way one process holds a due task.
 */
import type { ScheduledRunStore } from '../core/job-ports.js'
import { newId } from '../core/secret-token.js'
import type { Db } from './database.js'

const MAX_ERROR_LENGTH = 1000

export function scheduledRunRepository(db: Db): ScheduledRunStore {
  return {
    claim: async (name, now, leaseUntil) => {
      await db
        .insertInto('scheduled_runs')
        .values({ name, next_run_at: now, lease_token: null, lease_until: null, last_started_at: null, last_finished_at: null, last_error: null })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute()
      const leaseToken = newId()
      const result = await db
        .updateTable('scheduled_runs')
        .set({ lease_token: leaseToken, lease_until: leaseUntil, last_started_at: now })
        .where('name', '=', name)
        .where('next_run_at', '<=', now)
        .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1 ? leaseToken : undefined
    },
    finish: async (name, leaseToken, outcome, now) => {
      await db
        .updateTable('scheduled_runs')
        .set({
          next_run_at: outcome.nextRunAt,
          lease_token: null,
          lease_until: null,
          last_finished_at: now,
          last_error: outcome.error === null ? null : outcome.error.slice(0, MAX_ERROR_LENGTH),
        })
        .where('name', '=', name)
        .where('lease_token', '=', leaseToken)
        .execute()
    },
    find: async (name) => {
      const row = await db.selectFrom('scheduled_runs').selectAll().where('name', '=', name).executeTakeFirst()
      return (
        row && {
          name: row.name,
          nextRunAt: row.next_run_at,
          leaseUntil: row.lease_until,
          lastStartedAt: row.last_started_at,
          lastFinishedAt: row.last_finished_at,
          lastError: row.last_error,
        }
      )
    },
  }
}
