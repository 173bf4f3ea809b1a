/**
 * Personal API tokens (DESIGN §5), as GitHub's personal access tokens: a member makes one from a
 * signed-in session, sees the secret once, and uses it as `Authorization: Bearer ghpt_…` on member
 * APIs. Rules:
 * - a token belongs to one user in one org (the org the creating session acts for), and acts there only;
 * - 256 random bits behind the `ghpt_` prefix (secret scanners can recognise it); only SHA-256 is stored;
 * - a name of 1–100 characters, unique among the member's tokens; at most 50 tokens per member;
 * - an optional expiry of 1–366 days; an expired token is refused but stays listed until revoked;
 * - every use is checked live: the token must exist and be unexpired, its user still a member of its
 *   org, and the org's SSO policy must allow this member personal API tokens (DESIGN §2.4, channel
 *   `api_token`) — so removal from the org or a tightened policy stops it at the next request;
 * - a token cannot create or revoke tokens (that needs a session: a leaked token cannot mint more);
 * - creation and revocation are written to the org's audit log (name and id, never the secret).
 */
import { AccountError } from './account-error.js'
import { recordAudit } from './audit.js'
import { AuthError } from './auth-error.js'
import { addMs, days } from './clock.js'
import type { Actor, CoreDeps } from './deps.js'
import { DuplicateKeyError } from './ports.js'
import { hashSecretToken, newId, newSecretToken } from './secret-token.js'
import { isSignInAllowed } from './sso-policy.js'
import type { ApiToken, Membership, User } from './types.js'

export const API_TOKEN_PREFIX = 'ghpt_'
export const MAX_API_TOKENS_PER_MEMBER = 50
export const API_TOKEN_NAME_MAX = 100
export const API_TOKEN_MAX_DAYS = 366
/** `lastUsedAt` is written at most this often per token, so a busy token costs no write per call. */
const TOUCH_INTERVAL_MS = 60_000

export interface NewApiTokenInput {
  readonly name: string
  /** Omitted: the token does not expire. */
  readonly expiresInDays?: number | undefined
}

export interface CreatedApiToken {
  readonly token: ApiToken
  /** Shown to the member once; never stored, never logged. */
  readonly secret: string
}

export function isApiTokenSecret(bearer: string): boolean {
  return bearer.startsWith(API_TOKEN_PREFIX)
}

export function checkApiTokenName(name: string): string {
  const trimmed = name.trim()
  const length = [...trimmed].length
  if (length === 0 || length > API_TOKEN_NAME_MAX || /[\x00-\x1f\x7f]/.test(trimmed)) {
    throw new AccountError('token_name_invalid', `A token name must be 1–${API_TOKEN_NAME_MAX} characters with no control characters.`, undefined, 'name')
  }
  return trimmed
}

function checkExpiry(expiresInDays: number | undefined): number | undefined {
  if (expiresInDays === undefined) return undefined
  if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > API_TOKEN_MAX_DAYS) {
    throw new AccountError(
      'token_expiry_invalid',
      `A token expires after a whole number of days from 1 to ${API_TOKEN_MAX_DAYS}, or never.`,
      undefined,
      'expiresInDays',
    )
  }
  return expiresInDays
}

const actorOf = (user: User): Actor => ({ kind: 'user', userId: user.id, email: user.email })

/** Whether the org's SSO policy lets this member make and use personal API tokens right now. */
export async function mayUseApiTokens(deps: CoreDeps, membership: Membership): Promise<boolean> {
  const connection = await deps.store.ssoConnections.findByOrg(membership.org.id)
  return isSignInAllowed(connection, { allowWithoutSso: membership.member.allowWithoutSso, email: membership.member.user.email }, 'api_token')
}

async function checkPolicyAllows(deps: CoreDeps, membership: Membership): Promise<void> {
  if (!(await mayUseApiTokens(deps, membership))) {
    throw new AuthError('sso_required', `${membership.org.name} requires single sign-on: its policy does not allow you personal API tokens.`)
  }
}

/** Makes a token for the member `membership` names (the caller has checked the session may act there). */
export async function createApiToken(deps: CoreDeps, membership: Membership, input: NewApiTokenInput): Promise<CreatedApiToken> {
  const name = checkApiTokenName(input.name)
  const expiresInDays = checkExpiry(input.expiresInDays)
  await checkPolicyAllows(deps, membership)
  const { org, member } = membership
  const now = deps.clock.now()
  const secret = newSecretToken(API_TOKEN_PREFIX)
  const token: ApiToken = {
    id: newId(),
    userId: member.user.id,
    orgId: org.id,
    name,
    createdAt: now.toISOString(),
    expiresAt: expiresInDays === undefined ? null : addMs(now, days(expiresInDays)).toISOString(),
    lastUsedAt: null,
  }
  await deps.store.transaction(async (tx) => {
    if ((await tx.apiTokens.countByMember(member.user.id, org.id)) >= MAX_API_TOKENS_PER_MEMBER) {
      throw new AccountError(
        'token_limit_reached',
        `You have ${MAX_API_TOKENS_PER_MEMBER} personal API tokens for this organization, the most allowed: revoke one first.`,
      )
    }
    try {
      await tx.apiTokens.insert({ ...token, tokenHash: hashSecretToken(secret) })
    } catch (error) {
      if (error instanceof DuplicateKeyError)
        throw new AccountError('token_name_taken', `You already have a token named "${name}" for this organization.`, undefined, 'name')
      throw error
    }
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor: actorOf(member.user),
        action: 'token.created',
        target: member.user.email,
        detail: { tokenId: token.id, name, expiresAt: token.expiresAt },
      },
      now,
    )
  })
  return { token, secret }
}

export async function listApiTokens(deps: CoreDeps, membership: Membership): Promise<ApiToken[]> {
  return deps.store.apiTokens.listByMember(membership.member.user.id, membership.org.id)
}

/** Revokes one of the member's own tokens; anyone else's, or none, is `token_not_found` alike. */
export async function revokeApiToken(deps: CoreDeps, membership: Membership, tokenId: string): Promise<void> {
  const { org, member } = membership
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    const revoked = await tx.apiTokens.delete(member.user.id, org.id, tokenId)
    if (revoked === undefined) throw new AccountError('token_not_found', 'You have no such token in this organization.')
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor: actorOf(member.user),
        action: 'token.revoked',
        target: member.user.email,
        detail: { tokenId: revoked.id, name: revoked.name },
      },
      now,
    )
  })
}

export interface AuthenticatedToken {
  readonly token: ApiToken
  readonly membership: Membership
}

/**
 * The live token for a presented secret, with the membership it acts as. Unknown, expired or
 * orphaned: `token_invalid` (401). Valid but the org's policy forbids it now: `sso_required` (403),
 * and it works again once the policy allows it.
 */
export async function authenticateApiToken(deps: CoreDeps, secret: string): Promise<AuthenticatedToken> {
  const invalid = (detail: string) => new AuthError('token_invalid', 'This API token is unknown, revoked or expired.', detail)
  if (!isApiTokenSecret(secret) || secret.length < 40 || secret.length > 200) throw invalid('malformed personal token')
  const token = await deps.store.apiTokens.findByHash(hashSecretToken(secret))
  if (token === undefined) throw invalid('no such personal token')
  const now = deps.clock.now()
  if (token.expiresAt !== null && token.expiresAt <= now.toISOString()) throw invalid(`personal token ${token.id} expired`)
  const [org, member] = await Promise.all([deps.store.orgs.findById(token.orgId), deps.store.members.findByUser(token.orgId, token.userId)])
  if (org === undefined || member === undefined) throw invalid(`personal token ${token.id}: membership ended`)
  const membership: Membership = { org, member }
  await checkPolicyAllows(deps, membership)
  if (token.lastUsedAt === null || now.getTime() - new Date(token.lastUsedAt).getTime() >= TOUCH_INTERVAL_MS) {
    await deps.store.apiTokens.touch(token.id, now.toISOString())
    return { token: { ...token, lastUsedAt: now.toISOString() }, membership }
  }
  return { token, membership }
}
