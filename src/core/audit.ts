/** The org's audit log: who did what, when, with a before/after of what changed — never secrets. */
import { describeActor, type Actor } from './deps.js'
import type { CoreDeps } from './deps.js'
import type { Page, Stores } from './ports.js'
import { getOrganization } from './orgs.js'
import { newSortableId } from './secret-token.js'

export interface AuditEntry {
  readonly orgId: string | null
  readonly actor: Actor
  readonly action: string
  readonly target?: string
  readonly detail?: Record<string, unknown>
}

export async function recordAudit(stores: Pick<Stores, 'audit'>, entry: AuditEntry, now: Date): Promise<void> {
  await stores.audit.insert({
    id: newSortableId(),
    orgId: entry.orgId,
    actor: describeActor(entry.actor),
    action: entry.action,
    target: entry.target ?? null,
    detail: entry.detail ?? {},
    createdAt: now.toISOString(),
  })
}

/**
 * What an update changed, as the audit log's before/after: only the fields whose value differs
 * (objects compared by content, key order aside). Undefined when nothing changed, so that a save
 * without changes writes no "role: member → member" entry.
 */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } | undefined {
  const keys = Object.keys(after).filter((key) => after[key] !== undefined && canonicalJson(before[key]) !== canonicalJson(after[key]))
  if (keys.length === 0) return undefined
  return { before: Object.fromEntries(keys.map((key) => [key, before[key]])), after: Object.fromEntries(keys.map((key) => [key, after[key]])) }
}

/** JSON with object keys sorted at every level: equal for values equal by content. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    ) ?? 'undefined'
  )
}

export async function listAuditLog(deps: CoreDeps, orgSlug: string, page: Page) {
  const org = await getOrganization(deps, orgSlug)
  return deps.store.audit.listByOrg(org.id, page)
}
