/**
 * The events of members and orgs (DESIGN §9; payloads in docs/events.md), written by core where the
 * change is made, in its transaction. One shape per kind: `{member: …}` for every member.* type
 * (member.updated adds `before` and the `changed` fields), `{organization: …}` for organization.*.
 * A member's snapshot holds what a host app keeps of them, never a secret (no password, no token).
 */
import { recordEvent } from './events.js'
import type { Stores } from './ports.js'
import type { Member, Organization } from './types.js'

export function memberSnapshot(member: Member) {
  return {
    id: member.id,
    userId: member.user.id,
    email: member.user.email,
    firstName: member.user.firstName,
    lastName: member.user.lastName,
    role: member.role,
    workspaceRoles: { ...member.workspaceRoles },
    deactivated: member.deactivatedAt !== null,
  }
}

export const organizationSnapshot = (org: Organization) => ({ id: org.id, name: org.name, slug: org.slug })

type MemberEventType = 'member.created' | 'member.deactivated' | 'member.reactivated' | 'member.removed'

/** `member` as it is after the change (for member.removed, as it was). */
export async function recordMemberEvent(tx: Pick<Stores, 'events'>, type: MemberEventType, org: Organization, member: Member, now: Date): Promise<void> {
  await recordEvent(tx, { type, orgId: org.id, data: { member: memberSnapshot(member) } }, now)
}

/** member.created with the member as the transaction leaves it (roles and names set). */
export async function recordMemberCreated(tx: Pick<Stores, 'events' | 'members'>, org: Organization, memberId: string, now: Date): Promise<void> {
  const member = await tx.members.findById(org.id, memberId)
  if (member !== undefined) await recordMemberEvent(tx, 'member.created', org, member, now)
}

const TRACKED = ['email', 'firstName', 'lastName', 'role', 'workspaceRoles'] as const

/**
 * member.updated when the member's names, role or workspace roles differ from `before` once the
 * transaction's writes are done; nothing otherwise (a save without changes is no event).
 */
export async function recordMemberUpdated(tx: Pick<Stores, 'events' | 'members'>, org: Organization, before: Member, now: Date): Promise<void> {
  const after = await tx.members.findById(org.id, before.id)
  if (after === undefined) return
  const [was, is] = [memberSnapshot(before), memberSnapshot(after)]
  const changed = TRACKED.filter((key) => canonical(was[key]) !== canonical(is[key]))
  if (changed.length === 0) return
  await recordEvent(tx, { type: 'member.updated', orgId: org.id, data: { member: is, before: was, changed } }, now)
}

function canonical(value: unknown): string {
  return typeof value === 'object' && value !== null
    ? JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : JSON.stringify(value)
}
