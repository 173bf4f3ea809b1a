/**
 * SSO sign-in through an org's SAML connection (DESIGN §3): start (AuthnRequest out, its ID and an
 * opaque RelayState token kept in the database) and finish (the ACS): protocol checks in saml/, then
 * here what needs storage — InResponseTo single use, replay, who the user is, membership — and a
 * session that grants the connection's org only.
 */
import { cachedCertificate } from '../saml/certificate.js'
import { isUnreadableResponse, type SamlFailure } from '../saml/failure.js'
import type { VerifiedAssertion } from '../saml/read-assertion.js'
import { validateSamlResponse, type ValidationResult } from '../saml/validate-response.js'
import { emailOf, firstAttribute, type InvisibleEmail } from './assertion-identity.js'
import { changedFields, recordAudit } from './audit.js'
import { emailDomainOf } from './domain-name.js'
import { isEmailInVerifiedDomains } from './email-domains.js'
import { addMs, days, hours } from './clock.js'
import { neutralizeName } from './invisible-characters.js'
import { recordMemberCreated, recordMemberUpdated } from './member-events.js'
import { rateWindow } from './rate-limit.js'
import type { CoreDeps } from './deps.js'
import { directoryRolesOf } from './directory-roles.js'
import { rolesFromAssertion } from './role-mapping.js'
import { issueAuthnRequest, TEST_RELAY_PREFIX, type SamlStart } from './saml-requests.js'
import { hashSecretToken, newId, newSecretToken, newSortableId } from './secret-token.js'
import { startSession, type StartedSession } from './sessions.js'
import { activeSpKeys } from './sp-keys.js'
import { spEndpoints, type SsoConnection } from './sso-connection.js'
import { SsoError } from './sso-error.js'
import { recordSsoTest } from './sso-test.js'
import { normalizeEmail, type Organization } from './types.js'
import { secondsSince } from './metrics.js'

export { REQUEST_LIFETIME, type SamlStart } from './saml-requests.js'

/** Failed responses kept for the owner's tracer: per connection, and each cut at this many characters. */
const FAILED_RESPONSES_KEPT = 100
const FAILED_RESPONSE_MAX_CHARS = 64 * 1024
/** Failures a response outgrows by waiting: kept, it could be posted again and sign its user in once its time comes. */
const NOT_YET = new Set(['not_yet_valid'])

export type SsoSignInFailure =
  | SamlFailure
  | { code: 'sso_not_enabled' }
  | { code: 'email_missing'; nameId: string }
  | InvisibleEmail
  | { code: 'not_a_member'; email: string }
  | { code: 'email_domain_not_allowed'; email: string; domain: string | null }
  | { code: 'account_not_invited'; email: string }
  /** The org's directory switched the member off (DESIGN §8): no assertion and no JIT brings them back. */
  | { code: 'member_deactivated'; email: string }
  | { code: 'workspace_attribute_invalid'; attribute: string; reason: string }

export async function findConnectionBySsoName(deps: CoreDeps, ssoName: string): Promise<SsoConnection> {
  const connection = await deps.store.ssoConnections.findBySsoName(ssoName)
  if (connection === undefined) throw new SsoError('sso_not_configured', `No organization signs in with the SSO name "${ssoName}".`)
  return connection
}

/** SP-initiated sign-in of an enabled connection: an AuthnRequest bound for the IdP. */
export async function startSamlSignIn(deps: CoreDeps, ssoName: string, options: { returnTo?: string | undefined } = {}): Promise<SamlStart> {
  const connection = await findConnectionBySsoName(deps, ssoName)
  if (!connection.enabled)
    throw new SsoError(
      'sso_not_enabled',
      'Single sign-on is not enabled for this organization. Sign in with your email and password; if you have no password, use "Forgot password" to set one.',
    )
  return (await issueAuthnRequest(deps, connection, { returnTo: options.returnTo })).start
}

export type SamlSignInResult =
  | {
      readonly kind: 'signed-in'
      readonly started: StartedSession
      readonly org: Organization
      readonly returnTo: string | undefined
      readonly assertion: VerifiedAssertion
    }
  /** `retryAfterSeconds`: this client is over the failed sign-in limit; nothing was recorded. */
  | { readonly kind: 'failed'; readonly reference: string; readonly failure: SsoSignInFailure; readonly org: Organization; readonly retryAfterSeconds?: number }
  /** A test SSO response (DESIGN §2 step 5): nobody signed in; the result waits for the testing owner. */
  | { readonly kind: 'tested'; readonly testId: string; readonly org: Organization }

/**
 * The ACS: every check of DESIGN §4, then the member, then a session for the connection's org only.
 * A response to a test SSO request (found by its RelayState before validation, or by InResponseTo
 * after) signs nobody in: its outcome goes to the testing owner's result page.
 */
export async function finishSamlSignIn(deps: CoreDeps, ssoName: string, samlResponse: string, relayState?: string, ip?: string): Promise<SamlSignInResult> {
  // Counted for /metrics: a test response (nobody signs in) is not a sign-in.
  try {
    const result = await samlSignIn(deps, ssoName, samlResponse, relayState, ip)
    if (result.kind === 'signed-in') deps.metrics.signIn('saml', 'success')
    if (result.kind === 'failed') deps.metrics.signIn('saml', 'failure', result.failure.code)
    return result
  } catch (error) {
    deps.metrics.signIn('saml', 'failure', (error as { code?: unknown }).code as string | undefined)
    throw error
  }
}

async function samlSignIn(deps: CoreDeps, ssoName: string, samlResponse: string, relayState?: string, ip?: string): Promise<SamlSignInResult> {
  // Read afresh on every post, never cached: disabling SSO or replacing a certificate counts at once, on every process.
  const found = await deps.store.ssoConnections.findWithOrgBySsoName(ssoName)
  if (found === undefined) throw new SsoError('sso_not_configured', `No organization signs in with the SSO name "${ssoName}".`)
  const { connection, org } = found
  if (relayState !== undefined && relayState.startsWith(TEST_RELAY_PREFIX) && relayState.length <= 200) {
    const request = await deps.store.saml.consumeTestRequestByRelay(hashSecretToken(relayState), connection.id, deps.clock.now().toISOString())
    if (request !== undefined)
      return { kind: 'tested', testId: await recordSsoTest(deps, connection, org, request, await validate(deps, connection, samlResponse)), org }
  }
  // The decoded response of one the checks refused: the owner's SAML tracer shows it beside the reason.
  let decoded: string | undefined
  const fail = async (failure: SsoSignInFailure, nameId?: string): Promise<SamlSignInResult> => {
    const reference = newSecretToken().slice(0, 12)
    const now = deps.clock.now()
    // One client posting failure after failure (a scanner, a broken IdP loop) is answered 429 past the
    // per-IP limit, and no longer fills the org's audit log; the log line of each refusal remains.
    const retryAfterSeconds = ip === undefined ? undefined : await countFailure(deps, ip)
    if (retryAfterSeconds !== undefined) return { kind: 'failed', reference, failure, org, retryAfterSeconds }
    await deps.store.transaction(async (tx) => {
      await recordAudit(
        tx,
        {
          orgId: org.id,
          actor: { kind: 'system', name: 'saml' },
          action: 'sso.sign_in_failed',
          ...(nameId === undefined ? {} : { target: nameId.slice(0, 320) }),
          detail: { reference, ssoName: connection.ssoName, ...failure, ...(decoded === undefined ? {} : { response: 'kept' }) },
        },
        now,
      )
      if (decoded !== undefined) {
        await tx.ssoFailedResponses.insert(
          {
            reference,
            seq: newSortableId(),
            orgId: org.id,
            connectionId: connection.id,
            failure,
            xml: decoded.slice(0, FAILED_RESPONSE_MAX_CHARS),
            createdAt: now.toISOString(),
            expiresAt: addMs(now, days(7)).toISOString(),
          },
          FAILED_RESPONSES_KEPT,
        )
      }
    })
    return { kind: 'failed', reference, failure, org }
  }
  const idp = connection.idp
  if (idp === undefined) return fail({ code: 'sso_not_enabled' })

  const now = deps.clock.now()
  const result = await validate(deps, connection, samlResponse)
  if (!result.ok) {
    // Kept when the protocol checks refused it, or (below) once its ID is in the replay cache: a
    // response that could still sign someone in is never stored.
    if (result.xml !== undefined && !isUnreadableResponse(result.failure.code) && !NOT_YET.has(result.failure.code)) decoded = result.xml
    return fail(result.failure)
  }
  const assertion = result.assertion

  // InResponseTo: one of our outstanding requests for this connection, used once; else unsolicited.
  let returnTo: string | undefined
  if (assertion.inResponseTo !== undefined) {
    const request = await deps.store.saml.consumeRequest(assertion.inResponseTo, connection.id, now.toISOString())
    if (request === undefined) return fail({ code: 'request_unknown', inResponseTo: assertion.inResponseTo }, assertion.nameId)
    // The answer to a test request that came back without its RelayState: still only a test.
    if (request.testByUserId !== undefined) return { kind: 'tested', testId: await recordSsoTest(deps, connection, org, request, result), org }
    returnTo = request.returnTo
  } else if (!connection.policy.allowIdpInitiated) {
    return fail({ code: 'unsolicited_response' }, assertion.nameId)
  }
  // Replay: the primary key on (connection, assertion ID) admits each assertion once.
  const fresh = await deps.store.saml.rememberAssertion(connection.id, assertion.assertionId, assertion.validUntil)
  // From here the assertion can never be used again: the tracer may show why it was refused
  // (a replay, not a member, no email, a bad workspace attribute, a domain outside the verified ones).
  decoded = result.xml
  if (!fresh) return fail({ code: 'assertion_replayed', assertionId: assertion.assertionId }, assertion.nameId)
  if (!connection.enabled) return fail({ code: 'sso_not_enabled' }, assertion.nameId)

  const member = await resolveMember(deps, connection, org, assertion)
  if ('code' in member) return fail(member, assertion.nameId)
  const started = await startSession(deps, {
    userId: member.userId,
    orgId: org.id,
    kind: 'browser',
    authMethod: 'saml',
    notAfter: addMs(now, hours(connection.policy.sessionTimeoutHours)),
    saml: {
      connectionId: connection.id,
      nameId: assertion.nameId,
      nameIdFormat: assertion.nameIdFormat,
      nameQualifier: assertion.nameQualifier,
      spNameQualifier: assertion.spNameQualifier,
      sessionIndex: assertion.sessionIndex,
    },
  })
  return { kind: 'signed-in', started, org, returnTo, assertion }
}

/** Counts a failed SSO sign-in of this IP; the seconds until its window ends once over the limit. */
async function countFailure(deps: CoreDeps, ip: string): Promise<number | undefined> {
  const { windowMinutes, perIp } = deps.settings.rateLimit
  const { start, retryAfterSeconds } = rateWindow(deps.clock.now(), windowMinutes)
  const count = await deps.store.rateLimits.hit(`sso-failure:ip:${ip}`, start)
  return count > perIp ? retryAfterSeconds : undefined
}

/** The protocol checks of DESIGN §4 with this connection's IdP, our SP keys and the policy's encryption rule. */
async function validate(deps: CoreDeps, connection: SsoConnection, samlResponse: string): Promise<ValidationResult> {
  const idp = connection.idp
  if (idp === undefined) return { ok: false, failure: { code: 'xml_malformed', detail: 'the connection has no IdP configuration' } }
  const sp = spEndpoints(deps.settings.baseUrl, connection.ssoName)
  const keys = await activeSpKeys(deps)
  const started = performance.now()
  const result = await validateSamlResponse(samlResponse, {
    sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, decryptionKeys: keys.map((k) => k.privateKey) },
    idp: { entityId: idp.entityId, certificates: idp.certificates.map((pem) => cachedCertificate(pem)), allowSha1: idp.signatureAlgorithm === 'rsa-sha1' },
    requireEncryptedAssertion: connection.policy.requireEncryptedAssertions,
    now: deps.clock.now(),
  })
  deps.metrics.samlValidation(secondsSince(started))
  return result
}

/** Carries a sign-in failure out of the transaction, rolling back what it had written. */
class SignInRefusal extends Error {
  constructor(readonly failure: SsoSignInFailure) {
    super(failure.code)
  }
}

/**
 * The user by remembered NameID, else by email; a member of the connection's org, or provisioned
 * just in time (always so under role mapping) — when the org has verified email domains, only a
 * user whose email is in one of them (an IdP that also serves contractors or another company's
 * users cannot add them to the org). With role mapping, the member's roles are recomputed
 * from the IdP at every sign-in (the owner's org role is never lowered); per-workspace attributes
 * then set or remove single workspace roles.
 */
async function resolveMember(
  deps: CoreDeps,
  connection: SsoConnection,
  org: Organization,
  assertion: VerifiedAssertion,
): Promise<{ userId: string } | SsoSignInFailure> {
  const { attributeMapping: mapping, roleMapping, workspaceAttributes, provisioning } = connection.policy
  const email = emailOf(assertion, mapping.email)
  if (email === undefined) return { code: 'email_missing', nameId: assertion.nameId }
  if (typeof email !== 'string') return email
  // Names are the IdP's data, shown to others: neutralised (bidi and control characters removed), not refused.
  const firstName = idpName(firstAttribute(assertion, mapping.firstName))
  const lastName = idpName(firstAttribute(assertion, mapping.lastName))
  const now = deps.clock.now()

  // A returning user: remembered NameID, already a member, same names, nothing for the IdP to map.
  // Then there is nothing to write, and one read replaces the transaction below.
  if (!roleMapping.enabled && !workspaceAttributes.enabled) {
    const linked = await deps.store.saml.findLinkedUser(connection.id, assertion.nameId, org.id)
    if (
      linked?.memberId !== undefined &&
      !linked.memberDeactivated &&
      (firstName === undefined || firstName === linked.user.firstName) &&
      (lastName === undefined || lastName === linked.user.lastName) &&
      !isStale(linked.identitySeenAt, now)
    ) {
      return { userId: linked.user.id }
    }
  }

  const system = { kind: 'system', name: 'saml' } as const
  try {
    return await deps.store.transaction(async (tx) => {
      const linked = await tx.saml.findIdentity(connection.id, assertion.nameId)
      let user = linked === undefined ? await tx.users.findByEmail(email) : await tx.users.findById(linked)
      let member = user && (await tx.members.findByUser(org.id, user.id))
      // Whether this org holds the email's domain verified: only then may its IdP speak for an
      // account that exists beyond it (join it, rename it).
      let holdsDomain: boolean | undefined
      const ownsEmailDomain = async (address: string) => {
        const domain = emailDomainOf(address)
        holdsDomain ??= domain !== undefined && (await tx.emailDomains.findVerified(domain))?.orgId === org.id
        return holdsDomain
      }
      if (member?.deactivatedAt != null) throw new SignInRefusal({ code: 'member_deactivated', email: member.user.email })
      // What the host app last heard of this member: one event at the end, created or updated.
      const before = member
      let changedMember = false
      if (member === undefined) {
        if (provisioning !== 'just-in-time' && !roleMapping.enabled) throw new SignInRefusal({ code: 'not_a_member', email })
        // The org's directory removed this person: just in time must not bring them back (DESIGN §8).
        if (user !== undefined && (await tx.directories.isRemoved(org.id, user.id))) throw new SignInRefusal({ code: 'member_deactivated', email: user.email })
        const joining = user?.email ?? email
        const domain = emailDomainOf(joining)
        if (!isEmailInVerifiedDomains(joining, await tx.emailDomains.listByOrg(org.id))) {
          throw new SignInRefusal({ code: 'email_domain_not_allowed', email: joining, domain: domain ?? null })
        }
        // Another org verified this domain: its people are that org's to vouch for, not this IdP's.
        const holder = domain === undefined ? undefined : await tx.emailDomains.findVerified(domain)
        if (holder !== undefined && holder.orgId !== org.id) {
          throw new SignInRefusal({ code: 'email_domain_not_allowed', email: joining, domain: domain ?? null })
        }
        // An account that exists already (a password, other orgs) joins by invitation, or through the
        // org that verified its domain: otherwise any org's IdP could attach itself to anyone's account.
        if (user !== undefined && !(await ownsEmailDomain(joining))) {
          throw new SignInRefusal({ code: 'account_not_invited', email: joining })
        }
        if (user === undefined) {
          const id = newId()
          await tx.users.insert({ id, email, firstName: firstName ?? '', lastName: lastName ?? '', passwordHash: null, createdAt: now.toISOString() })
          user = { id, email, firstName: firstName ?? '', lastName: lastName ?? '', hasPassword: false, createdAt: now.toISOString() }
        }
        const memberId = newId()
        await tx.members.insert({ id: memberId, orgId: org.id, userId: user.id, role: 'member', allowWithoutSso: false, createdAt: now.toISOString() })
        await recordAudit(
          tx,
          { orgId: org.id, actor: system, action: 'member.provisioned', target: normalizeEmail(email), detail: { role: 'member', via: 'just-in-time' } },
          now,
        )
        member = (await tx.members.findById(org.id, memberId))!
      }
      // Names are the person's, shown in every org: an IdP renames only someone who is in its org alone,
      // or whose email domain its org verified.
      if ((firstName !== undefined && firstName !== user!.firstName) || (lastName !== undefined && lastName !== user!.lastName)) {
        const elsewhere = (await tx.members.listMemberships(user!.id)).some((m) => m.org.id !== org.id)
        if (!elsewhere || (await ownsEmailDomain(user!.email))) {
          await tx.users.updateNames(user!.id, firstName ?? user!.firstName, lastName ?? user!.lastName, now.toISOString())
          changedMember = true
        }
      }

      if (roleMapping.enabled || workspaceAttributes.enabled) {
        const workspaces = await tx.workspaces.listByOrg(org.id)
        // The member's directory groups are IdP roles too (DESIGN §8): a sign-in does not undo the directory.
        const directoryRoles = roleMapping.enabled ? await directoryRolesOf(tx, org.id, member.id) : []
        const computed = rolesFromAssertion(
          { orgRole: member.role, workspaceRoles: member.workspaceRoles, managedByIdp: member.managedByIdp },
          connection.policy,
          assertion.attributes,
          workspaces.map((w) => w.slug),
          deps.settings.workspaceRoles,
          directoryRoles,
        )
        if ('code' in computed) throw new SignInRefusal(computed)
        const { orgRole: role, workspaceRoles: known, managedByIdp, idpRoles } = computed
        if (role !== member.role || managedByIdp !== member.managedByIdp || JSON.stringify(sorted(known)) !== JSON.stringify(sorted(member.workspaceRoles))) {
          await tx.members.update(member.id, { role, managedByIdp }, now.toISOString())
          changedMember = true
          await tx.members.setWorkspaceRoles(
            member.id,
            Object.fromEntries(Object.entries(known).map(([slug, r]) => [workspaces.find((w) => w.slug === slug)!.id, r])),
          )
          const changed = changedFields(
            { role: member.role, workspaceRoles: member.workspaceRoles, managedByIdp: member.managedByIdp },
            { role, workspaceRoles: known, managedByIdp },
          )
          await recordAudit(
            tx,
            {
              orgId: org.id,
              actor: system,
              action: 'member.roles_from_idp',
              target: member.user.email,
              detail: { ...changed, idpRoles: idpRoles.slice(0, 50) },
            },
            now,
          )
        }
      }
      if (before === undefined) await recordMemberCreated(tx, org, member.id, now)
      else if (changedMember) await recordMemberUpdated(tx, org, before, now)
      await tx.saml.rememberIdentity(connection.id, assertion.nameId, user!.id, now.toISOString())
      return { userId: user!.id }
    })
  } catch (error) {
    if (error instanceof SignInRefusal) return error.failure
    throw error
  }
}

/**
 * `saml_identities.last_seen_at` is refreshed at most this often: nothing reads it to the minute, and
 * a write per sign-in only to move it would cost every returning user a transaction.
 */
export const IDENTITY_SEEN_RESOLUTION = hours(1)

function idpName(value: string | undefined): string | undefined {
  return value === undefined ? undefined : neutralizeName(value).trim().slice(0, 200)
}

function isStale(seenAt: string, now: Date): boolean {
  return now.getTime() - new Date(seenAt).getTime() >= IDENTITY_SEEN_RESOLUTION
}

function sorted(roles: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(roles).sort(([a], [b]) => a.localeCompare(b))
}
