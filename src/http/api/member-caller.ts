/**
 * Who is calling a member API, and which membership they act as. Three credentials (DESIGN §5):
 * a browser session cookie, a bearer token from API password sign-in (`gha_…`), or a personal API
 * token (`ghpt_…`). A bearer header wins; a bad one is refused rather than falling back to the cookie.
 */
import type { FastifyRequest } from 'fastify'
import { authenticateApiToken, isApiTokenSecret } from '../../core/api-tokens.js'
import { AuthError } from '../../core/auth-error.js'
import { accessibleMemberships, refuseIfSsoEnded } from '../../core/current-member.js'
import type { CoreDeps } from '../../core/deps.js'
import { resolveSession } from '../../core/sessions.js'
import type { ApiToken, Membership, Session, User } from '../../core/types.js'
import { readBearer, sessionFromCookie, type CookieSettings } from '../authenticate.js'

export type MemberCaller =
  | { readonly via: 'session'; readonly session: Session; readonly user: User }
  | { readonly via: 'token'; readonly token: ApiToken; readonly user: User; readonly membership: Membership }

export async function identifyCaller(deps: CoreDeps, cookie: CookieSettings, request: FastifyRequest): Promise<MemberCaller> {
  const bearer = readBearer(request)
  if (bearer !== undefined && isApiTokenSecret(bearer)) {
    const { token, membership } = await authenticateApiToken(deps, bearer)
    return { via: 'token', token, user: membership.member.user, membership }
  }
  const resolved = bearer !== undefined ? await resolveSession(deps, bearer, 'api') : await sessionFromCookie(deps, cookie, request)
  if (resolved === undefined)
    throw new AuthError(bearer !== undefined ? 'token_invalid' : 'unauthenticated', 'Sign in first: send a session cookie or an API bearer token.')
  return { via: 'session', ...resolved }
}

/**
 * The one membership the caller acts as, or a refusal saying why there is none: an API session or
 * token whose membership ended (`token_invalid`), a browser session of a user in several orgs that
 * has not chosen one (`org_not_selected`), or one the org's policy no longer lets act (`no_membership`).
 */
export async function actingMembership(deps: CoreDeps, caller: MemberCaller): Promise<Membership> {
  if (caller.via === 'token') return caller.membership
  const { session } = caller
  const memberships = await accessibleMemberships(deps, session)
  const membership = session.orgId !== null ? memberships.find((m) => m.org.id === session.orgId) : memberships.length === 1 ? memberships[0] : undefined
  if (membership !== undefined) return membership
  if (session.kind === 'api') throw new AuthError('token_invalid', "This token's organization membership has ended.")
  await refuseIfSsoEnded(deps, session)
  if (session.orgId === null && memberships.length > 1) {
    throw new AuthError(
      'org_not_selected',
      'This session acts for several organizations: use the API tokens page of one of them, or API password sign-in naming the org.',
    )
  }
  throw new AuthError('no_membership', 'This session does not act for an organization you may use it in.')
}

/** Creating and revoking tokens needs a signed-in session: a personal API token cannot mint or revoke tokens. */
export function requireSession(caller: MemberCaller): void {
  if (caller.via === 'token') {
    throw new AuthError(
      'session_required',
      'A personal API token cannot create or revoke tokens: sign in (in the browser, or with API password sign-in) to manage them.',
    )
  }
}
