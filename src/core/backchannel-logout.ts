/**
 * "Logout everywhere" (DESIGN §5) for host apps over OpenID Connect Back-Channel Logout 1.0.
 *
 * - When the interaction grants an authorization, the grant is recorded with the Gatehouse session it
 *   came from and a `sid`: one per session, client and org, set as the provider session's sid for the
 *   client (http/oidc/provider.tsx loadExistingGrant), so the ID tokens carry it.
 * - When sessions end (core/sessions.ts: sign-out, replaced, SAML single logout; deactivation,
 *   removal, password reset by user), their rows are taken in the same transaction: their grants are
 *   revoked (refresh tokens stop) and one `backchannel_logout` job is queued per client and sid whose
 *   client has a backchannel_logout_uri. The worker signs and POSTs the logout token
 *   (jobs/backchannel-logout.ts), never the request that ended the session.
 * - SSO turned off for an org: its SSO sessions reach nothing any more (core/current-member.ts), so
 *   the apps signed in through them are logged out the same way (`logOutSsoSessionApps`).
 * - Expiry (the sweep) notifies nobody: the RP's own session lifetime covers it; the rows go with it.
 */
import { recordAudit } from './audit.js'
import type { CoreDeps } from './deps.js'
import { signLogoutToken } from './logout-token.js'
import { activeOidcJwks } from './oidc-keys.js'
import type { OidcSessionGrant, Stores } from './ports.js'
import { newSecretToken } from './secret-token.js'
import type { Session } from './types.js'

export const BACKCHANNEL_LOGOUT_JOB = 'backchannel_logout'
/** The provider's issuer: `{BASE_URL}/oidc` (http/oidc/provider.tsx mounts it there). */
export const OIDC_PATH = '/oidc'

/** Why sessions end; recorded with each logout (logs, the audit of a delivery given up). */
export type SessionEndReason = 'sign_out' | 'replaced' | 'saml_logout' | 'deactivated' | 'removed' | 'password_reset' | 'sso_disabled'

export interface BackchannelLogoutPayload {
  readonly clientId: string
  readonly sub: string
  readonly sid: string
  readonly orgId: string
  readonly reason: SessionEndReason
}

/** At the interaction's grant: records the grant against the session; the sid for its tokens. */
export async function recordOidcSessionGrant(deps: CoreDeps, grant: { session: Session; clientId: string; grantId: string; orgId: string }): Promise<string> {
  const { session, clientId, grantId, orgId } = grant
  const sid = (await deps.store.oidcSessionGrants.findSid(session.idHash, clientId, orgId)) ?? newSecretToken()
  await deps.store.oidcSessionGrants.insert({
    grantId,
    sessionHash: session.idHash,
    clientId,
    sid,
    userId: session.userId,
    orgId,
    createdAt: deps.clock.now().toISOString(),
    expiresAt: session.expiresAt,
  })
  return sid
}

/** The sid of the Gatehouse session a grant was made in; undefined for grants not made by the interaction. */
export async function findOidcSessionSid(deps: CoreDeps, grantId: string): Promise<string | undefined> {
  return (await deps.store.oidcSessionGrants.findByGrant(grantId))?.sid
}

/**
 * Inside the transaction that ends the sessions: revokes the taken rows' grants and queues one
 * logout token per client and sid, for clients with a backchannel_logout_uri.
 */
export async function logOutOidcClients(stores: Stores, rows: readonly OidcSessionGrant[], reason: SessionEndReason, now: Date): Promise<void> {
  if (rows.length === 0) return
  await stores.oidcPayloads.deleteGrants(rows.map((r) => r.grantId))
  const queued = new Set<string>()
  const clients = new Map<string, boolean>()
  for (const row of rows) {
    const key = `${row.clientId} ${row.sid}`
    if (queued.has(key)) continue
    queued.add(key)
    if (!clients.has(row.clientId)) clients.set(row.clientId, (await stores.oidcClients.find(row.clientId))?.backchannelLogoutUri !== undefined)
    if (clients.get(row.clientId) !== true) continue
    const payload: BackchannelLogoutPayload = { clientId: row.clientId, sub: row.userId, sid: row.sid, orgId: row.orgId, reason }
    await stores.jobs.enqueue({ kind: BACKCHANNEL_LOGOUT_JOB, payload: { ...payload }, runAt: now.toISOString() }, now.toISOString())
  }
}

/** Inside the transaction that turns an org's SSO off: the apps signed in through its SSO sessions. */
export async function logOutSsoSessionApps(stores: Stores, orgId: string, now: Date): Promise<void> {
  await logOutOidcClients(stores, await stores.oidcSessionGrants.takeBySsoSessionsOfOrg(orgId), 'sso_disabled', now)
}

export type BackchannelOutcome =
  | { readonly outcome: 'delivered'; readonly status: number }
  /** The client is gone or no longer has a back-channel logout URI: nothing to send. */
  | { readonly outcome: 'skipped' }
  /** The receiver refused for good (a 4xx other than 408/429): audited, not retried. */
  | { readonly outcome: 'given_up'; readonly status: number | null; readonly error: string }
  | { readonly outcome: 'retry'; readonly status: number | null; readonly error: string }

export function parseBackchannelPayload(payload: Readonly<Record<string, unknown>>): BackchannelLogoutPayload {
  const { clientId, sub, sid, orgId, reason } = payload
  if (typeof clientId !== 'string' || typeof sub !== 'string' || typeof sid !== 'string' || typeof orgId !== 'string' || typeof reason !== 'string') {
    throw new Error('backchannel_logout job without clientId, sub, sid, orgId and reason')
  }
  return { clientId, sub, sid, orgId, reason: reason as SessionEndReason }
}

/** One attempt: a freshly signed logout token POSTed under the outbound rules (net/webhook-sender.ts). */
export async function deliverBackchannelLogout(deps: CoreDeps, job: BackchannelLogoutPayload): Promise<BackchannelOutcome> {
  const client = await deps.store.oidcClients.find(job.clientId)
  if (client?.backchannelLogoutUri === undefined) return { outcome: 'skipped' }
  // Signed like the ID tokens: the newest RS256 key (oidc-provider signs with the first of an algorithm).
  const key = (await activeOidcJwks(deps)).find((k) => k.alg === 'RS256')
  if (key === undefined) return { outcome: 'retry', status: null, error: 'no RS256 signing key' }
  const token = signLogoutToken(key, {
    issuer: `${deps.settings.baseUrl}${OIDC_PATH}`,
    clientId: client.id,
    sub: job.sub,
    sid: client.backchannelLogoutSessionRequired ? job.sid : undefined,
    now: deps.clock.now(),
  })
  const result = await deps.webhookSender.post({
    url: client.backchannelLogoutUri,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Gatehouse back-channel logout' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  })
  if (result.ok) return { outcome: 'delivered', status: result.status }
  const { error } = result
  // Back-Channel Logout 1.0 §2.8: 400 means the RP refused the token; retrying the same refusal helps nobody.
  const refused = result.status !== null && result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429
  if (!refused) return { outcome: 'retry', status: result.status, error }
  const now = deps.clock.now()
  // The org's audit log; the deployment's when the org has been deleted since.
  const org = await deps.store.orgs.findById(job.orgId)
  await recordAudit(
    deps.store,
    {
      orgId: org?.id ?? null,
      actor: { kind: 'system', name: 'backchannel-logout' },
      action: 'oidc.backchannel_logout_failed',
      target: client.id,
      detail: { client: client.name, status: result.status, reason: job.reason },
    },
    now,
  )
  return { outcome: 'given_up', status: result.status, error }
}
