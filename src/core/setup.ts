/**
 * The first organization and its owner. While no organization exists, each start prints a one-time
 * set-up link; using it creates the org, the user and the owner membership in one transaction.
 * The CLI's `create-owner` is the operator's way to the same place at any time.
 */
import { AccountError } from './account-error.js'
import { recordAudit } from './audit.js'
import { addMs, days, hours } from './clock.js'
import type { Actor, CoreDeps } from './deps.js'
import { recordEvent } from './events.js'
import { organizationSnapshot, recordMemberCreated, recordMemberUpdated } from './member-events.js'
import { insertOrg } from './orgs.js'
import { issuePasswordLink } from './password-reset.js'
import { hashSecretToken, newId, newSecretToken } from './secret-token.js'
import type { Organization, OrgRole, User } from './types.js'
import { checkEmail, checkName, checkOrgSlug, checkPassword } from './validation.js'

export async function isSetupOpen(deps: CoreDeps): Promise<boolean> {
  return (await deps.store.orgs.count()) === 0
}

/** A one-time link for the first owner, or undefined when an organization exists already. */
export async function issueSetupLink(deps: CoreDeps): Promise<string | undefined> {
  if (!(await isSetupOpen(deps))) return undefined
  const token = newSecretToken()
  const now = deps.clock.now()
  await deps.store.oneTimeTokens.insert({
    tokenHash: hashSecretToken(token),
    purpose: 'setup',
    userId: null,
    createdAt: now.toISOString(),
    expiresAt: addMs(now, hours(24)).toISOString(),
  })
  return `${deps.settings.baseUrl}/setup?token=${token}`
}

const CLOSED =
  'This set-up link is not valid: it was used, has expired, or Gatehouse is set up already. Restart Gatehouse for a new link, or use `gatehouse create-owner`.'

export async function isSetupLinkLive(deps: CoreDeps, token: string): Promise<boolean> {
  return (await isSetupOpen(deps)) && (await deps.store.oneTimeTokens.isLive(hashSecretToken(token), 'setup', deps.clock.now().toISOString()))
}

export interface SetupInput {
  readonly orgName: string
  readonly orgSlug: string
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  readonly password: string
}

export async function completeSetup(deps: CoreDeps, token: string, input: SetupInput): Promise<{ user: User; org: Organization }> {
  const org: Organization = {
    id: newId(),
    name: checkName(input.orgName, 'orgName', 'The organization name'),
    slug: checkOrgSlug(input.orgSlug),
    createdAt: deps.clock.now().toISOString(),
  }
  const email = checkEmail(input.email)
  const firstName = checkName(input.firstName, 'firstName', 'First name')
  const lastName = checkName(input.lastName, 'lastName', 'Last name')
  const passwordHash = await deps.hasher.hash(checkPassword(input.password, email))
  if (!(await isSetupLinkLive(deps, token))) throw new AccountError('setup_closed', CLOSED)
  const now = deps.clock.now()
  const user: User = { id: newId(), email, firstName, lastName, hasPassword: true, createdAt: now.toISOString() }
  await deps.store.transaction(async (tx) => {
    if ((await tx.oneTimeTokens.consume(hashSecretToken(token), 'setup', now.toISOString())) === undefined || (await tx.orgs.count()) > 0) {
      throw new AccountError('setup_closed', CLOSED)
    }
    await insertOrg(tx.orgs.insert(org), org.slug)
    const existing = await tx.users.findByEmail(email)
    if (existing !== undefined) throw new AccountError('setup_closed', CLOSED, 'a user exists already')
    await tx.users.insert({ ...user, passwordHash })
    const memberId = newId()
    await tx.members.insert({ id: memberId, orgId: org.id, userId: user.id, role: 'owner', allowWithoutSso: false, createdAt: now.toISOString() })
    const actor: Actor = { kind: 'user', userId: user.id, email }
    await recordAudit(tx, { orgId: org.id, actor, action: 'org.created', target: org.slug, detail: { name: org.name, slug: org.slug, via: 'setup' } }, now)
    await recordAudit(tx, { orgId: org.id, actor, action: 'member.added', target: email, detail: { role: 'owner' } }, now)
    await recordEvent(tx, { type: 'organization.created', orgId: org.id, data: { organization: organizationSnapshot(org) } }, now)
    await recordMemberCreated(tx, org, memberId, now)
  })
  return { user, org }
}

export interface CreateOwnerResult {
  readonly org: Organization
  readonly user: User
  readonly createdOrg: boolean
  readonly createdUser: boolean
  /** The user's role in the org before: undefined when they were not a member (added as owner). */
  readonly previousRole: OrgRole | undefined
  /** A single-use link to set a password, for a user who has none. */
  readonly passwordLink: string | undefined
}

/** The operator's `gatehouse create-owner --org SLUG --email E`: creates what is missing, promotes to owner. */
export async function createOwner(deps: CoreDeps, input: { orgSlug: string; email: string; orgName?: string | undefined }): Promise<CreateOwnerResult> {
  const slug = checkOrgSlug(input.orgSlug)
  const email = checkEmail(input.email)
  const now = deps.clock.now()
  const actor: Actor = { kind: 'operator' }
  const result = await deps.store.transaction(async (tx) => {
    let org = await tx.orgs.findBySlug(slug)
    const createdOrg = org === undefined
    if (org === undefined) {
      org = { id: newId(), name: checkName(input.orgName ?? slug, 'orgName', 'The organization name'), slug, createdAt: now.toISOString() }
      await insertOrg(tx.orgs.insert(org), slug)
      await recordAudit(tx, { orgId: org.id, actor, action: 'org.created', target: slug, detail: { name: org.name, slug, via: 'cli' } }, now)
      await recordEvent(tx, { type: 'organization.created', orgId: org.id, data: { organization: organizationSnapshot(org) } }, now)
    }
    let user = await tx.users.findByEmail(email)
    const createdUser = user === undefined
    if (user === undefined) {
      user = { id: newId(), email, firstName: '', lastName: '', hasPassword: false, createdAt: now.toISOString() }
      await tx.users.insert({ ...user, passwordHash: null })
    }
    const member = await tx.members.findByUser(org.id, user.id)
    if (member === undefined) {
      const memberId = newId()
      await tx.members.insert({ id: memberId, orgId: org.id, userId: user.id, role: 'owner', allowWithoutSso: false, createdAt: now.toISOString() })
      await recordMemberCreated(tx, org, memberId, now)
    } else if (member.role !== 'owner') {
      await tx.members.update(member.id, { role: 'owner' }, now.toISOString())
      await recordMemberUpdated(tx, org, member, now)
    }
    if (member?.role !== 'owner') {
      await recordAudit(
        tx,
        { orgId: org.id, actor, action: member === undefined ? 'member.added' : 'member.updated', target: email, detail: { role: 'owner', via: 'cli' } },
        now,
      )
    }
    return { org, user, createdOrg, createdUser, previousRole: member?.role }
  })
  const passwordLink = result.user.hasPassword ? undefined : await issuePasswordLink(deps, result.user.id, days(1))
  return { ...result, passwordLink }
}
