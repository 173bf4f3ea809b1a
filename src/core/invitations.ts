/**
 * Invitations: an owner or admin invites an email with a role; the link in the mail is single use
 * and expires; the mail is queued with the invitation (core/mail.ts). Accepting creates the user (or proves it is them) and the membership in one transaction.
 */
import { AccountError } from './account-error.js'
import { recordAudit } from './audit.js'
import { addMs, days } from './clock.js'
import type { Actor, CoreDeps } from './deps.js'
import { enqueueMail } from './mail.js'
import { recordMemberCreated } from './member-events.js'
import { authorizeMemberChange, checkOrgRole, resolveWorkspaceRoles } from './members.js'
import { getOrganization } from './orgs.js'
import { DuplicateKeyError } from './ports.js'
import { hashSecretToken, newId, newSecretToken } from './secret-token.js'
import type { Invitation, Organization, OrgRole, User, WorkspaceRoles } from './types.js'
import { checkEmail, checkName, checkPassword } from './validation.js'

export const INVITATION_LIFETIME = days(7)

export async function inviteMember(
  deps: CoreDeps,
  orgSlug: string,
  input: { email: string; role: OrgRole; workspaceRoles?: WorkspaceRoles },
  actor: Actor,
): Promise<Invitation> {
  const org = await getOrganization(deps, orgSlug)
  const role = checkOrgRole(input.role)
  await authorizeMemberChange(deps, org, actor, undefined, role)
  const email = checkEmail(input.email)
  const existing = await deps.store.users.findByEmail(email)
  if (existing !== undefined && (await deps.store.members.findByUser(org.id, existing.id)) !== undefined) {
    throw new AccountError('member_exists', `${email} is already a member of this organization.`, undefined, 'email')
  }
  const token = newSecretToken()
  const now = deps.clock.now()
  const invitation: Invitation = {
    id: newId(),
    orgId: org.id,
    email,
    role,
    workspaceRoles: input.workspaceRoles ?? {},
    createdAt: now.toISOString(),
    expiresAt: addMs(now, INVITATION_LIFETIME).toISOString(),
  }
  await deps.store.transaction(async (tx) => {
    await resolveWorkspaceRoles(deps, tx, org.id, invitation.workspaceRoles)
    await tx.invitations.deleteByEmail(org.id, email)
    await tx.invitations.insert({ ...invitation, tokenHash: hashSecretToken(token), invitedBy: actor.kind === 'user' ? actor.userId : null })
    await recordAudit(
      tx,
      { orgId: org.id, actor, action: 'invitation.created', target: email, detail: { role, workspaceRoles: invitation.workspaceRoles } },
      now,
    )
    await enqueueMail(
      tx,
      deps.settings.secretKey,
      {
        to: email,
        subject: `You are invited to ${org.name} on Gatehouse`,
        text: [
          `You have been invited to join ${org.name} as ${role}.`,
          '',
          'Accept the invitation here (the link works once and expires in 7 days):',
          `${deps.settings.baseUrl}/invitations/accept?token=${token}`,
          '',
          'If you did not expect this, ignore this message.',
        ].join('\n'),
      },
      now,
    )
  })
  return invitation
}

export async function listInvitations(deps: CoreDeps, orgSlug: string): Promise<Invitation[]> {
  const org = await getOrganization(deps, orgSlug)
  return deps.store.invitations.listByOrg(org.id, deps.clock.now().toISOString())
}

export async function revokeInvitation(deps: CoreDeps, orgSlug: string, id: string, actor: Actor): Promise<void> {
  const org = await getOrganization(deps, orgSlug)
  const invitation = (await deps.store.invitations.listByOrg(org.id, deps.clock.now().toISOString())).find((i) => i.id === id)
  // An invitation to be owner is an owner's business, like the owner it would make.
  await authorizeMemberChange(deps, org, actor, invitation === undefined ? undefined : { role: invitation.role }, undefined)
  await deps.store.transaction(async (tx) => {
    if (!(await tx.invitations.delete(org.id, id))) throw new AccountError('invitation_invalid', 'That invitation no longer exists.')
    await recordAudit(tx, { orgId: org.id, actor, action: 'invitation.revoked', target: id }, deps.clock.now())
  })
}

export interface PendingInvitation {
  readonly invitation: Invitation
  readonly org: Organization
  readonly existingUser: User | undefined
}

const INVALID = 'This invitation link is not valid any more: it was used, revoked or has expired. Ask for a new one.'

export async function describeInvitation(deps: CoreDeps, token: string): Promise<PendingInvitation> {
  const invitation = await deps.store.invitations.findByToken(hashSecretToken(token), deps.clock.now().toISOString())
  if (invitation === undefined) throw new AccountError('invitation_invalid', INVALID)
  const org = await deps.store.orgs.findById(invitation.orgId)
  if (org === undefined) throw new AccountError('invitation_invalid', INVALID)
  return { invitation, org, existingUser: await deps.store.users.findByEmail(invitation.email) }
}

export interface Acceptance {
  /** For a new user, or an existing user who has no password yet. */
  readonly firstName?: string | undefined
  readonly lastName?: string | undefined
  readonly password?: string | undefined
  /** The user already signed in; must be the invited email. */
  readonly signedInUserId?: string | undefined
}

/**
 * Consumes the invitation and makes the membership. An existing user who has a password must be
 * signed in as the invited email (the page asks them to sign in first).
 */
export async function acceptInvitation(deps: CoreDeps, token: string, input: Acceptance): Promise<{ user: User; org: Organization }> {
  const pending = await describeInvitation(deps, token)
  const { invitation, org, existingUser } = pending
  let passwordHash: string | null = null
  if (existingUser === undefined || !existingUser.hasPassword) {
    passwordHash = await deps.hasher.hash(checkPassword(input.password ?? '', invitation.email))
  } else if (input.signedInUserId !== existingUser.id) {
    throw new AccountError('not_allowed', `Sign in as ${invitation.email} to accept this invitation.`)
  }
  // Names are asked only of a user who sets a password here; one who signed in keeps theirs (the form
  // sends empty name fields, or none, and must not fail on them).
  const firstName =
    passwordHash === null ? (existingUser?.firstName ?? '') : checkName(input.firstName || existingUser?.firstName || '', 'firstName', 'First name')
  const lastName = passwordHash === null ? (existingUser?.lastName ?? '') : checkName(input.lastName || existingUser?.lastName || '', 'lastName', 'Last name')
  const now = deps.clock.now()
  const user = await deps.store.transaction(async (tx) => {
    const consumed = await tx.invitations.consume(hashSecretToken(token), now.toISOString())
    if (consumed === undefined) throw new AccountError('invitation_invalid', INVALID)
    let user = await tx.users.findByEmail(consumed.email)
    if (user === undefined) {
      const id = newId()
      await tx.users.insert({ id, email: consumed.email, firstName, lastName, passwordHash, createdAt: now.toISOString() })
      user = { id, email: consumed.email, firstName, lastName, hasPassword: true, createdAt: now.toISOString() }
    } else if (passwordHash !== null) {
      await tx.users.setPasswordHash(user.id, passwordHash, now.toISOString())
      await tx.users.updateNames(user.id, firstName, lastName, now.toISOString())
    }
    const memberId = newId()
    try {
      await tx.members.insert({ id: memberId, orgId: org.id, userId: user.id, role: consumed.role, allowWithoutSso: false, createdAt: now.toISOString() })
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new AccountError('member_exists', `${consumed.email} is already a member of ${org.name}.`)
      throw error
    }
    await tx.members.setWorkspaceRoles(memberId, await resolveWorkspaceRoles(deps, tx, org.id, consumed.workspaceRoles).catch(() => ({})))
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor: { kind: 'user', userId: user.id, email: user.email },
        action: 'invitation.accepted',
        target: user.email,
        detail: { role: consumed.role },
      },
      now,
    )
    await recordMemberCreated(tx, org, memberId, now)
    return user
  })
  return { user, org }
}
