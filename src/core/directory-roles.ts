/**
 * Groups drive roles (DESIGN §8, §2.4): the displayNames of the SCIM groups a member's SCIM user is in
 * are IdP role identifiers for the org's role mapping, as the `roles` attribute is at SSO sign-in.
 * - A group change (members added or removed, a rename, a deletion) recomputes each affected member's
 *   org and workspace roles in the change's transaction, exactly as a sign-in with those roles and no
 *   other attribute would (core/role-mapping.ts rolesFromAssertion): the owner is never lowered; with
 *   no SSO connection or role mapping off, roles stay as they are.
 * - At sign-in (and on the owner's test page), a member linked to a SCIM user of the org's enabled
 *   directory holds the assertion's roles and their group names together, so a sign-in does not undo
 *   the directory.
 */
import { changedFields, recordAudit } from './audit.js'
import type { Actor } from './deps.js'
import { recordMemberUpdated } from './member-events.js'
import type { Stores } from './ports.js'
import { rolesFromAssertion } from './role-mapping.js'
import type { Organization } from './types.js'

export const DIRECTORY_ACTOR: Actor = { kind: 'system', name: 'directory' }

/** The displayNames of the member's groups in the org's enabled directory; [] when the member is not linked to one. */
export async function directoryRolesOf(stores: Pick<Stores, 'scimUsers' | 'directories' | 'scimGroups'>, orgId: string, memberId: string): Promise<string[]> {
  const link = await stores.scimUsers.findByMember(memberId)
  if (link === undefined) return []
  const directory = await stores.directories.findById(link.directoryId)
  if (directory === undefined || !directory.enabled || directory.orgId !== orgId) return []
  return (await stores.scimGroups.listGroupNames([link.id])).get(link.id) ?? []
}

/** Recomputes the roles of these SCIM users' members from their groups (see the header); writes only what changed. */
export async function recomputeDirectoryRoles(
  tx: Stores,
  org: Organization,
  directoryId: string,
  scimUserIds: readonly string[],
  catalogue: readonly string[],
  now: Date,
): Promise<void> {
  if (scimUserIds.length === 0) return
  const connection = await tx.ssoConnections.findByOrg(org.id)
  if (connection === undefined || !connection.policy.roleMapping.enabled) return
  const workspaces = await tx.workspaces.listByOrg(org.id)
  const slugs = workspaces.map((w) => w.slug)
  const memberIds = await tx.scimUsers.findMemberIds(directoryId, [...new Set(scimUserIds)])
  const groupNames = await tx.scimGroups.listGroupNames([...memberIds.keys()])
  for (const [scimUserId, memberId] of memberIds) {
    const member = await tx.members.findById(org.id, memberId)
    if (member === undefined) continue
    const current = { orgRole: member.role, workspaceRoles: member.workspaceRoles, managedByIdp: member.managedByIdp }
    const idpRoles = groupNames.get(scimUserId) ?? []
    // No assertion attributes: per-workspace attributes, if enabled, have nothing to apply.
    const computed = rolesFromAssertion(current, connection.policy, {}, slugs, catalogue, idpRoles)
    if ('code' in computed) continue
    const before = { role: member.role, workspaceRoles: member.workspaceRoles, managedByIdp: member.managedByIdp }
    const after = { role: computed.orgRole, workspaceRoles: computed.workspaceRoles, managedByIdp: computed.managedByIdp }
    const changed = changedFields(before, after)
    if (changed === undefined) continue
    await tx.members.update(member.id, { role: after.role, managedByIdp: after.managedByIdp }, now.toISOString())
    await tx.members.setWorkspaceRoles(
      member.id,
      Object.fromEntries(Object.entries(after.workspaceRoles).map(([slug, role]) => [workspaces.find((w) => w.slug === slug)!.id, role])),
    )
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor: DIRECTORY_ACTOR,
        action: 'member.roles_from_directory',
        target: member.user.email,
        detail: { ...changed, groups: idpRoles.slice(0, 50) },
      },
      now,
    )
    // The event (DESIGN §9) is about roles, in the one member.updated shape; none when only managedByIdp moved.
    await recordMemberUpdated(tx, org, member, now)
  }
}
