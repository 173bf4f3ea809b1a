/**
 * Password sign-in, for the sign-in page (a browser session) and the member API (a bearer token).
 * Rate-limited per account and per IP before the hash is touched; a missing account costs the same
 * time as a wrong password and gets the same answer.
 */
import { AuthError } from './auth-error.js'
import type { CoreDeps } from './deps.js'
import { getOrganization } from './orgs.js'
import { clearAccountAttempts, countAttempt } from './rate-limit.js'
import { startSession, type StartedSession } from './sessions.js'
import { isSignInAllowed } from './sso-policy.js'
import { normalizeEmail, type Member, type Organization, type User } from './types.js'
import { checkEmailCharacters } from './validation.js'

export interface PasswordSignIn {
  readonly email: string
  readonly password: string
  readonly ip: string
  /** The org to act for; required for API sign-in. */
  readonly orgSlug?: string | undefined
  readonly kind: 'browser' | 'api'
}

export interface SignedIn extends StartedSession {
  readonly user: User
  readonly org: Organization | undefined
  readonly member: Member | undefined
}

const INVALID = 'The email or password is not right.'

/** Signs in with email and password, counted for /metrics by outcome and failure code. */
export async function signInWithPassword(deps: CoreDeps, input: PasswordSignIn): Promise<SignedIn> {
  const method = input.kind === 'api' ? 'api_password' : 'password'
  try {
    const signedIn = await passwordSignIn(deps, input)
    deps.metrics.signIn(method, 'success')
    return signedIn
  } catch (error) {
    deps.metrics.signIn(method, 'failure', (error as { code?: unknown }).code as string | undefined)
    throw error
  }
}

async function passwordSignIn(deps: CoreDeps, input: PasswordSignIn): Promise<SignedIn> {
  // A look-alike of an address is refused as such, not answered as a wrong password.
  const account = normalizeEmail(checkEmailCharacters(input.email))
  if (account === '' || input.password === '' || input.password.length > 1024) {
    throw new AuthError('invalid_credentials', INVALID)
  }
  await countAttempt(deps, { account, ip: input.ip })
  const credentials = await deps.store.users.findCredentials(account)
  if (credentials?.passwordHash == null) {
    await deps.hasher.waste(input.password)
    throw new AuthError('invalid_credentials', INVALID, credentials === undefined ? 'no such user' : 'user has no password')
  }
  if (!(await deps.hasher.verify(credentials.passwordHash, input.password))) {
    throw new AuthError('invalid_credentials', INVALID, 'wrong password')
  }
  await clearAccountAttempts(deps, account)

  const { user } = credentials
  const memberships = await deps.store.members.listMemberships(user.id)
  const channel = input.kind === 'api' ? 'api_password' : 'password_page'
  const allowed: typeof memberships = []
  const blocked: { ssoName: string }[] = []
  for (const m of memberships) {
    const connection = await deps.store.ssoConnections.findByOrg(m.org.id)
    if (isSignInAllowed(connection, { allowWithoutSso: m.member.allowWithoutSso, email: user.email }, channel)) allowed.push(m)
    else blocked.push({ ssoName: connection!.ssoName })
  }
  let chosen = allowed.length === 1 ? allowed[0] : undefined
  if (input.orgSlug !== undefined) {
    const org = await getOrganization(deps, input.orgSlug).catch(() => undefined)
    const membership = org && memberships.find((m) => m.org.id === org.id)
    if (membership === undefined) throw new AuthError('no_membership', 'You are not a member of that organization.')
    chosen = allowed.find((m) => m.org.id === membership.org.id)
    if (chosen === undefined) throw new AuthError('sso_required', 'Your organization requires single sign-on: sign in through your identity provider.')
  } else if (input.kind === 'api') {
    throw new AuthError('no_membership', 'Name the organization to sign in to ("org").')
  } else if (allowed.length === 0 && blocked.length > 0) {
    throw new AuthError(
      'sso_required',
      `Your organization requires single sign-on: use "Sign in with SSO" with the SSO name ${blocked[0]!.ssoName}.`,
      blocked[0]!.ssoName,
    )
  }
  const started = await startSession(deps, { userId: user.id, orgId: chosen?.org.id ?? null, kind: input.kind, authMethod: 'password' })
  return { ...started, user, org: chosen?.org, member: chosen?.member }
}
