/**
 * Forgot password (DESIGN §3). The request only queues a job holding the email typed: the same work,
 * the same answer, whether or not an account exists. The job (jobs/password-reset-mail.ts) decides:
 * no account — nothing; a user who may use a password in one of their orgs — a single-use link that
 * expires in an hour; a user whose every org requires SSO — a mail pointing to the org's SSO sign-in,
 * and no password link (no dormant password). Using a link ends every session of the user. Requests
 * that send something and completed resets are audited in each of the user's orgs.
 */
import { AccountError } from './account-error.js'
import { AuthError } from './auth-error.js'
import { recordAudit } from './audit.js'
import { addMs, hours } from './clock.js'
import type { Actor, CoreDeps } from './deps.js'
import { revokeOidcAccess } from './oidc-revocation.js'
import type { Stores } from './ports.js'
import { rateWindow } from './rate-limit.js'
import { hashSecretToken, newSecretToken } from './secret-token.js'
import { endUserSessions } from './sessions.js'
import { isPasswordAllowed } from './sso-policy.js'
import { normalizeEmail, type Membership, type User } from './types.js'
import { checkEmailCharacters, checkPassword } from './validation.js'

export const RESET_LIFETIME = hours(1)
const MAILS_PER_WINDOW = 5

/** The job kind that answers a forgot-password request (jobs/password-reset-mail.ts). */
export const PASSWORD_RESET_JOB = 'password_reset'

/**
 * Forgot password's form: queues the mail. `ip` is the client (Fastify's request.ip: the proxy hop
 * the operator trusts, never a header the client wrote).
 */
export async function requestPasswordReset(deps: CoreDeps, email: string, ip: string): Promise<void> {
  // Invisible characters are refused before anything else, so the answer says nothing about accounts.
  const account = normalizeEmail(checkEmailCharacters(email))
  if (account === '') return
  const now = deps.clock.now()
  const window = rateWindow(now, deps.settings.rateLimit.windowMinutes)
  // One address sending the form for many emails (mailing strangers from our domain, or filling the
  // mail queue) is refused as sign-in attempts are, by the same per-IP limit. The answer tells the
  // sender, and says nothing about any account.
  if ((await deps.store.rateLimits.hit(`reset:ip:${ip}`, window.start)) > deps.settings.rateLimit.perIp) {
    const minutes = Math.ceil(window.retryAfterSeconds / 60)
    throw new AuthError(
      'rate_limited',
      `Too many requests from your network. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      'per-IP limit',
      window.retryAfterSeconds,
    )
  }
  // At most a few mails per window, so the form cannot be used to flood someone's inbox. Counted for
  // every email typed, account or not, so that the work done does not tell them apart.
  if ((await deps.store.rateLimits.hit(`reset:${account}`, window.start)) > MAILS_PER_WINDOW) return
  await deps.store.jobs.enqueue({ kind: PASSWORD_RESET_JOB, payload: { email: account }, runAt: now.toISOString() }, now.toISOString())
}

export type ResetMailOutcome = 'no_account' | 'reset_link' | 'sso_sign_in'

/** The worker's half of forgot password: decides what to mail, mails it, audits it. */
export async function sendPasswordResetMail(deps: CoreDeps, email: string): Promise<ResetMailOutcome> {
  const user = await deps.store.users.findByEmail(email)
  if (user === undefined) return 'no_account'
  const memberships = await deps.store.members.listMemberships(user.id)
  const ssoNames = await ssoNamesIfPasswordForbidden(deps.store, user, memberships)
  const system: Actor = { kind: 'system', name: 'forgot-password' }
  if (ssoNames !== undefined) {
    await deps.mailer.send(ssoSignInMail(deps.settings.baseUrl, user.email, ssoNames))
    await auditInOrgs(deps, memberships, system, 'password.reset_requested', user.email, { mailed: 'sso_sign_in' })
    return 'sso_sign_in'
  }
  const token = newSecretToken()
  const link = await insertPasswordLink(deps, deps.store, user.id, token, RESET_LIFETIME)
  try {
    await deps.mailer.send(resetLinkMail(user.email, link))
  } catch (error) {
    // Not mailed: nobody knows the token; drop it, the retry makes another.
    await deps.store.oneTimeTokens.consume(hashSecretToken(token), 'password_reset', deps.clock.now().toISOString()).catch(() => undefined)
    throw error
  }
  await auditInOrgs(deps, memberships, system, 'password.reset_requested', user.email, { mailed: 'reset_link' })
  return 'reset_link'
}

/**
 * The SSO names to point to when the user may use a password in none of their orgs (DESIGN §2.4:
 * `exceptions` without allow-access-without-SSO, or `strict`, and not on the API allow-list);
 * undefined when a password is of use somewhere (or the user belongs to no org).
 */
async function ssoNamesIfPasswordForbidden(
  stores: Pick<Stores, 'ssoConnections'>,
  user: User,
  memberships: readonly Membership[],
): Promise<string[] | undefined> {
  if (memberships.length === 0) return undefined
  const ssoNames: string[] = []
  for (const m of memberships) {
    const connection = await stores.ssoConnections.findByOrg(m.org.id)
    if (isPasswordAllowed(connection, { allowWithoutSso: m.member.allowWithoutSso, email: user.email })) return undefined
    ssoNames.push(connection!.ssoName)
  }
  return ssoNames
}

function resetLinkMail(to: string, link: string) {
  return {
    to,
    subject: 'Reset your Gatehouse password',
    text: [
      'Someone asked to reset the password of your Gatehouse account.',
      '',
      'Choose a new password here (the link works once and expires in 1 hour):',
      link,
      '',
      'If it was not you, ignore this message; your password stays as it is.',
    ].join('\n'),
  }
}

function ssoSignInMail(baseUrl: string, to: string, ssoNames: readonly string[]) {
  return {
    to,
    subject: 'Sign in to Gatehouse with single sign-on',
    text: [
      'Someone asked to reset the password of your Gatehouse account.',
      '',
      'Your organization requires single sign-on, so your account has no use for a password. Sign in through your identity provider here:',
      ...ssoNames.map((name) => `${baseUrl}/sso/${name}`),
      '',
      'If it was not you, ignore this message; nothing has changed.',
    ].join('\n'),
  }
}

async function auditInOrgs(
  deps: CoreDeps,
  memberships: readonly Membership[],
  actor: Actor,
  action: string,
  target: string,
  detail: Record<string, unknown>,
): Promise<void> {
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => recordInOrgs(tx, memberships, actor, action, target, detail, now))
}

async function recordInOrgs(
  tx: Stores,
  memberships: readonly Membership[],
  actor: Actor,
  action: string,
  target: string,
  detail: Record<string, unknown>,
  now: Date,
): Promise<void> {
  if (memberships.length === 0) await recordAudit(tx, { orgId: null, actor, action, target, detail }, now)
  for (const m of memberships) await recordAudit(tx, { orgId: m.org.id, actor, action, target, detail }, now)
}

/** A single-use link that sets the user's password (forgot-password, and the CLI's create-owner). */
export async function issuePasswordLink(deps: CoreDeps, userId: string, lifetimeMs: number): Promise<string> {
  return insertPasswordLink(deps, deps.store, userId, newSecretToken(), lifetimeMs)
}

async function insertPasswordLink(deps: CoreDeps, stores: Pick<Stores, 'oneTimeTokens'>, userId: string, token: string, lifetimeMs: number): Promise<string> {
  const now = deps.clock.now()
  await stores.oneTimeTokens.insert({
    tokenHash: hashSecretToken(token),
    purpose: 'password_reset',
    userId,
    createdAt: now.toISOString(),
    expiresAt: addMs(now, lifetimeMs).toISOString(),
  })
  return `${deps.settings.baseUrl}/reset-password?token=${token}`
}

const INVALID = 'This password link is not valid any more: it was used or has expired. Ask for a new one.'

export async function isPasswordLinkLive(deps: CoreDeps, token: string): Promise<boolean> {
  return deps.store.oneTimeTokens.isLive(hashSecretToken(token), 'password_reset', deps.clock.now().toISOString())
}

export async function resetPassword(deps: CoreDeps, token: string, password: string): Promise<void> {
  const now = deps.clock.now()
  if (!(await isPasswordLinkLive(deps, token))) throw new AccountError('link_invalid', INVALID)
  const user = await deps.store.transaction(async (tx) => {
    const consumed = await tx.oneTimeTokens.consume(hashSecretToken(token), 'password_reset', now.toISOString())
    const user = consumed?.userId == null ? undefined : await tx.users.findById(consumed.userId)
    if (user === undefined) throw new AccountError('link_invalid', INVALID)
    const memberships = await tx.members.listMemberships(user.id)
    // A link mailed before the org started requiring SSO must not set a password nobody may use.
    const ssoNames = await ssoNamesIfPasswordForbidden(tx, user, memberships)
    if (ssoNames !== undefined)
      throw new AuthError('sso_required', `Your organization requires single sign-on: use "Sign in with SSO" with the SSO name ${ssoNames[0]!}.`, ssoNames[0])
    const hash = await deps.hasher.hash(checkPassword(password, user.email))
    await tx.users.setPasswordHash(user.id, hash, now.toISOString())
    await tx.oneTimeTokens.deleteForUser(user.id, 'password_reset')
    // Logout everywhere (DESIGN §5): every session, a logout token to each app signed in during them,
    // and the apps' grants and refresh tokens, in every org, for good.
    await endUserSessions(tx, { userId: user.id, orgId: undefined }, 'password_reset', now)
    for (const { org } of memberships) await revokeOidcAccess(tx, user.id, org.id, now.toISOString())
    await recordInOrgs(tx, memberships, { kind: 'user', userId: user.id, email: user.email }, 'password.reset', user.email, {}, now)
    return user
  })
  await deps.store.rateLimits.reset(`password:account:${normalizeEmail(user.email)}`)
}
