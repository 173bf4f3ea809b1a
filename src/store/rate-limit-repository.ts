import type { RateLimitStore } from '../core/ports.js'
import type { Db } from './database.js'

/** Fixed windows, counted by an upsert so concurrent processes cannot lose a hit. */
export function rateLimitRepository(db: Db): RateLimitStore {
  return {
    hit: async (key, windowStart) => {
      const row = await db
        .insertInto('rate_limits')
        .values({ key, window_start: windowStart, count: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            count: eb
              .case()
              .when('rate_limits.window_start', '=', windowStart)
              .then(eb('rate_limits.count', '+', 1))
              .else(1)
              .end(),
            window_start: windowStart,
          })),
        )
        .returning('count')
        .executeTakeFirstOrThrow()
      return Number(row.count)
    },
    peek: async (key, windowStart) => {
      const row = await db.selectFrom('rate_limits').select('count').where('key', '=', key).where('window_start', '=', windowStart).executeTakeFirst()
      return row === undefined ? 0 : Number(row.count)
    },
    reset: async (key) => {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute()
    },
    deleteWindowsBefore: async (before, limit) => {
      const result = await db
        .deleteFrom('rate_limits')
        .where('key', 'in', db.selectFrom('rate_limits').select('key').where('window_start', '<', before).limit(limit))
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
