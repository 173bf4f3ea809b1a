/**
 * Members: a user's membership in an org, with an org role, the allow-without-SSO flag and
 * workspace roles from the configured catalogue. Owners and admins manage members; admins never
 * touch owners or make anyone owner; an org always keeps at least one owner.
 */
import { AccountError } from './account-error.js'
import { changedFields, recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import { dropLostOidcGrants, revokeOidcAccess } from './oidc-revocation.js'
import { getOrganization } from './orgs.js'
import { DuplicateKeyError, type Stores } from './ports.js'
import { newId } from './secret-token.js'
import { endUserSessions } from './sessions.js'
import { ORG_ROLES, type Member, type Organization, type OrgRole, type WorkspaceRoles } from './types.js'
import { checkEmail, checkName, checkPassword } from './validation.js'
import { keyedRecord } from './keyed-record.js'
import { recordMemberCreated, recordMemberEvent, recordMemberUpdated } from './member-events.js'
import { refuseSetupLink } from './setup-link-access.js'

export interface NewMemberInput {
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  readonly role: OrgRole
  /** Sets the password of a user created here; an existing user keeps theirs. */
  readonly password?: string | undefined
  readonly allowWithoutSso?: boolean | undefined
  readonly workspaceRoles?: WorkspaceRoles | undefined
}

export interface MemberChanges {
  readonly role?: OrgRole | undefined
  readonly allowWithoutSso?: boolean | undefined
  readonly workspaceRoles?: WorkspaceRoles | undefined
}

export function checkOrgRole(role: string): OrgRole {
  if (!(ORG_ROLES as readonly string[]).includes(role)) {
    throw new AccountError('not_allowed', `The org role must be one of ${ORG_ROLES.join(', ')}.`, undefined, 'role')
  }
  return role as OrgRole
}

/** Turns `{workspaceSlug: role}` into `{workspaceId: role}`, refusing unknown workspaces and roles. */
export async function resolveWorkspaceRoles(
  deps: CoreDeps,
  stores: Pick<Stores, 'workspaces'>,
  orgId: string,
  roles: WorkspaceRoles,
): Promise<Record<string, string>> {
  const workspaces = await stores.workspaces.listByOrg(orgId)
  const result = keyedRecord<string>()
  for (const [slug, role] of Object.entries(roles)) {
    const workspace = workspaces.find((w) => w.slug === slug)
    if (workspace === undefined) throw new AccountError('workspace_not_found', `The organization has no workspace "${slug}".`, undefined, 'workspaceRoles')
    if (!deps.settings.workspaceRoles.includes(role)) {
      throw new AccountError(
        'workspace_role_invalid',
        `"${role}" is not a workspace role; use one of ${deps.settings.workspaceRoles.join(', ')}.`,
        undefined,
        'workspaceRoles',
      )
    }
    result[workspace.id] = role
  }
  return result
}

/** Who may manage whom: the operator anyone; an owner anyone; an admin admins and members only. */
export async function authorizeMemberChange(
  deps: CoreDeps,
  org: Organization,
  actor: Actor,
  target: { role: OrgRole } | undefined,
  newRole: OrgRole | undefined,
): Promise<void> {
  refuseSetupLink(actor, 'manage members')
  if (actor.kind !== 'user') return
  const self = await deps.store.members.findByUser(org.id, actor.userId)
  if (self === undefined || self.role === 'member') {
    throw new AccountError('not_allowed', 'Only owners and admins of this organization can manage its members.')
  }
  if (self.role === 'admin' && (target?.role === 'owner' || newRole === 'owner')) {
    throw new AccountError('not_allowed', 'Only an owner can add, change or remove owners.')
  }
}

/**
 * DESIGN §2: SSO policy is the owner's alone, and *allow access without SSO* is policy: an admin may
 * neither set nor clear it (not even for themselves). The operator may. No change asked, no check.
 */
export async function authorizeSsoExemption(deps: CoreDeps, org: Organization, actor: Actor, before: boolean, after: boolean | undefined): Promise<void> {
  refuseSetupLink(actor, 'manage members')
  if (after === undefined || after === before || actor.kind !== 'user') return
  const self = await deps.store.members.findByUser(org.id, actor.userId)
  if (self?.role !== 'owner') {
    throw new AccountError('not_allowed', "Only an owner can allow or stop a member's access without SSO.", undefined, 'allowWithoutSso')
  }
}

export async function addMember(deps: CoreDeps, orgSlug: string, input: NewMemberInput, actor: Actor): Promise<Member> {
  const org = await getOrganization(deps, orgSlug)
  const role = checkOrgRole(input.role)
  await authorizeMemberChange(deps, org, actor, undefined, role)
  await authorizeSsoExemption(deps, org, actor, false, input.allowWithoutSso)
  const email = checkEmail(input.email)
  const firstName = checkName(input.firstName, 'firstName', 'First name', { required: false })
  const lastName = checkName(input.lastName, 'lastName', 'Last name', { required: false })
  const passwordHash = input.password === undefined ? null : await deps.hasher.hash(checkPassword(input.password, email))
  const now = deps.clock.now()
  const memberId = newId()
  await deps.store.transaction(async (tx) => {
    const roles = await resolveWorkspaceRoles(deps, tx, org.id, input.workspaceRoles ?? {})
    let user = await tx.users.findByEmail(email)
    if (user === undefined) {
      const id = newId()
      await tx.users.insert({ id, email, firstName, lastName, passwordHash, createdAt: now.toISOString() })
      user = { id, email, firstName, lastName, hasPassword: passwordHash !== null, createdAt: now.toISOString() }
    }
    try {
      await tx.members.insert({
        id: memberId,
        orgId: org.id,
        userId: user.id,
        role,
        allowWithoutSso: input.allowWithoutSso ?? false,
        createdAt: now.toISOString(),
      })
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new AccountError('member_exists', `${email} is already a member of this organization.`, undefined, 'email')
      throw error
    }
    await tx.members.setWorkspaceRoles(memberId, roles)
    await tx.invitations.deleteByEmail(org.id, email)
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor,
        action: 'member.added',
        target: user.email,
        detail: { role, allowWithoutSso: input.allowWithoutSso ?? false, workspaceRoles: input.workspaceRoles ?? {} },
      },
      now,
    )
    await recordMemberCreated(tx, org, memberId, now)
  })
  return getMember(deps, orgSlug, memberId)
}

export async function listMembers(deps: CoreDeps, orgSlug: string): Promise<Member[]> {
  const org = await getOrganization(deps, orgSlug)
  return deps.store.members.listByOrg(org.id)
}

/** `ref` is a member id or the member's email. */
export async function getMember(deps: CoreDeps, orgSlug: string, ref: string): Promise<Member> {
  const org = await getOrganization(deps, orgSlug)
  return findMemberOrThrow(deps, org, ref)
}

async function findMemberOrThrow(deps: CoreDeps, org: Organization, ref: string): Promise<Member> {
  let member: Member | undefined
  if (ref.includes('@')) {
    const user = await deps.store.users.findByEmail(ref)
    member = user && (await deps.store.members.findByUser(org.id, user.id))
  } else {
    member = await deps.store.members.findById(org.id, ref)
  }
  if (member === undefined) throw new AccountError('member_not_found', 'No such member in this organization.')
  return member
}

export async function updateMember(deps: CoreDeps, orgSlug: string, ref: string, changes: MemberChanges, actor: Actor): Promise<Member> {
  const org = await getOrganization(deps, orgSlug)
  const member = await findMemberOrThrow(deps, org, ref)
  const role = changes.role === undefined ? undefined : checkOrgRole(changes.role)
  await authorizeMemberChange(deps, org, actor, member, role)
  await authorizeSsoExemption(deps, org, actor, member.allowWithoutSso, changes.allowWithoutSso)
  if (member.managedByIdp && ((role !== undefined && role !== member.role) || changes.workspaceRoles !== undefined)) {
    throw new AccountError(
      'member_managed_by_idp',
      "This member's roles come from the identity provider's role mapping: change their groups in the IdP, or turn role mapping off.",
      undefined,
      'role',
    )
  }
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    if (member.role === 'owner' && role !== undefined && role !== 'owner' && (await tx.members.countOwners(org.id)) <= 1) {
      throw new AccountError('last_owner', "This is the organization's only owner; make someone else owner first.", undefined, 'role')
    }
    await tx.members.update(member.id, { role, allowWithoutSso: changes.allowWithoutSso }, now.toISOString())
    if (changes.workspaceRoles !== undefined) {
      await tx.members.setWorkspaceRoles(member.id, await resolveWorkspaceRoles(deps, tx, org.id, changes.workspaceRoles))
    }
    const changed = changedFields(
      { role: member.role, allowWithoutSso: member.allowWithoutSso, workspaceRoles: member.workspaceRoles },
      { role, allowWithoutSso: changes.allowWithoutSso, workspaceRoles: changes.workspaceRoles },
    )
    if (changed !== undefined) await recordAudit(tx, { orgId: org.id, actor, action: 'member.updated', target: member.user.email, detail: changed }, now)
    await recordMemberUpdated(tx, org, member, now)
  })
  // A cleared exemption (or role change) may end how an app's grant signed in: dropped for good.
  await dropLostOidcGrants(deps, org.id, member.user.id)
  return findMemberOrThrow(deps, org, member.id)
}

export async function removeMember(deps: CoreDeps, orgSlug: string, ref: string, actor: Actor): Promise<void> {
  const org = await getOrganization(deps, orgSlug)
  const member = await findMemberOrThrow(deps, org, ref)
  await authorizeMemberChange(deps, org, actor, member, undefined)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    if (member.role === 'owner' && (await tx.members.countOwners(org.id)) <= 1) {
      throw new AccountError('last_owner', "This is the organization's only owner and cannot be removed.")
    }
    await tx.members.delete(member.id)
    // Sessions made for this org (API tokens, SSO sessions) end with the membership, so re-adding
    // the person later does not bring an old token back to life.
    // Logout everywhere (DESIGN §5): the apps signed in during them get logout tokens.
    await endUserSessions(tx, { userId: member.user.id, orgId: org.id }, 'removed', now)
    // Personal API tokens belong to the membership too (they are checked live as well; this keeps
    // a re-added member from finding old tokens working again).
    await tx.apiTokens.deleteByMember(member.user.id, org.id)
    // OIDC grants and refresh tokens for this org too, for good (DESIGN §5): re-adding does not revive them.
    await revokeOidcAccess(tx, member.user.id, org.id, now.toISOString())
    await recordAudit(tx, { orgId: org.id, actor, action: 'member.removed', target: member.user.email, detail: { role: member.role } }, now)
    await recordMemberEvent(tx, 'member.removed', org, member, now)
  })
}
