/**
 * SCIM Users of a directory (DESIGN §8) as members of its org. Rules:
 * - who may be provisioned follows the JIT rules of §2: a new account, or an existing one whose email
 *   is in one of the org's verified domains (or that is a member of the org already: a first sync
 *   matches existing members); with verified domains, only their emails; never an email of a domain
 *   another org verified;
 * - a SCIM user is linked to one member; its userName is unique in the directory, case-insensitively;
 * - `active: false` deactivates the member, `true` reactivates, DELETE removes the membership
 *   (core/member-deactivation.ts); every change is audited and an event, in one transaction.
 * Protocol refusals are thrown as ScimError (the routes answer them as SCIM errors).
 */
import { matchesUserQuery } from '../scim/filter-match.js'
import { foldCase, type ScimUserQuery } from '../scim/filter.js'
import type { ScimPage } from '../scim/list.js'
import { ScimError } from '../scim/error.js'
import { patchUser } from '../scim/patch.js'
import { findUserEmail, parseUserBody, userDataToJson, type ScimUser, type ScimUserData } from '../scim/user.js'
import { recordAudit } from './audit.js'
import type { CoreDeps } from './deps.js'
import type { DirectoryCaller } from './directory-auth.js'
import type { ScimUserRecord, ScimUserWhere } from './directory-ports.js'
import { DIRECTORY_ACTOR } from './directory-roles.js'
import { emailDomainOf } from './domain-name.js'
import { isEmailInVerifiedDomains } from './email-domains.js'
import { recordMemberCreated, recordMemberUpdated } from './member-events.js'
import { neutralizeName } from './invisible-characters.js'
import { deactivateMember, deleteMembership, reactivateMember } from './member-deactivation.js'
import { DuplicateKeyError, type Stores } from './ports.js'
import { newId } from './secret-token.js'
import { checkEmail } from './validation.js'
import type { Member, Organization, User } from './types.js'

/** Filters on emails run in memory over at most this many users of the directory. */
const MEMORY_FILTER_LIMIT = 100_000

export function toScimUser(record: ScimUserRecord): ScimUser {
  const parsed = parseUserBody(JSON.parse(record.attributes))
  if (!parsed.ok) throw new Error(`stored SCIM user ${record.id} is unreadable: ${parsed.error.message}`)
  return { ...parsed.value, id: record.id, meta: { created: record.createdAt, lastModified: record.updatedAt } }
}

const notFound = () => new ScimError('notFound', 'No user of this directory has this id.')
const taken = () => new ScimError('uniqueness', 'A user of this directory has this userName already.')

export async function listScimUsers(
  deps: CoreDeps,
  caller: DirectoryCaller,
  query: ScimUserQuery,
  page: ScimPage,
): Promise<{ users: ScimUser[]; total: number }> {
  const directoryId = caller.directory.id
  const where: ScimUserWhere[] = []
  let inMemory = false
  for (const c of query.conditions) {
    if (c.attribute === 'emails.value') inMemory = true
    else where.push({ attribute: c.attribute, value: c.attribute === 'userName' ? foldCase(c.value) : c.value })
  }
  if (!inMemory) {
    const rows = page.count === 0 ? [] : await deps.store.scimUsers.list(directoryId, where, page.startIndex - 1, page.count)
    // A page that is not full and not past the end is the last one: its rows give the total without a
    // count (one statement less for the IdPs' `userName eq` lookups, which match one user or none).
    const last = rows.length < page.count && (rows.length > 0 || page.startIndex === 1)
    const total = last ? page.startIndex - 1 + rows.length : await deps.store.scimUsers.count(directoryId, where)
    return { users: rows.map(toScimUser), total }
  }
  const matched = (await deps.store.scimUsers.list(directoryId, where, 0, MEMORY_FILTER_LIMIT)).map(toScimUser).filter((u) => matchesUserQuery(u, query))
  return { users: matched.slice(page.startIndex - 1, page.startIndex - 1 + page.count), total: matched.length }
}

export async function getScimUser(deps: CoreDeps, caller: DirectoryCaller, id: string): Promise<ScimUser> {
  const record = await deps.store.scimUsers.find(caller.directory.id, id)
  if (record === undefined) throw notFound()
  return toScimUser(record)
}

function namesOf(data: ScimUserData): { firstName: string | undefined; lastName: string | undefined } {
  const clean = (value: string | undefined) => (value === undefined ? undefined : neutralizeName(value).trim().slice(0, 200))
  return { firstName: clean(data.name?.givenName), lastName: clean(data.name?.familyName) }
}

function emailOf(data: ScimUserData): string {
  const email = findUserEmail(data)
  try {
    if (email !== undefined) return checkEmail(email)
  } catch {
    // Below: the same answer for a missing and an unusable address.
  }
  throw new ScimError('invalidValue', "userName (or a primary email) must be the user's email address.")
}

/** Whether the org holds the email's domain verified (then its IdP may speak for an account beyond it). */
async function ownsDomain(tx: Stores, org: Organization, email: string): Promise<boolean> {
  const domain = emailDomainOf(email)
  return domain !== undefined && (await tx.emailDomains.findVerified(domain))?.orgId === org.id
}

/** The member this SCIM user is: an existing member of the org, or one provisioned by the JIT rules. */
async function memberFor(tx: Stores, org: Organization, email: string, data: ScimUserData, now: Date): Promise<{ member: Member; created: boolean }> {
  let user: User | undefined = await tx.users.findByEmail(email)
  const existing = user && (await tx.members.findByUser(org.id, user.id))
  if (existing !== undefined) return { member: existing, created: false }
  const refuse = (why: string) => new ScimError('invalidValue', `${email} may not be provisioned into this organization: ${why}`)
  if (!isEmailInVerifiedDomains(email, await tx.emailDomains.listByOrg(org.id)))
    throw refuse("its email domain is not one of the organization's verified domains.")
  const domain = emailDomainOf(email)
  const holder = domain === undefined ? undefined : await tx.emailDomains.findVerified(domain)
  if (holder !== undefined && holder.orgId !== org.id) throw refuse('another organization verified its email domain.')
  // An existing account joins through the org that verified its domain, or when this directory removed it before (it adds back its own).
  if (user !== undefined && !(await ownsDomain(tx, org, email)) && !(await tx.directories.isRemoved(org.id, user.id))) {
    throw refuse('the account exists already; invite it, or verify its email domain.')
  }
  if (user === undefined) {
    const { firstName, lastName } = namesOf(data)
    const id = newId()
    await tx.users.insert({ id, email, firstName: firstName ?? '', lastName: lastName ?? '', passwordHash: null, createdAt: now.toISOString() })
    user = { id, email, firstName: firstName ?? '', lastName: lastName ?? '', hasPassword: false, createdAt: now.toISOString() }
  }
  const memberId = newId()
  await tx.members.insert({ id: memberId, orgId: org.id, userId: user.id, role: 'member', allowWithoutSso: false, createdAt: now.toISOString() })
  await recordAudit(
    tx,
    { orgId: org.id, actor: DIRECTORY_ACTOR, action: 'member.provisioned', target: email, detail: { role: 'member', via: 'directory' } },
    now,
  )
  return { member: (await tx.members.findById(org.id, memberId))!, created: true }
}

/**
 * The directory never leaves the org without an active owner, by deactivating or by removing its last
 * one (an owner's own switch refuses owners altogether, member-status.ts): 400 `mutability`, nothing
 * changed, until another owner is active. Deactivated owners do not count: they cannot sign in.
 */
async function keepAnActiveOwner(tx: Stores, org: Organization, member: Member, doing: 'deactivate' | 'remove'): Promise<void> {
  if (member.role !== 'owner' || (doing === 'deactivate' && member.deactivatedAt !== null)) return
  await tx.members.countOwners(org.id) // locks the owner rows on PostgreSQL, as for a demotion (member-repository.ts)
  const others = (await tx.members.listByOrg(org.id)).filter((m) => m.role === 'owner' && m.deactivatedAt === null && m.id !== member.id)
  if (others.length > 0) return
  throw new ScimError('mutability', `This is the organization's only active owner: the directory cannot ${doing} them. Make someone else owner first.`)
}

function recordOf(caller: DirectoryCaller, id: string, memberId: string, data: ScimUserData, createdAt: string, now: Date): ScimUserRecord {
  return {
    id,
    directoryId: caller.directory.id,
    memberId,
    externalId: data.externalId ?? null,
    userName: data.userName,
    userNameFolded: foldCase(data.userName),
    active: data.active,
    attributes: JSON.stringify(userDataToJson(data)),
    createdAt,
    updatedAt: now.toISOString(),
  }
}

export async function createScimUser(deps: CoreDeps, caller: DirectoryCaller, data: ScimUserData): Promise<ScimUser> {
  const email = emailOf(data)
  const now = deps.clock.now()
  const { org } = caller
  try {
    const record = await deps.store.transaction(async (tx) => {
      if ((await tx.scimUsers.count(caller.directory.id, [{ attribute: 'userName', value: foldCase(data.userName) }])) > 0) throw taken()
      const { member, created } = await memberFor(tx, org, email, data, now)
      if (!created && (await tx.scimUsers.findByMember(member.id)) !== undefined) {
        throw new ScimError('uniqueness', 'This member is provisioned already, as another user of this directory.')
      }
      const row = recordOf(caller, newId(), member.id, data, now.toISOString(), now)
      await tx.scimUsers.insert(row)
      await tx.directories.forgetRemoval(org.id, member.user.id)
      if (created) await recordMemberCreated(tx, org, member.id, now)
      if (!data.active) {
        await keepAnActiveOwner(tx, org, member, 'deactivate')
        await deactivateMember(tx, org, member, DIRECTORY_ACTOR, now)
      } else await reactivateMember(tx, org, member, DIRECTORY_ACTOR, now)
      return row
    })
    return toScimUser(record)
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw taken()
    throw error
  }
}

/** PUT: the body replaces every attribute the IdP controls. */
export async function replaceScimUser(deps: CoreDeps, caller: DirectoryCaller, id: string, data: ScimUserData): Promise<ScimUser> {
  return changeScimUser(deps, caller, id, () => data)
}

export async function patchScimUser(deps: CoreDeps, caller: DirectoryCaller, id: string, body: unknown): Promise<ScimUser> {
  return changeScimUser(deps, caller, id, (before) => {
    const patched = patchUser(before, body)
    if (!patched.ok) throw patched.error
    return patched.value.user
  })
}

async function changeScimUser(deps: CoreDeps, caller: DirectoryCaller, id: string, change: (before: ScimUser) => ScimUserData): Promise<ScimUser> {
  const now = deps.clock.now()
  const { org } = caller
  try {
    const record = await deps.store.transaction(async (tx) => {
      const stored = await tx.scimUsers.find(caller.directory.id, id)
      if (stored === undefined) throw notFound()
      const before = toScimUser(stored)
      const after = change(before)
      const member = await tx.members.findById(org.id, stored.memberId)
      if (member === undefined) throw notFound()
      const row = recordOf(caller, stored.id, stored.memberId, after, stored.createdAt, now)
      await tx.scimUsers.update(row)
      // Names move only when the directory changed them: an SSO sign-in may have renamed the person since.
      const [was, is] = [namesOf(before), namesOf(after)]
      if (was.firstName !== is.firstName || was.lastName !== is.lastName) await applyNames(tx, org, member, after, now)
      // `active` acts when the directory changes it: an update that leaves it as it was (a rename) neither
      // undoes an owner's deactivation nor switches off someone the owner brought back.
      if (before.active && !after.active) {
        await keepAnActiveOwner(tx, org, member, 'deactivate')
        await deactivateMember(tx, org, member, DIRECTORY_ACTOR, now)
      } else if (!before.active && after.active) await reactivateMember(tx, org, member, DIRECTORY_ACTOR, now)
      return row
    })
    return toScimUser(record)
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw taken()
    throw error
  }
}

/** Names are the person's, shown in every org: renamed only for someone in this org alone, or of a domain it verified. */
async function applyNames(tx: Stores, org: Organization, member: Member, data: ScimUserData, now: Date): Promise<void> {
  const { firstName, lastName } = namesOf(data)
  const user = member.user
  if ((firstName === undefined || firstName === user.firstName) && (lastName === undefined || lastName === user.lastName)) return
  const elsewhere = (await tx.members.listMemberships(user.id)).some((m) => m.org.id !== org.id)
  if (elsewhere && !(await ownsDomain(tx, org, user.email))) return
  const next = { firstName: firstName ?? user.firstName, lastName: lastName ?? user.lastName }
  await tx.users.updateNames(user.id, next.firstName, next.lastName, now.toISOString())
  const detail = { before: { firstName: user.firstName, lastName: user.lastName }, after: next }
  await recordAudit(tx, { orgId: org.id, actor: DIRECTORY_ACTOR, action: 'member.updated', target: user.email, detail }, now)
  await recordMemberUpdated(tx, org, member, now)
}

/** DELETE: the membership goes, with its sessions, tokens and grants; the org's last active owner stays. */
export async function deleteScimUser(deps: CoreDeps, caller: DirectoryCaller, id: string): Promise<void> {
  const now = deps.clock.now()
  const { org } = caller
  await deps.store.transaction(async (tx) => {
    const stored = await tx.scimUsers.find(caller.directory.id, id)
    if (stored === undefined) throw notFound()
    const member = await tx.members.findById(org.id, stored.memberId)
    if (member === undefined) throw notFound()
    await keepAnActiveOwner(tx, org, member, 'remove')
    await tx.scimUsers.delete(caller.directory.id, id)
    await deleteMembership(tx, org, member, DIRECTORY_ACTOR, now)
    // As firm as a deactivation: no assertion and no JIT brings them back; only the directory (or an owner's invitation).
    await tx.directories.rememberRemoval(org.id, member.user.id, now.toISOString())
  })
}
