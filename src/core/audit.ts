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

export async function listAuditLog(deps: CoreDeps, orgSlug: string, page: Page) {
  const org = await getOrganization(deps, orgSlug)
  return deps.store.audit.listByOrg(org.id, page)
}
