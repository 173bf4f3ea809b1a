/**
 * Set-up links (DESIGN §2 "Set-up links"): an owner or the operator hands the person who configures
 * the IdP (often the customer's IT admin, with no account) a link to the set-up pages of the scopes
 * granted, and nothing else.
 * - the URL carries `ghsl_` and 256 random bits; only their SHA-256 is stored;
 * - a link expires (default 7 days, at most 30) and can be revoked; listing never shows the secret;
 * - creating, revoking and opening a link are audited, and so is everything done through it (its
 *   actor is named `set-up link {id} (created by …)`).
 * Sessions started by opening a link are in core/setup-link-sessions.ts.
 */
import { AccountError } from './account-error.js'
import { recordAudit } from './audit.js'
import { addMs, hours } from './clock.js'
import { describeActor, type Actor, type CoreDeps } from './deps.js'
import { getOrganization } from './orgs.js'
import { hashSecretToken, newId, newSecretToken } from './secret-token.js'
import { SETUP_LINK_SCOPES, type SetupLink, type SetupLinkScope } from './setup-link-ports.js'
import type { Organization } from './types.js'

export const SETUP_LINK_PREFIX = 'ghsl_'
export const DEFAULT_SETUP_LINK_HOURS = 7 * 24
export const MAX_SETUP_LINK_HOURS = 30 * 24

export interface NewSetupLinkInput {
  readonly scope: unknown
  readonly expiresInHours?: unknown
}

export interface CreatedSetupLink {
  readonly link: SetupLink
  /** `{BASE_URL}/setup/{secret}`: shown once, never stored, never logged. */
  readonly url: string
}

export function setupLinkUrl(baseUrl: string, secret: string): string {
  return `${baseUrl}/setup/${secret}`
}

/** Owners (active) and the operator manage links; a link never makes another. */
async function authorizeLinkAdmin(deps: CoreDeps, org: Organization, actor: Actor): Promise<void> {
  if (actor.kind === 'operator') return
  const member = actor.kind === 'user' ? await deps.store.members.findByUser(org.id, actor.userId) : undefined
  if (member?.role !== 'owner' || member.deactivatedAt !== null) {
    throw new AccountError('not_allowed', "Only the organization's owner can create, see or revoke its set-up links.")
  }
}

export function checkSetupLinkScopes(scope: unknown): SetupLinkScope[] {
  const known = new Set<string>(SETUP_LINK_SCOPES)
  if (!Array.isArray(scope) || scope.length === 0 || scope.some((s) => typeof s !== 'string' || !known.has(s))) {
    throw new AccountError('setup_link_scope_invalid', 'Choose what the link gives access to: one or more of sso, directory and policy.', undefined, 'scope')
  }
  // In a fixed order, once each.
  return SETUP_LINK_SCOPES.filter((s) => (scope as string[]).includes(s))
}

export function checkSetupLinkHours(value: unknown): number {
  if (value === undefined) return DEFAULT_SETUP_LINK_HOURS
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SETUP_LINK_HOURS) {
    throw new AccountError(
      'setup_link_expiry_invalid',
      `A set-up link expires after a whole number of hours from 1 to ${MAX_SETUP_LINK_HOURS} (30 days).`,
      undefined,
      'expiresInHours',
    )
  }
  return value
}

export async function createSetupLink(deps: CoreDeps, orgSlug: string, input: NewSetupLinkInput, actor: Actor): Promise<CreatedSetupLink> {
  const org = await getOrganization(deps, orgSlug)
  await authorizeLinkAdmin(deps, org, actor)
  const scopes = checkSetupLinkScopes(input.scope)
  const expiresInHours = checkSetupLinkHours(input.expiresInHours)
  const now = deps.clock.now()
  const secret = newSecretToken(SETUP_LINK_PREFIX)
  const link: SetupLink = {
    id: newId(),
    orgId: org.id,
    scopes,
    createdBy: describeActor(actor),
    createdByUserId: actor.kind === 'user' ? actor.userId : null,
    createdAt: now.toISOString(),
    expiresAt: addMs(now, hours(expiresInHours)).toISOString(),
    revokedAt: null,
  }
  await deps.store.transaction(async (tx) => {
    await tx.setupLinks.insert({ ...link, secretHash: hashSecretToken(secret) })
    await recordAudit(tx, { orgId: org.id, actor, action: 'setup_link.created', target: link.id, detail: { scopes, expiresAt: link.expiresAt } }, now)
  })
  return { link, url: setupLinkUrl(deps.settings.baseUrl, secret) }
}

/** The org's links neither revoked nor expired, newest first: never their secrets. */
export async function listSetupLinks(deps: CoreDeps, orgSlug: string, actor: Actor): Promise<SetupLink[]> {
  const org = await getOrganization(deps, orgSlug)
  await authorizeLinkAdmin(deps, org, actor)
  return deps.store.setupLinks.listLive(org.id, deps.clock.now().toISOString())
}

/** Revokes a live link: its browser sessions end with it (checked on every request besides). */
export async function revokeSetupLink(deps: CoreDeps, orgSlug: string, linkId: string, actor: Actor): Promise<void> {
  const org = await getOrganization(deps, orgSlug)
  await authorizeLinkAdmin(deps, org, actor)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    if (!/^[0-9a-f-]{36}$/.test(linkId) || !(await tx.setupLinks.revoke(org.id, linkId, now.toISOString()))) {
      throw new AccountError('setup_link_not_found', 'The organization has no live set-up link with this id.')
    }
    await recordAudit(tx, { orgId: org.id, actor, action: 'setup_link.revoked', target: linkId }, now)
  })
}
