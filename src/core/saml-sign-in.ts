/**
 * SSO sign-in through an org's SAML connection (DESIGN §3): start (AuthnRequest out, its ID and an
 * opaque RelayState token kept in the database) and finish (the ACS): protocol checks in saml/, then
 * here what needs storage — InResponseTo single use, replay, who the user is, membership — and a
 * session that grants the connection's org only.
 */
import { buildAuthnRequest, newRequestId, postBindingFields, redirectBindingUrl } from '../saml/authn-request.js'
import { cachedCertificate } from '../saml/certificate.js'
import type { SamlFailure } from '../saml/failure.js'
import type { VerifiedAssertion } from '../saml/read-assertion.js'
import { validateSamlResponse } from '../saml/validate-response.js'
import { recordAudit } from './audit.js'
import { applyWorkspaceAttributes, mapRoles, readIdpRoles } from './role-mapping.js'
import { addMs, hours, minutes } from './clock.js'
import type { CoreDeps } from './deps.js'
import { hashSecretToken, newId, newSecretToken } from './secret-token.js'
import { startSession, type StartedSession } from './sessions.js'
import { activeSpKeys } from './sp-keys.js'
import { spEndpoints, type SsoConnection } from './sso-connection.js'
import { SsoError } from './sso-error.js'
import { normalizeEmail, type Organization } from './types.js'
import { checkEmail } from './validation.js'

export const REQUEST_LIFETIME = minutes(10)

export type SsoSignInFailure =
  | SamlFailure
  | { code: 'sso_not_enabled' }
  | { code: 'email_missing'; nameId: string }
  | { code: 'not_a_member'; email: string }
  | { code: 'workspace_attribute_invalid'; attribute: string; reason: string }

export async function findConnectionBySsoName(deps: CoreDeps, ssoName: string): Promise<SsoConnection> {
  const connection = await deps.store.ssoConnections.findBySsoName(ssoName)
  if (connection === undefined) throw new SsoError('sso_not_configured', `No organization signs in with the SSO name "${ssoName}".`)
  return connection
}

/** Where the browser goes next: a redirect (HTTP-Redirect binding) or a form to post (HTTP-POST binding). */
export type SamlStart =
  | { readonly binding: 'redirect'; readonly url: string }
  | { readonly binding: 'post'; readonly url: string; readonly fields: Readonly<Record<string, string>> }

/**
 * A fresh AuthnRequest whose ID we keep for 10 minutes, bound for the IdP: HTTP-Redirect when the
 * IdP offers it (signed over the query string), else HTTP-POST (as some Google apps publish only).
 */
export async function startSamlSignIn(deps: CoreDeps, ssoName: string, options: { returnTo?: string | undefined } = {}): Promise<SamlStart> {
  const connection = await findConnectionBySsoName(deps, ssoName)
  // TODO(issue 5, test SSO): a test-mode start needs its own finish that signs nobody in; until then every start is a real sign-in.
  if (!connection.enabled) throw new SsoError('sso_not_enabled', 'Single sign-on is not enabled for this organization yet.')
  const idp = connection.idp
  const ssoUrl = idp?.ssoUrlRedirect ?? idp?.ssoUrlPost
  if (idp === undefined || ssoUrl === undefined) throw new SsoError('idp_not_configured', 'This organization has not finished setting up its identity provider.')
  const sp = spEndpoints(deps.settings.baseUrl, connection.ssoName)
  const now = deps.clock.now()
  const id = newRequestId()
  const relayState = newSecretToken()
  await deps.store.saml.insertRequest({
    id, relayTokenHash: hashSecretToken(relayState), connectionId: connection.id, returnTo: options.returnTo,
    testByUserId: undefined, createdAt: now.toISOString(), expiresAt: addMs(now, REQUEST_LIFETIME).toISOString(),
  })
  const [signer] = await activeSpKeys(deps)
  const xml = buildAuthnRequest({ id, issueInstant: now, destination: ssoUrl, acsUrl: sp.acsUrl, spEntityId: sp.entityId })
  if (idp.ssoUrlRedirect !== undefined) {
    return { binding: 'redirect', url: redirectBindingUrl(ssoUrl, xml, relayState, signer === undefined ? undefined : { privateKey: signer.privateKey }) }
  }
  return { binding: 'post', url: ssoUrl, fields: postBindingFields(xml, relayState) }
}

export type SamlSignInResult =
  | { readonly kind: 'signed-in'; readonly started: StartedSession; readonly org: Organization; readonly returnTo: string | undefined; readonly assertion: VerifiedAssertion }
  | { readonly kind: 'failed'; readonly reference: string; readonly failure: SsoSignInFailure; readonly org: Organization }

/** The ACS: every check of DESIGN §4, then the member, then a session for the connection's org only. */
export async function finishSamlSignIn(deps: CoreDeps, ssoName: string, samlResponse: string): Promise<SamlSignInResult> {
  // Read afresh on every post, never cached: disabling SSO or replacing a certificate counts at once, on every process.
  const found = await deps.store.ssoConnections.findWithOrgBySsoName(ssoName)
  if (found === undefined) throw new SsoError('sso_not_configured', `No organization signs in with the SSO name "${ssoName}".`)
  const { connection, org } = found
  const fail = async (failure: SsoSignInFailure, nameId?: string): Promise<SamlSignInResult> => {
    const reference = newSecretToken().slice(0, 12)
    await recordAudit(deps.store, {
      orgId: org.id, actor: { kind: 'system', name: 'saml' }, action: 'sso.sign_in_failed', ...(nameId === undefined ? {} : { target: nameId.slice(0, 320) }),
      detail: { reference, ssoName: connection.ssoName, ...failure },
    }, deps.clock.now())
    return { kind: 'failed', reference, failure, org }
  }
  const idp = connection.idp
  if (idp === undefined) return fail({ code: 'sso_not_enabled' })

  const now = deps.clock.now()
  const sp = spEndpoints(deps.settings.baseUrl, connection.ssoName)
  const keys = await activeSpKeys(deps)
  const result = await validateSamlResponse(samlResponse, {
    sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, decryptionKeys: keys.map((k) => k.privateKey) },
    idp: { entityId: idp.entityId, certificates: idp.certificates.map((pem) => cachedCertificate(pem)), allowSha1: idp.signatureAlgorithm === 'rsa-sha1' },
    requireEncryptedAssertion: connection.policy.requireEncryptedAssertions,
    now,
  })
  if (!result.ok) return fail(result.failure)
  const assertion = result.assertion

  // InResponseTo: one of our outstanding requests for this connection, used once; else unsolicited.
  let returnTo: string | undefined
  if (assertion.inResponseTo !== undefined) {
    const request = await deps.store.saml.consumeRequest(assertion.inResponseTo, connection.id, now.toISOString())
    if (request === undefined) return fail({ code: 'request_unknown', inResponseTo: assertion.inResponseTo }, assertion.nameId)
    returnTo = request.returnTo
  } else if (!connection.policy.allowIdpInitiated) {
    return fail({ code: 'unsolicited_response' }, assertion.nameId)
  }
  // Replay: the primary key on (connection, assertion ID) admits each assertion once.
  if (!(await deps.store.saml.rememberAssertion(connection.id, assertion.assertionId, assertion.validUntil))) {
    return fail({ code: 'assertion_replayed', assertionId: assertion.assertionId }, assertion.nameId)
  }
  if (!connection.enabled) return fail({ code: 'sso_not_enabled' }, assertion.nameId)

  const member = await resolveMember(deps, connection, org, assertion)
  if ('code' in member) return fail(member, assertion.nameId)
  const started = await startSession(deps, {
    userId: member.userId, orgId: org.id, kind: 'browser', authMethod: 'saml',
    notAfter: addMs(now, hours(connection.policy.sessionTimeoutHours)),
  })
  return { kind: 'signed-in', started, org, returnTo, assertion }
}

function firstAttribute(assertion: VerifiedAssertion, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = assertion.attributes[name]?.find((v) => v !== '')
    if (value !== undefined) return value
  }
  return undefined
}

function emailOf(assertion: VerifiedAssertion, names: readonly string[]): string | undefined {
  for (const candidate of [assertion.nameId, firstAttribute(assertion, names)]) {
    if (candidate === undefined) continue
    try {
      return checkEmail(candidate)
    } catch {
      // not an email: try the next source
    }
  }
  return undefined
}

/** Carries a sign-in failure out of the transaction, rolling back what it had written. */
class SignInRefusal extends Error {
  constructor(readonly failure: SsoSignInFailure) {
    super(failure.code)
  }
}

/**
 * The user by remembered NameID, else by email; a member of the connection's org, or provisioned
 * just in time (always so under role mapping). With role mapping, the member's roles are recomputed
 * from the IdP at every sign-in (the owner's org role is never lowered); per-workspace attributes
 * then set or remove single workspace roles.
 */
async function resolveMember(
  deps: CoreDeps, connection: SsoConnection, org: Organization, assertion: VerifiedAssertion,
): Promise<{ userId: string } | SsoSignInFailure> {
  const { attributeMapping: mapping, roleMapping, workspaceAttributes, provisioning } = connection.policy
  const email = emailOf(assertion, mapping.email)
  if (email === undefined) return { code: 'email_missing', nameId: assertion.nameId }
  const firstName = firstAttribute(assertion, mapping.firstName)?.slice(0, 200)
  const lastName = firstAttribute(assertion, mapping.lastName)?.slice(0, 200)
  const now = deps.clock.now()

  // A returning user: remembered NameID, already a member, same names, nothing for the IdP to map.
  // Then there is nothing to write, and one read replaces the transaction below.
  if (!roleMapping.enabled && !workspaceAttributes.enabled) {
    const linked = await deps.store.saml.findLinkedUser(connection.id, assertion.nameId, org.id)
    if (
      linked?.memberId !== undefined &&
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
      if (member === undefined) {
        if (provisioning !== 'just-in-time' && !roleMapping.enabled) throw new SignInRefusal({ code: 'not_a_member', email })
        if (user === undefined) {
          const id = newId()
          await tx.users.insert({ id, email, firstName: firstName ?? '', lastName: lastName ?? '', passwordHash: null, createdAt: now.toISOString() })
          user = { id, email, firstName: firstName ?? '', lastName: lastName ?? '', hasPassword: false, createdAt: now.toISOString() }
        }
        const memberId = newId()
        await tx.members.insert({ id: memberId, orgId: org.id, userId: user.id, role: 'member', allowWithoutSso: false, createdAt: now.toISOString() })
        await recordAudit(tx, { orgId: org.id, actor: system, action: 'member.provisioned', target: normalizeEmail(email), detail: { role: 'member', via: 'just-in-time' } }, now)
        member = (await tx.members.findById(org.id, memberId))!
      }
      if ((firstName !== undefined && firstName !== user!.firstName) || (lastName !== undefined && lastName !== user!.lastName)) {
        await tx.users.updateNames(user!.id, firstName ?? user!.firstName, lastName ?? user!.lastName, now.toISOString())
      }

      if (roleMapping.enabled || workspaceAttributes.enabled) {
        const workspaces = await tx.workspaces.listByOrg(org.id)
        const catalogue = deps.settings.workspaceRoles
        let role = member.role
        let roles: Readonly<Record<string, string>> = member.workspaceRoles
        let managedByIdp = member.managedByIdp
        let idpRoles: string[] = []
        if (roleMapping.enabled) {
          idpRoles = readIdpRoles(assertion.attributes, roleMapping.attribute, roleMapping.delimiter)
          const mapped = mapRoles(idpRoles, roleMapping.rules, catalogue)
          role = member.role === 'owner' ? 'owner' : mapped.orgRole
          roles = mapped.workspaceRoles
          managedByIdp = true
        }
        if (workspaceAttributes.enabled) {
          const applied = applyWorkspaceAttributes(assertion.attributes, workspaceAttributes.prefix, workspaces.map((w) => w.slug), catalogue, roles)
          if (!applied.ok) throw new SignInRefusal({ code: 'workspace_attribute_invalid', attribute: applied.attribute, reason: applied.reason })
          roles = applied.workspaceRoles
        }
        const known = Object.fromEntries(Object.entries(roles).filter(([slug]) => workspaces.some((w) => w.slug === slug)))
        if (role !== member.role || managedByIdp !== member.managedByIdp || JSON.stringify(sorted(known)) !== JSON.stringify(sorted(member.workspaceRoles))) {
          await tx.members.update(member.id, { role, managedByIdp }, now.toISOString())
          await tx.members.setWorkspaceRoles(member.id, Object.fromEntries(Object.entries(known).map(([slug, r]) => [workspaces.find((w) => w.slug === slug)!.id, r])))
          await recordAudit(tx, {
            orgId: org.id, actor: system, action: 'member.roles_from_idp', target: member.user.email,
            detail: { before: { role: member.role, workspaceRoles: member.workspaceRoles }, after: { role, workspaceRoles: known }, idpRoles: idpRoles.slice(0, 50) },
          }, now)
        }
      }
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

function isStale(seenAt: string, now: Date): boolean {
  return now.getTime() - new Date(seenAt).getTime() >= IDENTITY_SEEN_RESOLUTION
}

function sorted(roles: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(roles).sort(([a], [b]) => a.localeCompare(b))
}
