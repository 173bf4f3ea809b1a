import type { OneTimeTokenStore } from '../core/ports.js'
import type { Db } from './database.js'

export function oneTimeTokenRepository(db: Db): OneTimeTokenStore {
  return {
    insert: async (t) => {
      await db
        .insertInto('one_time_tokens')
        .values({
          token_hash: t.tokenHash,
          purpose: t.purpose,
          user_id: t.userId,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
        })
        .execute()
    },
    consume: async (tokenHash, purpose, now) => {
      const row = await db
        .deleteFrom('one_time_tokens')
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('expires_at', '>', now)
        .returning(['user_id'])
        .executeTakeFirst()
      return row && { userId: row.user_id }
    },
    isLive: async (tokenHash, purpose, now) => {
      const row = await db
        .selectFrom('one_time_tokens')
        .select('token_hash')
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row !== undefined
    },
    deleteForUser: async (userId, purpose) => {
      await db.deleteFrom('one_time_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).execute()
    },
  }
}
