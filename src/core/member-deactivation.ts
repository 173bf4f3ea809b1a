/**
 * Deprovisioning that sticks (DESIGN §8): deactivating a member ends at once their sessions for the
 * org, deletes their personal API tokens there and revokes their OIDC grants for it for good (§5);
 * sign-in is refused (`member_deactivated`) until reactivated. Removal does the same and deletes the
 * membership. Each runs inside the caller's transaction, audited, with its event (§9).
 */
import { recordAudit } from './audit.js'
import type { Actor } from './deps.js'
import { recordMemberEvent } from './member-events.js'
import { revokeOidcAccess } from './oidc-revocation.js'
import type { Stores } from './ports.js'
import { endUserSessions } from './sessions.js'
import type { Member, Organization } from './types.js'

async function endAccess(tx: Stores, org: Organization, member: Member, now: Date, reason: 'deactivated' | 'removed'): Promise<void> {
  await endUserSessions(tx, { userId: member.user.id, orgId: org.id }, reason, now)
  await tx.apiTokens.deleteByMember(member.user.id, org.id)
  await revokeOidcAccess(tx, member.user.id, org.id, now.toISOString())
}

export async function deactivateMember(tx: Stores, org: Organization, member: Member, actor: Actor, now: Date): Promise<void> {
  if (member.deactivatedAt !== null) return
  await tx.members.setDeactivated(member.id, now.toISOString(), now.toISOString())
  await endAccess(tx, org, member, now, 'deactivated')
  await recordAudit(tx, { orgId: org.id, actor, action: 'member.deactivated', target: member.user.email }, now)
  await recordMemberEvent(tx, 'member.deactivated', org, { ...member, deactivatedAt: now.toISOString() }, now)
}

export async function reactivateMember(tx: Stores, org: Organization, member: Member, actor: Actor, now: Date): Promise<void> {
  if (member.deactivatedAt === null) return
  await tx.members.setDeactivated(member.id, null, now.toISOString())
  await recordAudit(tx, { orgId: org.id, actor, action: 'member.reactivated', target: member.user.email }, now)
  await recordMemberEvent(tx, 'member.reactivated', org, { ...member, deactivatedAt: null }, now)
}

export async function deleteMembership(tx: Stores, org: Organization, member: Member, actor: Actor, now: Date): Promise<void> {
  await tx.members.delete(member.id)
  await endAccess(tx, org, member, now, 'removed')
  await recordAudit(tx, { orgId: org.id, actor, action: 'member.removed', target: member.user.email, detail: { role: member.role } }, now)
  await recordMemberEvent(tx, 'member.removed', org, member, now)
}
