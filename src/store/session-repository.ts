import type { SessionStore } from '../core/ports.js'
import type { AuthMethod, Session, SessionKind } from '../core/types.js'
import type { Db } from './database.js'
import { preparedQuery } from './prepared-query.js'
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

type NewSessionSlot = 'idHash' | 'userId' | 'orgId' | 'kind' | 'authMethod' | 'createdAt' | 'idleExpiresAt' | 'expiresAt'

// Every sign-in inserts one: compiled once, run with fresh values (store/prepared-query.ts).
const insertSession = preparedQuery((db, slot: (name: NewSessionSlot) => string) =>
  db.insertInto('sessions').values({
    id_hash: slot('idHash'),
    user_id: slot('userId'),
    org_id: slot('orgId'),
    kind: slot('kind'),
    auth_method: slot('authMethod'),
    created_at: slot('createdAt'),
    last_seen_at: slot('createdAt'),
    idle_expires_at: slot('idleExpiresAt'),
    expires_at: slot('expiresAt'),
  }),
)

export function sessionRepository(db: Db): SessionStore {
  return {
    insert: async (s) => {
      await insertSession(db, {
        idHash: s.idHash,
        userId: s.userId,
        orgId: s.orgId,
        kind: s.kind,
        authMethod: s.authMethod,
        createdAt: s.createdAt,
        idleExpiresAt: s.idleExpiresAt,
        expiresAt: s.expiresAt,
      })
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
    deleteExpired: async (now, limit) => {
      // One bounded statement: both expiry columns are indexed, so the batch is found without a scan.
      const batch = db
        .selectFrom('sessions')
        .select('id_hash')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('idle_expires_at', '<=', now)]))
        .limit(limit)
      const result = await db.deleteFrom('sessions').where('id_hash', 'in', batch).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
