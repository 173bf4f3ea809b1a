/**
 * The browser session a set-up link starts (DESIGN §2 "Set-up links"): opening the link trades its
 * secret for a session of its own kind, bound to the link, kept apart from members' sessions (so it
 * can never pass a member or owner check). It lasts at most SETUP_SESSION_HOURS and never past the
 * link's expiry, and ends as soon as the link is revoked or expires: `resolveSetupLinkSession` checks
 * the link on every request. Guessing secrets is limited per client IP like the other secrets.
 */
import { AccountError } from './account-error.js'
import { AuthError } from './auth-error.js'
import { recordAudit } from './audit.js'
import { addMs, hours } from './clock.js'
import type { CoreDeps } from './deps.js'
import { rateWindow } from './rate-limit.js'
import { hashSecretToken, newSecretToken } from './secret-token.js'
import type { SetupLinkActor } from './setup-link-access.js'
import type { SetupLink, SetupLinkSession } from './setup-link-ports.js'
import { SETUP_LINK_PREFIX } from './setup-links.js'
import type { Organization } from './types.js'

export const SETUP_SESSION_HOURS = 4
const SECRET_PATTERN = new RegExp(`^${SETUP_LINK_PREFIX}[A-Za-z0-9_-]{43}$`)

export interface ResolvedSetupLinkSession {
  readonly session: SetupLinkSession
  readonly link: SetupLink
  readonly org: Organization
  readonly actor: SetupLinkActor
  /** Who sent the link, for the pages: the owner's name and email, or "the operator". */
  readonly sentBy: string
}

export function setupLinkActor(link: SetupLink): SetupLinkActor {
  return { kind: 'setup-link', linkId: link.id, orgId: link.orgId, scopes: link.scopes, createdBy: link.createdBy }
}

function isLive(link: SetupLink, now: string): boolean {
  return link.revokedAt === null && link.expiresAt > now
}

/** Every attempt counts (hit first, then check), per client IP, in the password limit's windows. */
async function countOpening(deps: CoreDeps, ip: string): Promise<void> {
  const { windowMinutes, perIp } = deps.settings.rateLimit
  const { start, retryAfterSeconds } = rateWindow(deps.clock.now(), windowMinutes)
  if ((await deps.store.rateLimits.hit(`setup-link:ip:${ip}`, start)) > perIp) {
    const minutes = Math.ceil(retryAfterSeconds / 60)
    throw new AuthError(
      'rate_limited',
      `Too many set-up links tried. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      'per-IP limit',
      retryAfterSeconds,
    )
  }
}

/** Trades a link's secret for a new session bound to it; `setup_link_invalid` when unknown, revoked or expired. */
export async function openSetupLink(deps: CoreDeps, secret: string, ip: string): Promise<{ id: string; session: SetupLinkSession; link: SetupLink }> {
  await countOpening(deps, ip)
  const invalid = new AccountError(
    'setup_link_invalid',
    'This set-up link is not valid: it was revoked, it has expired, or it was copied wrong. Ask for a new link.',
  )
  if (!SECRET_PATTERN.test(secret)) throw invalid
  const now = deps.clock.now()
  const link = await deps.store.setupLinks.findBySecretHash(hashSecretToken(secret))
  if (link === undefined || !isLive(link, now.toISOString())) throw invalid
  const id = newSecretToken()
  let expiresAt = addMs(now, hours(SETUP_SESSION_HOURS)).toISOString()
  if (link.expiresAt < expiresAt) expiresAt = link.expiresAt
  const session: SetupLinkSession = { idHash: hashSecretToken(id), linkId: link.id, createdAt: now.toISOString(), expiresAt }
  await deps.store.transaction(async (tx) => {
    await tx.setupLinks.insertSession(session)
    await recordAudit(
      tx,
      { orgId: link.orgId, actor: setupLinkActor(link), action: 'setup_link.opened', target: link.id, detail: { sessionExpiresAt: expiresAt } },
      now,
    )
  })
  return { id, session, link }
}

/** The live session for a presented cookie with its live link and org; undefined (and the session gone) otherwise. */
export async function resolveSetupLinkSession(deps: CoreDeps, id: string): Promise<ResolvedSetupLinkSession | undefined> {
  if (id.length < 20 || id.length > 200) return undefined
  const idHash = hashSecretToken(id)
  const found = await deps.store.setupLinks.findSession(idHash)
  if (found === undefined) return undefined
  const now = deps.clock.now().toISOString()
  if (found.session.expiresAt <= now || !isLive(found.link, now)) {
    await deps.store.setupLinks.deleteSession(idHash)
    return undefined
  }
  const org = await deps.store.orgs.findById(found.link.orgId)
  if (org === undefined) return undefined
  let sentBy = 'the operator'
  if (found.link.createdByUserId !== null) {
    const user = await deps.store.users.findById(found.link.createdByUserId)
    if (user !== undefined) sentBy = `${user.firstName} ${user.lastName}`.trim() === '' ? user.email : `${user.firstName} ${user.lastName} (${user.email})`
  }
  return { ...found, org, actor: setupLinkActor(found.link), sentBy }
}

export async function endSetupLinkSession(deps: CoreDeps, id: string): Promise<void> {
  if (id.length < 20 || id.length > 200) return
  await deps.store.setupLinks.deleteSession(hashSecretToken(id))
}
