import type { SetupLink, SetupLinkScope, SetupLinkStore } from '../core/setup-link-ports.js'
import type { Db } from './database.js'
import type { SetupLinkTable } from './setup-link-schema.js'

const PUBLIC_COLUMNS = ['id', 'org_id', 'scopes', 'created_by', 'created_by_user_id', 'created_at', 'expires_at', 'revoked_at'] as const

const toLink = (row: Omit<SetupLinkTable, 'secret_hash'>): SetupLink => ({
  id: row.id,
  orgId: row.org_id,
  scopes: row.scopes.split(',').filter((s) => s !== '') as SetupLinkScope[],
  createdBy: row.created_by,
  createdByUserId: row.created_by_user_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
})

export function setupLinkRepository(db: Db): SetupLinkStore {
  return {
    insert: async (link) => {
      await db
        .insertInto('setup_links')
        .values({
          id: link.id,
          org_id: link.orgId,
          secret_hash: link.secretHash,
          scopes: link.scopes.join(','),
          created_by: link.createdBy,
          created_by_user_id: link.createdByUserId,
          created_at: link.createdAt,
          expires_at: link.expiresAt,
          revoked_at: link.revokedAt,
        })
        .execute()
    },
    findBySecretHash: async (secretHash) => {
      const row = await db.selectFrom('setup_links').select(PUBLIC_COLUMNS).where('secret_hash', '=', secretHash).executeTakeFirst()
      return row && toLink(row)
    },
    find: async (orgId, id) => {
      const row = await db.selectFrom('setup_links').select(PUBLIC_COLUMNS).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
      return row && toLink(row)
    },
    listLive: async (orgId, now) => {
      const rows = await db
        .selectFrom('setup_links')
        .select(PUBLIC_COLUMNS)
        .where('org_id', '=', orgId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute()
      return rows.map(toLink)
    },
    revoke: async (orgId, id, now) => {
      const updated = await db
        .updateTable('setup_links')
        .set({ revoked_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) return false
      await db.deleteFrom('setup_link_sessions').where('link_id', '=', id).execute()
      return true
    },
    insertSession: async (session) => {
      await db
        .insertInto('setup_link_sessions')
        .values({ id_hash: session.idHash, link_id: session.linkId, created_at: session.createdAt, expires_at: session.expiresAt })
        .execute()
    },
    findSession: async (idHash) => {
      const row = await db
        .selectFrom('setup_link_sessions as s')
        .innerJoin('setup_links as l', 'l.id', 's.link_id')
        .select([
          's.id_hash',
          's.link_id',
          's.created_at as session_created_at',
          's.expires_at as session_expires_at',
          'l.id',
          'l.org_id',
          'l.scopes',
          'l.created_by',
          'l.created_by_user_id',
          'l.created_at',
          'l.expires_at',
          'l.revoked_at',
        ])
        .where('s.id_hash', '=', idHash)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return {
        session: { idHash: row.id_hash, linkId: row.link_id, createdAt: row.session_created_at, expiresAt: row.session_expires_at },
        link: toLink(row),
      }
    },
    deleteSession: async (idHash) => {
      await db.deleteFrom('setup_link_sessions').where('id_hash', '=', idHash).execute()
    },
    deleteExpiredSessions: async (now) => {
      const result = await db.deleteFrom('setup_link_sessions').where('expires_at', '<=', now).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
