import type { ApiTokenStore } from '../core/ports.js'
import type { ApiToken } from '../core/types.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { ApiTokenTable } from './schema.js'

const PUBLIC_COLUMNS = ['id', 'user_id', 'org_id', 'name', 'created_at', 'expires_at', 'last_used_at'] as const

const toApiToken = (row: Omit<ApiTokenTable, 'token_hash'>): ApiToken => ({
  id: row.id,
  userId: row.user_id,
  orgId: row.org_id,
  name: row.name,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
})

export function apiTokenRepository(db: Db): ApiTokenStore {
  return {
    insert: async (t) => {
      await translateDuplicate(
        db
          .insertInto('api_tokens')
          .values({
            id: t.id,
            token_hash: t.tokenHash,
            user_id: t.userId,
            org_id: t.orgId,
            name: t.name,
            created_at: t.createdAt,
            expires_at: t.expiresAt,
            last_used_at: t.lastUsedAt,
          })
          .execute(),
      )
    },
    findByHash: async (tokenHash) => {
      const row = await db.selectFrom('api_tokens').select(PUBLIC_COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst()
      return row && toApiToken(row)
    },
    listByMember: async (userId, orgId) => {
      const rows = await db
        .selectFrom('api_tokens')
        .select(PUBLIC_COLUMNS)
        .where('user_id', '=', userId)
        .where('org_id', '=', orgId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute()
      return rows.map(toApiToken)
    },
    countByMember: async (userId, orgId) => {
      const row = await db
        .selectFrom('api_tokens')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('user_id', '=', userId)
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow()
      // PostgreSQL returns count(*) as a bigint string.
      return Number(row.n)
    },
    delete: async (userId, orgId, id) => {
      const row = await db
        .deleteFrom('api_tokens')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('org_id', '=', orgId)
        .returning(PUBLIC_COLUMNS)
        .executeTakeFirst()
      return row && toApiToken(row)
    },
    deleteByMember: async (userId, orgId) => {
      const result = await db.deleteFrom('api_tokens').where('user_id', '=', userId).where('org_id', '=', orgId).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    touch: async (id, lastUsedAt) => {
      await db.updateTable('api_tokens').set({ last_used_at: lastUsedAt }).where('id', '=', id).execute()
    },
  }
}
