import type { AuditStore } from '../core/ports.js'
import type { Db } from './database.js'

/** Cursor: `createdAt|id` of the last event seen, base64url — newest first. */
export function auditRepository(db: Db): AuditStore {
  return {
    insert: async (e) => {
      await db
        .insertInto('audit_events')
        .values({
          id: e.id,
          org_id: e.orgId,
          actor: e.actor,
          action: e.action,
          target: e.target,
          detail: JSON.stringify(e.detail),
          created_at: e.createdAt,
        })
        .execute()
    },
    listByOrg: async (orgId, page, actionPrefix) => {
      let query = db
        .selectFrom('audit_events')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
      // A prefix of letters and dots only, so LIKE wildcards cannot come in.
      if (actionPrefix !== undefined && /^[a-z_]+\.$/.test(actionPrefix)) query = query.where('action', 'like', `${actionPrefix}%`)
      if (page.after !== undefined) {
        const [createdAt = '', id = ''] = Buffer.from(page.after, 'base64url').toString('utf8').split('|')
        query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]))
      }
      const rows = await query.execute()
      const events = rows.slice(0, page.limit).map((r) => ({
        id: r.id,
        orgId: r.org_id,
        actor: r.actor,
        action: r.action,
        target: r.target,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
        createdAt: r.created_at,
      }))
      const last = events[events.length - 1]
      return { events, nextCursor: rows.length > page.limit && last !== undefined ? cursorOf(last) : null }
    },
  }
}

function cursorOf(event: { createdAt: string; id: string }): string {
  return Buffer.from(`${event.createdAt}|${event.id}`, 'utf8').toString('base64url')
}
