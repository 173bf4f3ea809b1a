import type { DevIdpKeyStore } from '../core/ports.js'
import type { Db } from './database.js'

/** The one row's key: a second insert (a race with another process) conflicts on it and does nothing. */
const ID = 'default'

export function devIdpKeyRepository(db: Db): DevIdpKeyStore {
  return {
    find: async () => {
      const row = await db.selectFrom('dev_idp_keys').selectAll().where('id', '=', ID).executeTakeFirst()
      return row && { privateKeyEncrypted: row.private_key_encrypted, certificatePem: row.certificate_pem, createdAt: row.created_at }
    },
    insertIfAbsent: async (key) => {
      await db
        .insertInto('dev_idp_keys')
        .values({ id: ID, private_key_encrypted: key.privateKeyEncrypted, certificate_pem: key.certificatePem, created_at: key.createdAt })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
    },
  }
}
