import type { SessionStore } from '../core/ports.js'
import type { AuthMethod, Session, SessionKind } from '../core/types.js'
import type { Db } from './database.js'
import type { SessionTable } from './schema.js'

const toSession = (row: SessionTable): Session => ({
  idHash: row.id_hash,
  userId: row.user_id,
  orgId: row.org_id,
  kind: row.kind as SessionKind,
  authMethod: row.auth_method as AuthMethod,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  idleExpiresAt: row.idle_expires_at,
  expiresAt: row.expires_at,
})

export function sessionRepository(db: Db): SessionStore {
  return {
    insert: async (s) => {
      await db.insertInto('sessions').values({
        id_hash: s.idHash, user_id: s.userId, org_id: s.orgId, kind: s.kind, auth_method: s.authMethod,
        created_at: s.createdAt, last_seen_at: s.createdAt, idle_expires_at: s.idleExpiresAt, expires_at: s.expiresAt,
      }).execute()
    },
    find: async (idHash) => {
      const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
      return row && toSession(row)
    },
    touch: async (idHash, lastSeenAt, idleExpiresAt) => {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt, idle_expires_at: idleExpiresAt }).where('id_hash', '=', idHash).execute()
    },
    setOrg: async (idHash, orgId) => {
      await db.updateTable('sessions').set({ org_id: orgId }).where('id_hash', '=', idHash).execute()
    },
    delete: async (idHash) => {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute()
    },
    deleteByUser: async (userId) => {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute()
    },
    deleteByUserAndOrg: async (userId, orgId) => {
      await db.deleteFrom('sessions').where('user_id', '=', userId).where('org_id', '=', orgId).execute()
    },
    deleteExpired: async (now) => {
      const result = await db.deleteFrom('sessions').where((eb) => eb.or([eb('expires_at', '<=', now), eb('idle_expires_at', '<=', now)])).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
