/**
 * Server-side sessions. The id is 256 random bits handed to the client once; only its SHA-256 is
 * stored. Every sign-in makes a new id (no fixation); a session ends at its idle or absolute expiry,
 * whichever comes first, or at sign-out.
 */
import { logOutOidcClients, type SessionEndReason } from './backchannel-logout.js'
import { addMs, minutes, hours } from './clock.js'
import type { CoreDeps } from './deps.js'
import type { Stores } from './ports.js'
import { hashSecretToken, newSecretToken } from './secret-token.js'
import type { AuthMethod, SamlSessionSubject, Session, SessionKind, User } from './types.js'

export interface StartedSession {
  /** The secret for the cookie or bearer header; never stored, never logged. */
  readonly id: string
  readonly session: Session
}

export interface SessionOptions {
  readonly userId: string
  readonly orgId: string | null
  readonly kind: SessionKind
  readonly authMethod: AuthMethod
  /** An earlier end than the configured absolute lifetime (an org's SSO session timeout). */
  readonly notAfter?: Date
  /** An SSO session: who the IdP said signed in, for single logout (DESIGN §10). */
  readonly saml?: SamlSessionSubject | undefined
}

export async function startSession(deps: CoreDeps, options: SessionOptions): Promise<StartedSession> {
  const now = deps.clock.now()
  const id = newSecretToken(options.kind === 'api' ? 'gha_' : '')
  let expiresAt = addMs(now, hours(deps.settings.session.absoluteHours))
  if (options.notAfter !== undefined && options.notAfter < expiresAt) expiresAt = options.notAfter
  let idleExpiresAt = addMs(now, minutes(deps.settings.session.idleMinutes))
  if (idleExpiresAt > expiresAt) idleExpiresAt = expiresAt
  const session: Session = {
    idHash: hashSecretToken(id),
    userId: options.userId,
    orgId: options.orgId,
    kind: options.kind,
    authMethod: options.authMethod,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    idleExpiresAt: idleExpiresAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    ...(options.saml === undefined ? {} : { saml: options.saml }),
  }
  await deps.store.sessions.insert(session)
  return { id, session }
}

export interface ResolvedSession {
  readonly session: Session
  readonly user: User
}

/** The live session for a presented id, sliding its idle expiry; undefined when unknown or expired. */
export async function resolveSession(deps: CoreDeps, id: string, kind: SessionKind): Promise<ResolvedSession | undefined> {
  if (id.length < 20 || id.length > 200) return undefined
  const idHash = hashSecretToken(id)
  const session = await deps.store.sessions.find(idHash)
  if (session === undefined || session.kind !== kind) return undefined
  const now = deps.clock.now()
  const nowIso = now.toISOString()
  if (session.expiresAt <= nowIso || session.idleExpiresAt <= nowIso) {
    await deps.store.sessions.delete(idHash)
    return undefined
  }
  const user = await deps.store.users.findById(session.userId)
  if (user === undefined) return undefined
  // Slide the idle window, but write at most once a minute per session.
  if (now.getTime() - new Date(session.lastSeenAt).getTime() >= 60_000) {
    let idle = addMs(now, minutes(deps.settings.session.idleMinutes)).toISOString()
    if (idle > session.expiresAt) idle = session.expiresAt
    await deps.store.sessions.touch(idHash, nowIso, idle)
    return { session: { ...session, lastSeenAt: nowIso, idleExpiresAt: idle }, user }
  }
  return { session, user }
}

export type { SessionEndReason }

/**
 * Every session ended on purpose passes here, once, after it is gone from the store and in the same
 * transaction: DESIGN §5's "logout everywhere" revokes the OIDC grants made during those sessions and
 * queues a back-channel logout token for each client signed in (core/backchannel-logout.ts).
 */
async function sessionsEnded(deps: CoreDeps, stores: Stores, ended: readonly Session[], reason: SessionEndReason): Promise<void> {
  const rows = await stores.oidcSessionGrants.takeBySessions(ended.map((s) => s.idHash))
  await logOutOidcClients(stores, rows, reason, deps.clock.now())
}

/** Ends the session with this id (sign-out, or a new sign-in replacing it); returns it as it was, or undefined when it was gone. */
export async function endSession(deps: CoreDeps, id: string, reason: SessionEndReason = 'sign_out'): Promise<Session | undefined> {
  if (id.length < 20 || id.length > 200) return undefined
  return deps.store.transaction(async (tx) => {
    const ended = await tx.sessions.take(hashSecretToken(id))
    if (ended !== undefined) await sessionsEnded(deps, tx, [ended], reason)
    return ended
  })
}

/**
 * Inside the caller's transaction: ends every session of a user (of one org's, when given) — a
 * deactivation or removal (that org), a password reset (all) — with "logout everywhere" for the OIDC
 * grants of that user (in that org) whatever session they came from.
 */
export async function endUserSessions(tx: Stores, user: { userId: string; orgId: string | undefined }, reason: SessionEndReason, now: Date): Promise<void> {
  if (user.orgId === undefined) await tx.sessions.deleteByUser(user.userId)
  else await tx.sessions.deleteByUserAndOrg(user.userId, user.orgId)
  await logOutOidcClients(tx, await tx.oidcSessionGrants.takeByUser(user.userId, user.orgId), reason, now)
}

/**
 * Ends the org's SSO sessions of one subject of one connection (an IdP's LogoutRequest, DESIGN §10):
 * every session of that NameID, or only those of the SessionIndexes given.
 */
export async function endSamlSessions(
  deps: CoreDeps,
  subject: { connectionId: string; orgId: string; nameId: string; sessionIndexes: readonly string[] },
  /** The stores of the caller's transaction (the replay record and the audit entry commit with the ending). */
  stores: Stores = deps.store,
): Promise<Session[]> {
  const ended = await stores.sessions.takeBySamlSubject(subject.connectionId, subject.orgId, subject.nameId, subject.sessionIndexes)
  if (ended.length > 0) await sessionsEnded(deps, stores, ended, 'saml_logout')
  return ended
}

/** When the session will end if used no more: the earlier of idle and absolute expiry. */
export function sessionEndsAt(session: Session): string {
  return session.idleExpiresAt < session.expiresAt ? session.idleExpiresAt : session.expiresAt
}
