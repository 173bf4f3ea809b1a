/**
 * Forgot password: the same answer whether or not the email exists; the emailed link is single use,
 * expires in an hour, and using it ends every session of that user.
 */
import { AccountError } from './account-error.js'
import { addMs, hours } from './clock.js'
import type { CoreDeps } from './deps.js'
import { revokeOidcAccess } from './oidc-revocation.js'
import { hashSecretToken, newSecretToken } from './secret-token.js'
import { normalizeEmail } from './types.js'
import { checkEmailCharacters, checkPassword } from './validation.js'

export const RESET_LIFETIME = hours(1)
const MAILS_PER_WINDOW = 5

export async function requestPasswordReset(deps: CoreDeps, email: string): Promise<void> {
  // Refused before the lookup, so the answer says nothing about whether an account exists.
  const account = normalizeEmail(checkEmailCharacters(email))
  const user = account === '' ? undefined : await deps.store.users.findByEmail(account)
  if (user === undefined) return
  // At most a few mails per window, so the form cannot be used to flood someone's inbox.
  const windowMs = deps.settings.rateLimit.windowMinutes * 60_000
  const windowStart = new Date(Math.floor(deps.clock.now().getTime() / windowMs) * windowMs).toISOString()
  if ((await deps.store.rateLimits.hit(`reset:${account}`, windowStart)) > MAILS_PER_WINDOW) return
  const link = await issuePasswordLink(deps, user.id, RESET_LIFETIME)
  await deps.mailer.send({
    to: user.email,
    subject: 'Reset your Gatehouse password',
    text: [
      'Someone asked to reset the password of your Gatehouse account.',
      '',
      'Choose a new password here (the link works once and expires in 1 hour):',
      link,
      '',
      'If it was not you, ignore this message; your password stays as it is.',
    ].join('\n'),
  })
}

/** A single-use link that sets the user's password (forgot-password, and the CLI's create-owner). */
export async function issuePasswordLink(deps: CoreDeps, userId: string, lifetimeMs: number): Promise<string> {
  const token = newSecretToken()
  const now = deps.clock.now()
  await deps.store.oneTimeTokens.insert({
    tokenHash: hashSecretToken(token), purpose: 'password_reset', userId,
    createdAt: now.toISOString(), expiresAt: addMs(now, lifetimeMs).toISOString(),
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
    const hash = await deps.hasher.hash(checkPassword(password, user.email))
    await tx.users.setPasswordHash(user.id, hash, now.toISOString())
    await tx.oneTimeTokens.deleteForUser(user.id, 'password_reset')
    await tx.sessions.deleteByUser(user.id)
    // Logout everywhere (DESIGN §5): the apps' grants and refresh tokens, in every org, for good.
    for (const { org } of await tx.members.listMemberships(user.id)) await revokeOidcAccess(tx, user.id, org.id, now.toISOString())
    return user
  })
  await deps.store.rateLimits.reset(`password:account:${normalizeEmail(user.email)}`)
}
