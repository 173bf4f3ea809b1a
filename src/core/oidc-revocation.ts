/**
 * Revocation that sticks (DESIGN §5 "logout everywhere", issue 14 item 10). Two mechanisms:
 * - a removal or a password reset records, per user and org, an instant at or before which no grant
 *   is valid (`revokeOidcAccess`), and deletes those grants with their tokens. A grant carries when its
 *   membership was checked (`OrgLogin.checkedAt`), so re-adding the member later, or a grant being made
 *   while the revocation runs, cannot bring a token issued before back to life;
 * - a grant that fails its live check (core/oidc-login.ts: member gone, policy no longer allows how the
 *   user signed in, SSO login past its timeout) is deleted at that use, and every grant of an org is
 *   re-checked when its SSO policy changes (`dropLostOidcGrants`): a policy loosened again later does
 *   not revive it either.
 */
import type { CoreDeps } from './deps.js'
import { currentOidcClaims, type OidcClaims, type OrgLogin } from './oidc-login.js'
import type { Stores } from './ports.js'

/** Inside the transaction of the removal or reset: no grant of the user for the org checked until `now` is valid. */
export async function revokeOidcAccess(stores: Pick<Stores, 'oidcPayloads'>, userId: string, orgId: string, now: string): Promise<void> {
  await stores.oidcPayloads.revokeOrgLogins(userId, orgId, now)
}

/** False when a removal or password reset came at or after the grant's membership check. */
export async function isOrgLoginRevoked(deps: CoreDeps, login: OrgLogin): Promise<boolean> {
  const revokedAt = await deps.store.oidcPayloads.findRevocation(login.userId, login.orgId)
  // Grants made before checkedAt existed: authTime is earlier than their check, so the comparison errs towards revoked.
  return revokedAt !== undefined && (login.checkedAt ?? login.authTime) <= revokedAt
}

/** The claims of the grant's login now, or undefined — and then the grant is deleted for good. */
export async function claimsOrDropGrant(deps: CoreDeps, grantId: string, login: OrgLogin): Promise<OidcClaims | undefined> {
  const claims = (await isOrgLoginRevoked(deps, login)) ? undefined : await currentOidcClaims(deps, login)
  if (claims === undefined) await deps.store.oidcPayloads.deleteGrants([grantId])
  return claims
}

/** After an org's SSO policy or a member's exemption changed: drops every grant of the org (or of one user) that no longer passes. */
export async function dropLostOidcGrants(deps: CoreDeps, orgId: string, userId?: string): Promise<void> {
  for (const row of await deps.store.oidcPayloads.listOrgLogins(orgId, userId)) {
    await claimsOrDropGrant(deps, row.grantId, row.payload as unknown as OrgLogin)
  }
}
