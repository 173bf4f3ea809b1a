/**
 * Which OIDC grants were made during which Gatehouse session, with the `sid` their ID tokens carry
 * (DESIGN §5 "logout everywhere", core/backchannel-logout.ts). Taking rows deletes them in the
 * caller's transaction, so two processes ending the same session queue each logout token once.
 */
import type { OidcSessionGrant, OidcSessionGrantStore } from '../core/ports.js'
import type { Db } from './database.js'
import type { OidcSessionGrantTable } from './oidc-session-schema.js'

const toRow = (r: OidcSessionGrantTable): OidcSessionGrant => ({
  grantId: r.grant_id,
  sessionHash: r.session_hash,
  clientId: r.client_id,
  sid: r.sid,
  userId: r.user_id,
  orgId: r.org_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
})

/** Chunks keep a statement under SQLite's bound-parameter limit. */
const CHUNK = 200

export function oidcSessionGrantRepository(db: Db): OidcSessionGrantStore {
  return {
    insert: async (g) => {
      await db
        .insertInto('oidc_session_grants')
        .values({
          grant_id: g.grantId,
          session_hash: g.sessionHash,
          client_id: g.clientId,
          sid: g.sid,
          user_id: g.userId,
          org_id: g.orgId,
          created_at: g.createdAt,
          expires_at: g.expiresAt,
        })
        .execute()
    },
    findSid: async (sessionHash, clientId, orgId) =>
      (
        await db
          .selectFrom('oidc_session_grants')
          .select('sid')
          .where('session_hash', '=', sessionHash)
          .where('client_id', '=', clientId)
          .where('org_id', '=', orgId)
          .orderBy('created_at')
          .executeTakeFirst()
      )?.sid,
    findByGrant: async (grantId) => {
      const row = await db.selectFrom('oidc_session_grants').selectAll().where('grant_id', '=', grantId).executeTakeFirst()
      return row && toRow(row)
    },
    takeBySessions: async (sessionHashes) => {
      const taken: OidcSessionGrant[] = []
      for (let i = 0; i < sessionHashes.length; i += CHUNK) {
        const hashes = sessionHashes.slice(i, i + CHUNK)
        const rows = await db.deleteFrom('oidc_session_grants').where('session_hash', 'in', hashes).returningAll().execute()
        taken.push(...rows.map(toRow))
      }
      return taken
    },
    takeBySsoSessionsOfOrg: async (orgId) =>
      (
        await db
          .deleteFrom('oidc_session_grants')
          .where('org_id', '=', orgId)
          .where('session_hash', 'in', (eb) => eb.selectFrom('sessions').select('id_hash').where('org_id', '=', orgId).where('auth_method', '=', 'saml'))
          .returningAll()
          .execute()
      ).map(toRow),
    takeByUser: async (userId, orgId) =>
      (
        await db
          .deleteFrom('oidc_session_grants')
          .where('user_id', '=', userId)
          .$if(orgId !== undefined, (q) => q.where('org_id', '=', orgId!))
          .returningAll()
          .execute()
      ).map(toRow),
    deleteExpired: async (now) => {
      await db.deleteFrom('oidc_session_grants').where('expires_at', '<=', now).execute()
    },
  }
}
