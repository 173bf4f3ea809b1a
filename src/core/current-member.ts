/** What a session may act as right now: read live, so a removed member loses access at once. */
import type { CoreDeps } from './deps.js'
import type { Membership, Session, Workspace } from './types.js'

export async function currentMembership(deps: CoreDeps, session: Session): Promise<Membership | undefined> {
  const memberships = await deps.store.members.listMemberships(session.userId)
  if (session.orgId !== null) return memberships.find((m) => m.org.id === session.orgId)
  return memberships.length === 1 ? memberships[0] : undefined
}

export interface DashboardEntry {
  readonly membership: Membership
  readonly workspaces: readonly Workspace[]
}

/** Every org of the user with its workspaces, for the dashboard. */
export async function describeMemberships(deps: CoreDeps, userId: string): Promise<DashboardEntry[]> {
  const memberships = await deps.store.members.listMemberships(userId)
  return Promise.all(memberships.map(async (membership) => ({ membership, workspaces: await deps.store.workspaces.listByOrg(membership.org.id) })))
}

/** The user's membership of one org, or undefined. */
export async function findMembership(deps: CoreDeps, userId: string, orgSlug: string): Promise<Membership | undefined> {
  const org = await deps.store.orgs.findBySlug(orgSlug)
  if (org === undefined) return undefined
  const member = await deps.store.members.findByUser(org.id, userId)
  return member && { org, member }
}
