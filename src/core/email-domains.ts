/**
 * An org's email domains (DESIGN §3, issue 5): owners add them, and a domain counts once verified —
 * by a DNS TXT record `gatehouse-verification=<token>` at the domain itself, or by the operator.
 * A verified domain belongs to one org only (a unique index decides a race): another org may add
 * it, pending, but cannot verify it until the holder removes it (or the operator does), as with
 * Okta's and Atlassian's domain claims. Verified domains route "Sign in with SSO" by email and,
 * when an org has any, limit just-in-time provisioning to emails of those domains.
 *
 * Owners change domains, admins read them, the operator does both and may mark one verified
 * without DNS. Every change is in the org's audit log with a before/after.
 */
import { AccountError } from './account-error.js'
import { recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import { emailDomainOf, normalizeDomain, verificationRecord, type EmailDomain } from './domain-name.js'
import { getOrganization } from './orgs.js'
import { DuplicateKeyError } from './ports.js'
import { newId, newSecretToken } from './secret-token.js'
import type { Enforcement } from './sso-connection.js'
import { SsoError } from './sso-error.js'
import type { Organization } from './types.js'

/** Enough for any real company's mail domains; a cap keeps one org from filling the table. */
export const MAX_DOMAINS_PER_ORG = 100

async function authorize(deps: CoreDeps, org: Organization, actor: Actor, write: boolean): Promise<void> {
  if (actor.kind === 'operator') return
  const member = actor.kind === 'user' ? await deps.store.members.findByUser(org.id, actor.userId) : undefined
  if (member === undefined || member.role === 'member' || (write && member.role !== 'owner')) {
    throw new AccountError(
      'not_allowed',
      write ? "Only the organization's owner can change its email domains." : "Only owners and admins can see the organization's email domains.",
    )
  }
}

const byName = (a: EmailDomain, b: EmailDomain) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0)

export async function listEmailDomains(deps: CoreDeps, orgSlug: string, actor: Actor): Promise<EmailDomain[]> {
  const org = await getOrganization(deps, orgSlug)
  await authorize(deps, org, actor, false)
  return (await deps.store.emailDomains.listByOrg(org.id)).sort(byName)
}

export async function getEmailDomain(deps: CoreDeps, orgSlug: string, domain: string, actor: Actor): Promise<EmailDomain> {
  const org = await getOrganization(deps, orgSlug)
  await authorize(deps, org, actor, false)
  return findOrThrow(deps, org, domain)
}

async function findOrThrow(deps: CoreDeps, org: Organization, domain: string): Promise<EmailDomain> {
  let name: string | undefined
  try {
    name = normalizeDomain(domain)
  } catch {
    name = undefined
  }
  const found = name === undefined ? undefined : await deps.store.emailDomains.find(org.id, name)
  if (found === undefined) throw new SsoError('domain_not_found', `The organization has no email domain "${domain.slice(0, 253)}".`)
  return found
}

/** Adds a pending domain with a fresh verification token (256 random bits). */
export async function addEmailDomain(deps: CoreDeps, orgSlug: string, domain: string, actor: Actor): Promise<EmailDomain> {
  const name = normalizeDomain(domain)
  const org = await getOrganization(deps, orgSlug)
  await authorize(deps, org, actor, true)
  const now = deps.clock.now()
  const created: EmailDomain = {
    id: newId(),
    orgId: org.id,
    domain: name,
    verificationToken: newSecretToken(),
    verifiedAt: undefined,
    verifiedBy: undefined,
    createdAt: now.toISOString(),
  }
  try {
    await deps.store.transaction(async (tx) => {
      if ((await tx.emailDomains.listByOrg(org.id)).length >= MAX_DOMAINS_PER_ORG) {
        throw new SsoError('domain_limit_reached', `An organization can have at most ${MAX_DOMAINS_PER_ORG} email domains; remove one first.`)
      }
      await tx.emailDomains.insert(created)
      await recordAudit(
        tx,
        { orgId: org.id, actor, action: 'domain.added', target: name, detail: { before: null, after: { domain: name, verified: false } } },
        now,
      )
    })
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new SsoError('domain_exists', `The organization has the domain ${name} already.`, undefined, 'domain')
    throw error
  }
  return created
}

/**
 * Looks up the TXT records of the domain and marks it verified when one of them, its strings joined
 * without separators (RFC 7208 §3.3, as every TXT consumer reads split records), equals
 * `gatehouse-verification=<token>` exactly. Verifying a verified domain changes nothing.
 */
export async function verifyEmailDomain(deps: CoreDeps, orgSlug: string, domain: string, actor: Actor): Promise<EmailDomain> {
  const org = await getOrganization(deps, orgSlug)
  await authorize(deps, org, actor, true)
  const row = await findOrThrow(deps, org, domain)
  if (row.verifiedAt !== undefined) return row
  await refuseIfHeldElsewhere(deps, row)
  const expected = verificationRecord(row)
  const records = (await deps.resolveTxt(row.domain)).map((strings) => strings.join(''))
  if (!records.includes(expected.value)) {
    throw new SsoError(
      'domain_verification_failed',
      `No TXT record "${expected.value}" at ${row.domain} yet (${records.length} other TXT record${records.length === 1 ? '' : 's'} found). DNS changes can take a while to appear: try again later.`,
      `${row.domain}: ${records.length} TXT records, none matches`,
    )
  }
  return markVerified(deps, org, row, 'dns', actor)
}

/** The operator's override, for a domain whose control was shown another way. */
export async function markEmailDomainVerified(deps: CoreDeps, orgSlug: string, domain: string, actor: Actor): Promise<EmailDomain> {
  const org = await getOrganization(deps, orgSlug)
  await authorize(deps, org, actor, true)
  if (actor.kind !== 'operator') throw new AccountError('not_allowed', 'Only the operator can mark a domain verified without the DNS check.')
  const row = await findOrThrow(deps, org, domain)
  if (row.verifiedAt !== undefined) return row
  await refuseIfHeldElsewhere(deps, row)
  return markVerified(deps, org, row, 'operator', actor)
}

async function refuseIfHeldElsewhere(deps: CoreDeps, row: EmailDomain): Promise<void> {
  const holder = await deps.store.emailDomains.findVerified(row.domain)
  if (holder !== undefined && holder.orgId !== row.orgId) throw heldElsewhere(row.domain, holder.orgId)
}

// Says that some org holds it (unavoidable: Okta and Atlassian say the same), never which one.
const heldElsewhere = (domain: string, holderOrgId: string | undefined) =>
  new SsoError(
    'domain_taken',
    `${domain} is verified by another organization. A domain belongs to one organization; ask the operator if it should be yours.`,
    `held by org ${holderOrgId ?? '(a concurrent verification)'}`,
    'domain',
  )

async function markVerified(deps: CoreDeps, org: Organization, row: EmailDomain, by: 'dns' | 'operator', actor: Actor): Promise<EmailDomain> {
  const now = deps.clock.now()
  try {
    await deps.store.transaction(async (tx) => {
      await tx.emailDomains.markVerified(row.id, now.toISOString(), by)
      await recordAudit(
        tx,
        {
          orgId: org.id,
          actor,
          action: 'domain.verified',
          target: row.domain,
          detail: { before: { verified: false }, after: { verified: true, verifiedAt: now.toISOString(), verifiedBy: by } },
        },
        now,
      )
    })
  } catch (error) {
    // Two orgs verifying at once: the unique index over verified rows lets one through.
    if (error instanceof DuplicateKeyError) throw heldElsewhere(row.domain, undefined)
    throw error
  }
  return { ...row, verifiedAt: now.toISOString(), verifiedBy: by }
}

export async function removeEmailDomain(deps: CoreDeps, orgSlug: string, domain: string, actor: Actor): Promise<void> {
  const org = await getOrganization(deps, orgSlug)
  await authorize(deps, org, actor, true)
  const row = await findOrThrow(deps, org, domain)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    await tx.emailDomains.delete(row.id)
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor,
        action: 'domain.removed',
        target: row.domain,
        detail: { before: { domain: row.domain, verified: row.verifiedAt !== undefined, verifiedAt: row.verifiedAt ?? null }, after: null },
      },
      now,
    )
  })
}

/**
 * Home-realm discovery: the SSO of the one org holding the email's domain verified, when that
 * org's SSO is enabled; otherwise undefined (the caller says the same thing whatever the reason).
 */
export async function findSsoForEmail(deps: CoreDeps, email: string): Promise<{ ssoName: string; enforcement: Enforcement } | undefined> {
  const domain = emailDomainOf(email)
  if (domain === undefined) return undefined
  const holder = await deps.store.emailDomains.findVerified(domain)
  if (holder === undefined) return undefined
  const connection = await deps.store.ssoConnections.findByOrg(holder.orgId)
  if (connection === undefined || !connection.enabled || connection.idp === undefined) return undefined
  return { ssoName: connection.ssoName, enforcement: connection.policy.enforcement }
}

/** Just-in-time provisioning: with no verified domain any email may join; with some, only theirs. */
export function isEmailInVerifiedDomains(email: string, domains: readonly EmailDomain[]): boolean {
  const verified = domains.filter((d) => d.verifiedAt !== undefined)
  if (verified.length === 0) return true
  const domain = emailDomainOf(email)
  return domain !== undefined && verified.some((d) => d.domain === domain)
}
