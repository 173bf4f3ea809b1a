/** What owners were told about IdP certificates: the primary key (connection, fingerprint, notice) makes each notice single. */
import type { CertificateNoticeStore } from '../core/certificate-ports.js'
import type { Db } from './database.js'

export function certificateNoticeRepository(db: Db): CertificateNoticeStore {
  return {
    insertIfNew: async (n) => {
      const inserted = await db
        .insertInto('certificate_notices')
        .values({ connection_id: n.connectionId, fingerprint: n.fingerprint, notice: n.notice, created_at: n.createdAt })
        .onConflict((oc) => oc.columns(['connection_id', 'fingerprint', 'notice']).doNothing())
        .returning('notice')
        .execute()
      return inserted.length === 1
    },
    listByConnection: async (connectionId) =>
      (await db.selectFrom('certificate_notices').selectAll().where('connection_id', '=', connectionId).orderBy('created_at').orderBy('notice').execute()).map(
        (r) => ({ connectionId: r.connection_id, fingerprint: r.fingerprint, notice: r.notice, createdAt: r.created_at }),
      ),
  }
}
