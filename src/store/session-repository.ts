import type { SessionStore } from '../core/ports.js'
import type { AuthMethod, SamlSessionSubject, Session, SessionKind } from '../core/types.js'
import type { Db } from './database.js'
import { preparedQuery } from './prepared-query.js'
import type { SessionTable } from './schema.js'

const subjectOf = (row: SessionTable): SamlSessionSubject | undefined =>
  row.saml_connection_id === null || row.saml_name_id === null
    ? undefined
    : {
        connectionId: row.saml_connection_id,
        nameId: row.saml_name_id,
        ...(row.saml_name_id_format === null ? {} : { nameIdFormat: row.saml_name_id_format }),
        ...(row.saml_name_qualifier === null ? {} : { nameQualifier: row.saml_name_qualifier }),
        ...(row.saml_sp_name_qualifier === null ? {} : { spNameQualifier: row.saml_sp_name_qualifier }),
        ...(row.saml_session_index === null ? {} : { sessionIndex: row.saml_session_index }),
      }

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
  ...(row.saml_connection_id === null ? {} : { saml: subjectOf(row) }),
})

type NewSessionSlot =
  | 'idHash'
  | 'userId'
  | 'orgId'
  | 'kind'
  | 'authMethod'
  | 'createdAt'
  | 'idleExpiresAt'
  | 'expiresAt'
  | 'samlConnectionId'
  | 'samlNameId'
  | 'samlNameIdFormat'
  | 'samlNameQualifier'
  | 'samlSpNameQualifier'
  | 'samlSessionIndex'

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
    saml_connection_id: slot('samlConnectionId'),
    saml_name_id: slot('samlNameId'),
    saml_name_id_format: slot('samlNameIdFormat'),
    saml_name_qualifier: slot('samlNameQualifier'),
    saml_sp_name_qualifier: slot('samlSpNameQualifier'),
    saml_session_index: slot('samlSessionIndex'),
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
        samlConnectionId: s.saml?.connectionId ?? null,
        samlNameId: s.saml?.nameId ?? null,
        samlNameIdFormat: s.saml?.nameIdFormat ?? null,
        samlNameQualifier: s.saml?.nameQualifier ?? null,
        samlSpNameQualifier: s.saml?.spNameQualifier ?? null,
        samlSessionIndex: s.saml?.sessionIndex ?? null,
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
    take: async (idHash) => {
      const row = await db.deleteFrom('sessions').where('id_hash', '=', idHash).returningAll().executeTakeFirst()
      return row && toSession(row)
    },
    takeBySamlSubject: async (connectionId, orgId, nameId, sessionIndexes) => {
      let query = db.deleteFrom('sessions').where('saml_connection_id', '=', connectionId).where('org_id', '=', orgId).where('saml_name_id', '=', nameId)
      if (sessionIndexes.length > 0) query = query.where('saml_session_index', 'in', [...sessionIndexes])
      return (await query.returningAll().execute()).map(toSession)
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
