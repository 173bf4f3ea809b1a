import type { OutboxStore } from '../core/ports.js'
import type { Db } from './database.js'

export function outboxRepository(db: Db): OutboxStore {
  return {
    insert: async (m) => {
      await db.insertInto('mail_outbox').values({ id: m.id, recipient: m.recipient, subject: m.subject, body: m.body, created_at: m.createdAt }).execute()
    },
    list: async (limit) =>
      (await db.selectFrom('mail_outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map((r) => ({
        id: r.id,
        recipient: r.recipient,
        subject: r.subject,
        body: r.body,
        createdAt: r.created_at,
      })),
  }
}
