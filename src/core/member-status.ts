/**
 * The owner's switch for a member (DESIGN §8 "only the directory or the owner can" bring one back):
 * deactivate or reactivate, with the same revocations, audit entries and events as the directory's
 * (core/member-deactivation.ts). Rules:
 * - among users only an owner (the operator always may);
 * - nobody deactivates themselves or an owner (make them admin or member first), so an org never
 *   locks out its owners from here;
 * - reactivating someone the directory still has switched off is allowed; the directory acts on
 *   `active` only when a request changes it (directory-users.ts), so its next rename keeps them on.
 */
import { AccountError } from './account-error.js'
import type { Actor, CoreDeps } from './deps.js'
import { deactivateMember, reactivateMember } from './member-deactivation.js'
import { getOrganization } from './orgs.js'
import type { Member } from './types.js'
import { refuseSetupLink } from './setup-link-access.js'

export type DeactivatedBy = 'directory' | 'owner'

export async function setMemberActive(deps: CoreDeps, orgSlug: string, memberId: string, active: boolean, actor: Actor): Promise<void> {
  refuseSetupLink(actor, 'deactivate or reactivate members')
  const org = await getOrganization(deps, orgSlug)
  if (actor.kind === 'user') {
    const self = await deps.store.members.findByUser(org.id, actor.userId)
    if (self?.role !== 'owner' || self.deactivatedAt !== null) {
      throw new AccountError('not_allowed', 'Only an owner of this organization can deactivate or reactivate its members.')
    }
  }
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    const member = await tx.members.findById(org.id, memberId)
    if (member === undefined) throw new AccountError('member_not_found', 'No such member in this organization.')
    if (active) return reactivateMember(tx, org, member, actor, now)
    if (actor.kind === 'user' && member.user.id === actor.userId) throw new AccountError('not_allowed', 'You cannot deactivate yourself.')
    if (member.role === 'owner') throw new AccountError('not_allowed', 'An owner cannot be deactivated: make them an admin or a member first.')
    return deactivateMember(tx, org, member, actor, now)
  })
}

/**
 * Who switched each deactivated member off: the directory when the member's SCIM user says
 * `active: false`, else an owner (or the operator). Active members are not in the map.
 */
export async function deactivationSources(deps: CoreDeps, members: readonly Member[]): Promise<Map<string, DeactivatedBy>> {
  const sources = new Map<string, DeactivatedBy>()
  for (const member of members) {
    if (member.deactivatedAt === null) continue
    const scimUser = await deps.store.scimUsers.findByMember(member.id)
    sources.set(member.id, scimUser?.active === false ? 'directory' : 'owner')
  }
  return sources
}
