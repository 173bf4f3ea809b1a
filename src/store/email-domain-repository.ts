import type { EmailDomain } from '../core/domain-name.js'
import type { EmailDomainStore } from '../core/ports.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { EmailDomainTable } from './schema.js'

const toEmailDomain = (row: EmailDomainTable): EmailDomain => ({
  id: row.id,
  orgId: row.org_id,
  domain: row.domain,
  verificationToken: row.verification_token,
  verifiedAt: row.verified_at ?? undefined,
  verifiedBy: row.verified_by === null ? undefined : (row.verified_by as 'dns' | 'operator'),
  createdAt: row.created_at,
})

export function emailDomainRepository(db: Db): EmailDomainStore {
  return {
    insert: async (d) => {
      await translateDuplicate(
        db
          .insertInto('email_domains')
          .values({
            id: d.id,
            org_id: d.orgId,
            domain: d.domain,
            verification_token: d.verificationToken,
            verified_at: d.verifiedAt ?? null,
            verified_by: d.verifiedBy ?? null,
            created_at: d.createdAt,
          })
          .execute(),
      )
    },
    listByOrg: async (orgId) => (await db.selectFrom('email_domains').selectAll().where('org_id', '=', orgId).orderBy('domain').execute()).map(toEmailDomain),
    find: async (orgId, domain) => {
      const row = await db.selectFrom('email_domains').selectAll().where('org_id', '=', orgId).where('domain', '=', domain).executeTakeFirst()
      return row && toEmailDomain(row)
    },
    findVerified: async (domain) => {
      const row = await db.selectFrom('email_domains').selectAll().where('domain', '=', domain).where('verified_at', 'is not', null).executeTakeFirst()
      return row && toEmailDomain(row)
    },
    markVerified: async (id, verifiedAt, verifiedBy) => {
      await translateDuplicate(db.updateTable('email_domains').set({ verified_at: verifiedAt, verified_by: verifiedBy }).where('id', '=', id).execute())
    },
    delete: async (id) => {
      await db.deleteFrom('email_domains').where('id', '=', id).execute()
    },
  }
}
