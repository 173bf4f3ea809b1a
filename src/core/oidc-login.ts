/**
 * Who an OpenID Connect authorization signs in, for which org (issue 7). The Gatehouse session is the
 * only login: the provider's interaction asks here, every time, what the browser's session may
 * yield for the client's request —
 * - `organization=<slug>` names the org and applies its policy: under `strict` (or `exceptions` for a
 *   member not exempt) only its SSO will do; someone who is not a member is refused;
 * - without it, the session's accessible orgs (DESIGN §3: an SSO session yields its own org only),
 *   chosen by the user when there are several;
 * - `prompt=login` and `max_age` want a sign-in newer than the request / than max_age seconds.
 * The choice is kept per grant (an `OrgLogin`), and claims are read live from it at every token,
 * refresh and userinfo call: a removed member, a tightened policy or an SSO session past the org's
 * timeout ends the client's access too.
 */
import { accessibleMemberships } from './current-member.js'
import type { CoreDeps } from './deps.js'
import { neutralizeName } from './invisible-characters.js'
import { isSignInAllowed } from './sso-policy.js'
import type { ResolvedSession } from './sessions.js'
import type { AuthMethod, Membership } from './types.js'

export interface OrgLogin {
  readonly userId: string
  readonly orgId: string
  readonly authMethod: AuthMethod
  /** When the user signed in to Gatehouse (ISO): the ID token's auth_time. */
  readonly authTime: string
  /** SSO logins end at the org's session timeout: no token of the grant may outlive it. */
  readonly notAfter: string | undefined
  /**
   * When the membership was checked for this grant (ISO): a removal or password reset at or after
   * it revokes the grant for good (core/oidc-revocation.ts). Absent on grants made before issue 14.
   */
  readonly checkedAt?: string | undefined
}

export type OidcLoginDecision =
  /** No session that could serve: sign in (with the org's SSO when `ssoName` is set). */
  | { readonly kind: 'sign_in'; readonly ssoName: string | undefined }
  /** A session exists but cannot serve this request; ending it needs the user's click (CSRF-safe). */
  | { readonly kind: 'sign_in_again'; readonly reason: 'other_org' | 'fresh_login'; readonly ssoName: string | undefined }
  | { readonly kind: 'choose'; readonly memberships: readonly Membership[] }
  | { readonly kind: 'deny'; readonly reason: 'not_a_member' | 'no_organization' }
  | { readonly kind: 'grant'; readonly membership: Membership; readonly login: OrgLogin }

export interface OidcLoginRequest {
  readonly signedIn: ResolvedSession | undefined
  /** The `organization` authorization parameter. */
  readonly organization: string | undefined
  /** The org the user picked on the chooser page. */
  readonly chosen: string | undefined
  /** A sign-in at or after this instant is needed (prompt=login, max_age). */
  readonly signedInAfter: string | undefined
}

/** The SSO name to send this person to when the org requires SSO of them (unknown person: of anyone not exempt). */
async function requiredSso(deps: CoreDeps, orgId: string, member: { allowWithoutSso: boolean; email: string } | undefined): Promise<string | undefined> {
  const connection = await deps.store.ssoConnections.findByOrg(orgId)
  if (connection === undefined || !connection.enabled || connection.policy.enforcement === 'optional') return undefined
  if (member !== undefined && isSignInAllowed(connection, member, 'password_page')) return undefined
  return connection.ssoName
}

function loginOf(signedIn: ResolvedSession, membership: Membership, checkedAt: string): OrgLogin {
  const { session } = signedIn
  return {
    userId: session.userId,
    orgId: membership.org.id,
    authMethod: session.authMethod,
    authTime: session.createdAt,
    notAfter: session.authMethod === 'saml' ? session.expiresAt : undefined,
    checkedAt,
  }
}

export async function decideOidcLogin(deps: CoreDeps, request: OidcLoginRequest): Promise<OidcLoginDecision> {
  // Taken before the membership is read: a removal racing this decision revokes the grant it makes.
  const checkedAt = deps.clock.now().toISOString()
  const { signedIn } = request
  const org = request.organization === undefined ? undefined : await deps.store.orgs.findBySlug(request.organization)
  if (request.organization !== undefined && org === undefined) {
    // No such org: nobody is a member. Asked before sign-in too, so the answer says nothing about anyone.
    return { kind: 'deny', reason: 'not_a_member' }
  }
  if (signedIn === undefined) return { kind: 'sign_in', ssoName: org === undefined ? undefined : await requiredSso(deps, org.id, undefined) }

  const fresh = request.signedInAfter === undefined || signedIn.session.createdAt >= request.signedInAfter
  const accessible = await accessibleMemberships(deps, signedIn.session)
  if (org !== undefined) {
    const member = await deps.store.members.findByUser(org.id, signedIn.user.id)
    if (member === undefined) return { kind: 'deny', reason: 'not_a_member' }
    const ssoName = await requiredSso(deps, org.id, { allowWithoutSso: member.allowWithoutSso, email: signedIn.user.email })
    const membership = accessible.find((m) => m.org.id === org.id)
    if (membership === undefined) {
      // A password session where the org wants its SSO: straight to the IdP (its sign-in replaces the
      // session). An SSO session of another org: ask first, it is the user's session being ended.
      return ssoName !== undefined && signedIn.session.authMethod === 'password'
        ? { kind: 'sign_in', ssoName }
        : { kind: 'sign_in_again', reason: 'other_org', ssoName }
    }
    if (!fresh)
      return { kind: 'sign_in_again', reason: 'fresh_login', ssoName: signedIn.session.authMethod === 'saml' ? await ssoNameOf(deps, org.id) : ssoName }
    return { kind: 'grant', membership, login: loginOf(signedIn, membership, checkedAt) }
  }
  if (accessible.length === 0) return { kind: 'deny', reason: 'no_organization' }
  const membership = request.chosen !== undefined ? accessible.find((m) => m.org.slug === request.chosen) : accessible.length === 1 ? accessible[0] : undefined
  if (membership === undefined) return { kind: 'choose', memberships: accessible }
  if (!fresh)
    return {
      kind: 'sign_in_again',
      reason: 'fresh_login',
      ssoName: signedIn.session.authMethod === 'saml' ? await ssoNameOf(deps, membership.org.id) : undefined,
    }
  return { kind: 'grant', membership, login: loginOf(signedIn, membership, checkedAt) }
}

async function ssoNameOf(deps: CoreDeps, orgId: string): Promise<string | undefined> {
  const connection = await deps.store.ssoConnections.findByOrg(orgId)
  return connection?.enabled === true ? connection.ssoName : undefined
}

export interface OidcClaims {
  readonly sub: string
  readonly email: string
  readonly email_verified: boolean
  readonly name: string
  readonly given_name: string
  readonly family_name: string
  readonly org: string
  readonly org_role: string
  readonly workspace_roles: Readonly<Record<string, string>>
  readonly amr: readonly string[]
  readonly auth_time: number
}

/**
 * The claims of a login read now, or undefined when it may no longer be used: the user or the
 * membership is gone, the org's policy no longer allows how they signed in, or an SSO login has
 * passed the org's session timeout.
 */
export async function currentOidcClaims(deps: CoreDeps, login: OrgLogin): Promise<OidcClaims | undefined> {
  const now = deps.clock.now().toISOString()
  if (login.notAfter !== undefined && now >= login.notAfter) return undefined
  const [org, member] = await Promise.all([deps.store.orgs.findById(login.orgId), deps.store.members.findByUser(login.orgId, login.userId)])
  if (org === undefined || member === undefined) return undefined
  const connection = await deps.store.ssoConnections.findByOrg(org.id)
  const channel = login.authMethod === 'saml' ? 'sso' : 'password_page'
  if (!isSignInAllowed(connection, { allowWithoutSso: member.allowWithoutSso, email: member.user.email }, channel)) return undefined
  const { user } = member
  // Names are refused with bidi controls on input and neutralised from IdPs; rows stored before
  // that rule are neutralised here, so a host app never shows a reordered name.
  const firstName = neutralizeName(user.firstName)
  const lastName = neutralizeName(user.lastName)
  const name = `${firstName} ${lastName}`.trim()
  return {
    sub: user.id,
    email: user.email,
    // Gatehouse accounts exist for an address an owner invited (accepted by emailed link), the
    // operator registered, or the org's IdP asserted.
    email_verified: true,
    name: name === '' ? user.email : name,
    given_name: firstName,
    family_name: lastName,
    org: org.slug,
    org_role: member.role,
    workspace_roles: { ...member.workspaceRoles },
    amr: [login.authMethod === 'saml' ? 'saml' : 'pwd'],
    auth_time: Math.floor(new Date(login.authTime).getTime() / 1000),
  }
}

const ORG_LOGIN = 'OrgLogin'

/** Kept beside the grant's other state (removed with it when the grant is revoked). */
export async function rememberOrgLogin(deps: CoreDeps, grantId: string, login: OrgLogin, expiresAt: string): Promise<void> {
  await deps.store.oidcPayloads.upsert({
    model: ORG_LOGIN,
    id: grantId,
    payload: { ...login },
    grantId,
    uid: undefined,
    userCode: undefined,
    expiresAt,
    accountId: login.userId,
    orgId: login.orgId,
  })
}

export async function findOrgLogin(deps: CoreDeps, grantId: string, now: string): Promise<OrgLogin | undefined> {
  const row = await deps.store.oidcPayloads.find(ORG_LOGIN, grantId, now)
  return row?.payload as OrgLogin | undefined
}

const FRESH_LOGIN = 'FreshLogin'

/** The user chose to sign in again for interaction `uid`: a session made from now on is fresh enough. */
export async function requireFreshLogin(deps: CoreDeps, uid: string, expiresAt: string): Promise<void> {
  await deps.store.oidcPayloads.upsert({
    model: FRESH_LOGIN,
    id: uid,
    payload: { after: deps.clock.now().toISOString() },
    grantId: undefined,
    uid: undefined,
    userCode: undefined,
    expiresAt,
  })
}

export async function freshLoginAfter(deps: CoreDeps, uid: string): Promise<string | undefined> {
  const row = await deps.store.oidcPayloads.find(FRESH_LOGIN, uid, deps.clock.now().toISOString())
  return row?.payload.after as string | undefined
}
