/**
 * Single logout state (DESIGN §10): our outstanding LogoutRequests and the IdP's LogoutRequest IDs
 * seen. Single use is the database's job: consuming is a DELETE on the primary key, remembering an
 * insert that does nothing on conflict (a conflict is a replay).
 */
import type { SamlLogoutStore } from '../core/ports.js'
import type { Db } from './database.js'

export function samlLogoutRepository(db: Db): SamlLogoutStore {
  return {
    insertRequest: async (r) => {
      await db
        .insertInto('saml_logout_requests')
        .values({ id: r.id, connection_id: r.connectionId, created_at: r.createdAt, expires_at: r.expiresAt })
        .execute()
    },
    consumeRequest: async (id, connectionId, now) => {
      const result = await db
        .deleteFrom('saml_logout_requests')
        .where('id', '=', id)
        .where('connection_id', '=', connectionId)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
    rememberRequestId: async (connectionId, requestId, expiresAt) => {
      const result = await db
        .insertInto('saml_logout_request_ids')
        .values({ connection_id: connectionId, request_id: requestId, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['connection_id', 'request_id']).doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
    },
    deleteExpired: async (now) => {
      await db.deleteFrom('saml_logout_requests').where('expires_at', '<=', now).execute()
      await db.deleteFrom('saml_logout_request_ids').where('expires_at', '<=', now).execute()
    },
  }
}
