import type { InvitationStore } from '../core/ports.js'
import { normalizeEmail, type Invitation, type OrgRole } from '../core/types.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { InvitationTable } from './schema.js'
import { keyedRecord } from '../core/keyed-record.js'

const toInvitation = (row: InvitationTable): Invitation => ({
  id: row.id,
  orgId: row.org_id,
  email: row.email,
  role: row.role as OrgRole,
  workspaceRoles: keyedRecord(Object.entries(JSON.parse(row.workspace_roles) as Record<string, string>)),
  createdAt: row.created_at,
  expiresAt: row.expires_at,
})

export function invitationRepository(db: Db): InvitationStore {
  return {
    insert: async (i) => {
      await translateDuplicate(
        db
          .insertInto('invitations')
          .values({
            id: i.id,
            org_id: i.orgId,
            email: i.email,
            email_normalized: normalizeEmail(i.email),
            role: i.role,
            workspace_roles: JSON.stringify(i.workspaceRoles),
            token_hash: i.tokenHash,
            invited_by: i.invitedBy,
            created_at: i.createdAt,
            expires_at: i.expiresAt,
          })
          .execute(),
      )
    },
    consume: async (tokenHash, now) => {
      const row = await db.deleteFrom('invitations').where('token_hash', '=', tokenHash).where('expires_at', '>', now).returningAll().executeTakeFirst()
      return row && toInvitation(row)
    },
    findByToken: async (tokenHash, now) => {
      const row = await db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).where('expires_at', '>', now).executeTakeFirst()
      return row && toInvitation(row)
    },
    listByOrg: async (orgId, now) =>
      (await db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('expires_at', '>', now).orderBy('email_normalized').execute()).map(
        toInvitation,
      ),
    delete: async (orgId, id) => {
      const result = await db.deleteFrom('invitations').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
    deleteByEmail: async (orgId, email) => {
      await db.deleteFrom('invitations').where('org_id', '=', orgId).where('email_normalized', '=', normalizeEmail(email)).execute()
    },
  }
}
