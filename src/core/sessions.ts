/**
 * Server-side sessions. The id is 256 random bits handed to the client once; only its SHA-256 is
 * stored. Every sign-in makes a new id (no fixation); a session ends at its idle or absolute expiry,
 * whichever comes first, or at sign-out.
 */
import { addMs, minutes, hours } from './clock.js'
import type { CoreDeps } from './deps.js'
import { hashSecretToken, newSecretToken } from './secret-token.js'
import type { AuthMethod, Session, SessionKind, User } from './types.js'

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

export async function endSession(deps: CoreDeps, id: string): Promise<void> {
  await deps.store.sessions.delete(hashSecretToken(id))
}

/** When the session will end if used no more: the earlier of idle and absolute expiry. */
export function sessionEndsAt(session: Session): string {
  return session.idleExpiresAt < session.expiresAt ? session.idleExpiresAt : session.expiresAt
}
