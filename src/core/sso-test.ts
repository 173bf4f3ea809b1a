/**
 * Test SSO (DESIGN §2 step 5): the owner runs the real SP-initiated flow against the IdP without
 * enabling anything and without signing anyone in. The IdP's answer goes through every check of a
 * real sign-in; instead of a session it gives a result page, for the testing owner's session only,
 * with what a sign-in would do: who, which roles, which warnings, and the decoded response.
 * Enabling SSO needs a passing test of the current IdP configuration (see `idpFingerprint`).
 */
import { cachedCertificate } from '../saml/certificate.js'
import { certificateWarnings } from '../saml/idp-metadata.js'
import { prettyXml } from '../saml/pretty-xml.js'
import type { ValidationResult } from '../saml/validate-response.js'
import { AccountError } from './account-error.js'
import { emailOf } from './assertion-identity.js'
import { emailDomainOf } from './domain-name.js'
import { isEmailInVerifiedDomains } from './email-domains.js'
import { recordAudit } from './audit.js'
import { addMs, days } from './clock.js'
import type { Actor, CoreDeps } from './deps.js'
import { directoryRolesOf } from './directory-roles.js'
import type { SamlRequest } from './ports.js'
import { readIdpRoles, rolesFromAssertion } from './role-mapping.js'
import { issueAuthnRequest, type SamlStart } from './saml-requests.js'
import { newId, safeEqual } from './secret-token.js'
import { authorizeSsoChange, getSsoConnection } from './sso-admin.js'
import { idpFingerprint, type SsoConnection } from './sso-connection.js'
import { SsoError } from './sso-error.js'
import type { Organization, OrgRole } from './types.js'
import { mailOwnersIfSetupLink } from './setup-link-mail.js'
import { setupLinkActor } from './setup-link-sessions.js'

/** How long a result stays readable, and a pass counts for enabling. */
export const TEST_LIFETIME = days(7)
/** The decoded response shown on the page is cut here (a 1 MiB response is allowed in). */
const MAX_SHOWN_XML = 256 * 1024

/** What a sign-in with this response would give the user. */
export type TestAccess = 'member' | 'provisioned' | 'refused'

export interface SsoTestResult {
  readonly passed: boolean
  /** The first check that failed, with its fields (SAML failure codes and the sign-in's own). */
  readonly failure?: { readonly code: string; readonly [field: string]: unknown }
  readonly nameId?: string
  readonly nameIdFormat?: string
  readonly attributes?: Readonly<Record<string, readonly string[]>>
  readonly signed?: { readonly response: boolean; readonly assertion: boolean }
  readonly encrypted?: boolean
  readonly signatureAlgorithm?: string
  readonly email?: string
  readonly access?: TestAccess
  readonly currentRoles?: { readonly orgRole: OrgRole; readonly workspaceRoles: Readonly<Record<string, string>> }
  /** The IdP roles received, from the role mapping attribute (or the mapped roles attribute when mapping is off). */
  readonly idpRoles: readonly string[]
  readonly rolesAttribute?: string
  /** The member's directory group names (DESIGN §8), IdP roles beside the assertion's when role mapping is on. */
  readonly directoryRoles?: readonly string[]
  /** What the roles would be after this sign-in, when role mapping or workspace attributes decide them. */
  readonly mappedRoles?: { readonly orgRole: OrgRole; readonly workspaceRoles: Readonly<Record<string, string>>; readonly matchedRules: readonly string[] }
  readonly warnings: readonly string[]
  readonly responseXml: string
  readonly decryptedAssertionXml?: string
}

export interface SsoTestView {
  readonly id: string
  readonly org: Organization
  readonly connection: SsoConnection
  readonly createdAt: string
  /** undefined while the IdP has not answered. */
  readonly result: SsoTestResult | undefined
  /** True when the configuration tested is still the connection's current one. */
  readonly current: boolean
  /** Run through a set-up link: its session and the org's owners see it. */
  readonly ranBySetupLink: boolean
}

/**
 * Starts the real SP-initiated flow in test mode for the owner in this browser session, or for the
 * browser session of a set-up link with the `sso` scope (DESIGN §2).
 */
export async function startSsoTest(deps: CoreDeps, orgSlug: string, actor: Actor, sessionHash: string): Promise<{ start: SamlStart; testId: string }> {
  if (actor.kind !== 'user' && actor.kind !== 'setup-link')
    throw new AccountError('not_allowed', "Only the organization's owner can test its SSO, from a signed-in browser.")
  const { org, connection } = await getSsoConnection(deps, orgSlug, actor)
  await authorizeSsoChange(deps, org, actor, { write: true })
  if (connection.idp === undefined) throw new SsoError('idp_not_configured', 'Configure the identity provider before testing SSO.')
  const now = deps.clock.now()
  const testId = newId()
  const fingerprint = idpFingerprint(connection)
  // The request is marked as a test (never a sign-in) by who ran it: the owner, or the link.
  const tester = actor.kind === 'user' ? actor.userId : `setup-link:${actor.linkId}`
  const { start } = await issueAuthnRequest(deps, connection, { testByUserId: tester }, async (tx, requestId) => {
    await tx.ssoTests.insert({
      id: testId,
      connectionId: connection.id,
      userId: actor.kind === 'user' ? actor.userId : undefined,
      setupLinkId: actor.kind === 'setup-link' ? actor.linkId : undefined,
      sessionHash,
      requestId,
      idpFingerprint: fingerprint,
      passed: undefined,
      result: undefined,
      createdAt: now.toISOString(),
      finishedAt: undefined,
      expiresAt: addMs(now, TEST_LIFETIME).toISOString(),
    })
  })
  return { start, testId }
}

/**
 * The ACS's answer to a test request: the checks of a real sign-in, read-only (the replay cache
 * excepted: a test assertion can never be replayed as a sign-in), recorded for the testing owner.
 */
export async function recordSsoTest(
  deps: CoreDeps,
  connection: SsoConnection,
  org: Organization,
  request: SamlRequest,
  validation: ValidationResult,
): Promise<string> {
  const test = await deps.store.ssoTests.findByRequestId(request.id)
  if (test === undefined) throw new SsoError('sso_test_not_found', 'This SSO test has expired; start a new one.')
  const result = await evaluate(deps, connection, org, request, validation, test.idpFingerprint)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    if (!(await tx.ssoTests.finish(test.id, result.passed, JSON.stringify(result), now.toISOString()))) return
    // A test run through a set-up link is that link's, in the audit log and for the owner's mail.
    const link = test.setupLinkId === undefined ? undefined : await tx.setupLinks.find(org.id, test.setupLinkId)
    const actor: Actor = link === undefined ? { kind: 'system', name: 'saml' } : setupLinkActor(link)
    if (result.passed) await mailOwnersIfSetupLink(tx, deps, actor, org, 'sso_tested', now)
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor,
        action: 'sso.tested',
        target: connection.ssoName,
        detail: {
          testId: test.id,
          passed: result.passed,
          ...(result.failure === undefined ? {} : { failure: result.failure }),
          ...(result.nameId === undefined ? {} : { nameId: result.nameId.slice(0, 320) }),
        },
      },
      now,
    )
  })
  return test.id
}

async function evaluate(
  deps: CoreDeps,
  connection: SsoConnection,
  org: Organization,
  request: SamlRequest,
  validation: ValidationResult,
  testedFingerprint: string,
): Promise<SsoTestResult> {
  const now = deps.clock.now()
  const shown = {
    responseXml: prettyXml(validation.xml ?? '').slice(0, MAX_SHOWN_XML),
    ...(validation.decryptedAssertionXml === undefined ? {} : { decryptedAssertionXml: prettyXml(validation.decryptedAssertionXml).slice(0, MAX_SHOWN_XML) }),
  }
  const certificateNotes =
    connection.idp === undefined
      ? []
      : certificateWarnings(
          connection.idp.certificates.map((pem) => cachedCertificate(pem)),
          now,
        )
  if (!validation.ok) return { passed: false, failure: validation.failure, idpRoles: [], warnings: certificateNotes, ...shown }

  const assertion = validation.assertion
  const seen = {
    nameId: assertion.nameId,
    ...(assertion.nameIdFormat === undefined ? {} : { nameIdFormat: assertion.nameIdFormat }),
    attributes: assertion.attributes,
    signed: assertion.signed,
    encrypted: assertion.encrypted,
    signatureAlgorithm: assertion.signatureAlgorithm,
  }
  const warnings = [...assertion.warnings, ...certificateNotes]
  const failed = (failure: SsoTestResult['failure']): SsoTestResult => ({ passed: false, failure, idpRoles: [], warnings, ...seen, ...shown })

  // Spent before anything else is looked at: the result page shows this response to the owner, so it
  // must never sign anyone in afterwards — not even one that answers another (real) request.
  if (!(await deps.store.saml.rememberAssertion(connection.id, assertion.assertionId, assertion.validUntil))) {
    return failed({ code: 'assertion_replayed', assertionId: assertion.assertionId })
  }
  // The test request must be what the response answers: a pass proves the whole SP-initiated flow.
  if (assertion.inResponseTo !== request.id) {
    return failed({
      code: 'in_response_to_mismatch',
      detail: assertion.inResponseTo === undefined ? 'the response answers no request (IdP-initiated)' : 'the response answers another request',
    })
  }
  // A pass enables the configuration the test was started for (the fingerprint kept with it): it must
  // be the one that just checked the response, not one changed while the IdP had the request.
  if (idpFingerprint(connection) !== testedFingerprint) {
    return failed({ code: 'idp_configuration_changed', detail: 'the IdP configuration changed after this test started' })
  }
  const { attributeMapping, roleMapping, workspaceAttributes, provisioning } = connection.policy
  const email = emailOf(assertion, attributeMapping.email)
  if (email === undefined) return failed({ code: 'email_missing', nameId: assertion.nameId })
  if (typeof email !== 'string') return failed(email)

  const linked = await deps.store.saml.findIdentity(connection.id, assertion.nameId)
  const user = linked === undefined ? await deps.store.users.findByEmail(email) : await deps.store.users.findById(linked)
  const member = user && (await deps.store.members.findByUser(org.id, user.id))
  const jit = provisioning === 'just-in-time' || roleMapping.enabled
  // The same rules as a real sign-in (core/saml-sign-in.ts resolveMember), read-only.
  const joining = user?.email ?? email
  const domain = emailDomainOf(joining)
  const holder = domain === undefined ? undefined : await deps.store.emailDomains.findVerified(domain)
  const domainAllowed =
    member !== undefined ||
    (isEmailInVerifiedDomains(joining, await deps.store.emailDomains.listByOrg(org.id)) && (holder === undefined || holder.orgId === org.id))
  const accountAllowed = member !== undefined || user === undefined || holder?.orgId === org.id
  const access: TestAccess = member !== undefined ? 'member' : jit && domainAllowed && accountAllowed ? 'provisioned' : 'refused'
  if (member === undefined && !jit)
    warnings.push(
      `${email} is not a member of ${org.name} and provisioning is invite-only, so this user would be refused: invite them, or switch provisioning to just-in-time.`,
    )
  else if (member === undefined && domainAllowed && !accountAllowed)
    warnings.push(
      `${email} already has a Gatehouse account, which just-in-time provisioning does not attach unless ${org.name} verified the email's domain: invite them, or verify their domain.`,
    )
  else if (member === undefined && !domainAllowed)
    warnings.push(
      `${email} is not in one of ${org.name}'s verified email domains (or another organization verified its domain), so just-in-time provisioning would refuse this user: invite them, or verify their domain.`,
    )

  const rolesAttribute = roleMapping.enabled ? roleMapping.attribute : attributeMapping.roles.find((name) => Object.hasOwn(assertion.attributes, name))
  const idpRoles = rolesAttribute === undefined ? [] : readIdpRoles(assertion.attributes, rolesAttribute, roleMapping.delimiter)
  const current =
    member === undefined
      ? { orgRole: 'member' as const, workspaceRoles: {}, managedByIdp: false }
      : { orgRole: member.role, workspaceRoles: member.workspaceRoles, managedByIdp: member.managedByIdp }
  let mappedRoles: SsoTestResult['mappedRoles']
  // As the sign-in does: the member's directory groups count as IdP roles too.
  const directoryRoles = roleMapping.enabled && member !== undefined ? await directoryRolesOf(deps.store, org.id, member.id) : []
  if (roleMapping.enabled || workspaceAttributes.enabled) {
    const workspaces = await deps.store.workspaces.listByOrg(org.id)
    const computed = rolesFromAssertion(
      current,
      connection.policy,
      assertion.attributes,
      workspaces.map((w) => w.slug),
      deps.settings.workspaceRoles,
      directoryRoles,
    )
    if ('code' in computed) return { ...failed(computed), idpRoles, ...(rolesAttribute === undefined ? {} : { rolesAttribute }) }
    mappedRoles = { orgRole: computed.orgRole, workspaceRoles: computed.workspaceRoles, matchedRules: computed.matchedRules }
  }
  return {
    passed: true,
    warnings,
    ...seen,
    ...shown,
    email,
    access,
    idpRoles,
    ...(rolesAttribute === undefined ? {} : { rolesAttribute }),
    ...(directoryRoles.length === 0 ? {} : { directoryRoles }),
    ...(member === undefined ? {} : { currentRoles: { orgRole: member.role, workspaceRoles: member.workspaceRoles } }),
    ...(mappedRoles === undefined ? {} : { mappedRoles }),
  }
}

/**
 * The result, for the owner who ran the test from the browser session that ran it, or for the set-up
 * link session that ran it; a test run through a link is the org's owners' to see as well (DESIGN §2,
 * issue 21 item 3). Anyone else gets not found.
 */
export async function getSsoTest(
  deps: CoreDeps,
  orgSlug: string,
  testId: string,
  viewer: { actor: Extract<Actor, { kind: 'user' | 'setup-link' }>; sessionHash: string },
): Promise<SsoTestView> {
  const notFound = new SsoError('sso_test_not_found', 'There is no such SSO test, or it has expired, or it was run from another session.')
  const actor = viewer.actor
  const { org, connection } = await getSsoConnection(deps, orgSlug, actor).catch(() => {
    throw notFound
  })
  const test = /^[0-9a-f-]{36}$/.test(testId) ? await deps.store.ssoTests.findById(testId) : undefined
  const ranIt =
    test !== undefined &&
    (actor.kind === 'user'
      ? (test.userId === actor.userId && safeEqual(test.sessionHash, viewer.sessionHash)) || test.setupLinkId !== undefined
      : test.setupLinkId === actor.linkId && safeEqual(test.sessionHash, viewer.sessionHash))
  if (test === undefined || !ranIt || test.connectionId !== connection.id || test.expiresAt <= deps.clock.now().toISOString()) throw notFound
  await authorizeSsoChange(deps, org, actor, { write: true }).catch(() => {
    throw notFound
  })
  return {
    id: test.id,
    org,
    connection,
    createdAt: test.createdAt,
    result: test.result === undefined ? undefined : (JSON.parse(test.result) as SsoTestResult),
    current: test.idpFingerprint === idpFingerprint(connection),
    ranBySetupLink: test.setupLinkId !== undefined,
  }
}
