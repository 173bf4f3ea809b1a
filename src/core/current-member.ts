/**
 * What a session may act as right now, read live on every request so a removed member or a
 * tightened policy takes effect at once:
 * - an SSO session grants the org whose IdP made it, and only that org (DESIGN §3);
 * - a password session grants the orgs whose enforcement still lets this member use a password;
 * - an API session grants its one org while the policy allows API password sign-in.
 */
import { AuthError } from './auth-error.js'
import type { CoreDeps } from './deps.js'
import { isSignInAllowed, type SignInChannel } from './sso-policy.js'
import type { Membership, Organization, Session, Workspace } from './types.js'

const channelOf = (session: Session): SignInChannel | undefined =>
  session.authMethod === 'saml' ? 'sso' : session.kind === 'api' ? 'api_password' : 'password_page'

export async function accessibleMemberships(deps: CoreDeps, session: Session): Promise<Membership[]> {
  const all = await deps.store.members.listMemberships(session.userId)
  const scoped = session.authMethod === 'saml' || session.kind === 'api' ? all.filter((m) => m.org.id === session.orgId) : all
  const channel = channelOf(session)!
  const allowed: Membership[] = []
  for (const membership of scoped) {
    const connection = await deps.store.ssoConnections.findByOrg(membership.org.id)
    if (isSignInAllowed(connection, { allowWithoutSso: membership.member.allowWithoutSso, email: membership.member.user.email }, channel))
      allowed.push(membership)
  }
  return allowed
}

/** The membership the session acts for: its org, or the only accessible one. */
export async function currentMembership(deps: CoreDeps, session: Session): Promise<Membership | undefined> {
  const memberships = await accessibleMemberships(deps, session)
  if (session.orgId !== null) return memberships.find((m) => m.org.id === session.orgId)
  return memberships.length === 1 ? memberships[0] : undefined
}

export interface DashboardEntry {
  readonly membership: Membership
  readonly workspaces: readonly Workspace[]
}

/** Every org the session may see, with its workspaces, for the dashboard. */
export async function describeMemberships(deps: CoreDeps, session: Session): Promise<DashboardEntry[]> {
  const memberships = await accessibleMemberships(deps, session)
  return Promise.all(memberships.map(async (membership) => ({ membership, workspaces: await deps.store.workspaces.listByOrg(membership.org.id) })))
}

/** The session's membership of one org, if the session may act there. */
export async function findMembership(deps: CoreDeps, session: Session, orgSlug: string): Promise<Membership | undefined> {
  return (await accessibleMemberships(deps, session)).find((m) => m.org.slug === orgSlug)
}

/**
 * The org whose IdP made this SSO session, once that org's SSO is switched off (CLI, API or page)
 * while the user is still its member. The session then grants nothing (DESIGN §2.4: with SSO off,
 * SSO does not count), and the user should be told that, not "you are not a member".
 */
export async function findOrgWhoseSsoEnded(deps: CoreDeps, session: Session): Promise<Organization | undefined> {
  if (session.authMethod !== 'saml' || session.orgId === null) return undefined
  const connection = await deps.store.ssoConnections.findByOrg(session.orgId)
  if (connection?.enabled === true) return undefined
  if ((await deps.store.members.findByUser(session.orgId, session.userId)) === undefined) return undefined
  return deps.store.orgs.findById(session.orgId)
}

/** Refuses with `sso_turned_off` when that is why the session reaches no org; returns otherwise. */
export async function refuseIfSsoEnded(deps: CoreDeps, session: Session): Promise<void> {
  const org = await findOrgWhoseSsoEnded(deps, session)
  if (org !== undefined) {
    throw new AuthError('sso_turned_off', `Single sign-on was turned off for ${org.name}; sign in with your password (or set one).`, org.slug)
  }
}
