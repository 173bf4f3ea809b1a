/**
 * Directory management (DESIGN §8): one SCIM directory per org, its bearer tokens and request log.
 * - the directory id is opaque (a random UUID) and is the last segment of its base URL;
 * - a token is `ghsc_` and 256 random bits, shown once; only its SHA-256 is stored; at most two are
 *   live, so the IdP's token can be rotated without a gap;
 * - disabling revokes every token, so SCIM answers 401 at once; members stay as they are; creating
 *   the directory again re-enables it with the same id (the IdP's URL keeps working) and a new token;
 * - every change is audited, and enabling/disabling is an event (§9), in the change's transaction;
 * - among users only the org's owner changes it (admins may look, on the pages); the operator always may.
 */
import { AccountError } from './account-error.js'
import { recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import { DirectoryError } from './directory-error.js'
import type { Directory, DirectoryRequest, DirectoryToken } from './directory-ports.js'
import { recordEvent } from './events.js'
import { getOrganization } from './orgs.js'
import { DuplicateKeyError, type Stores } from './ports.js'
import { hashSecretToken, newId, newSecretToken } from './secret-token.js'
import type { Organization } from './types.js'
import { authorizeSetupLink, refuseSetupLink } from './setup-link-access.js'
import { mailOwnersIfSetupLink } from './setup-link-mail.js'

export const DIRECTORY_TOKEN_PREFIX = 'ghsc_'
export const MAX_LIVE_DIRECTORY_TOKENS = 2
/** The request log keeps this many requests per directory. */
export const DIRECTORY_REQUEST_LOG_SIZE = 200
/** Characters of the secret kept as the token's visible prefix. */
const VISIBLE_PREFIX_LENGTH = DIRECTORY_TOKEN_PREFIX.length + 6

export interface CreatedDirectoryToken {
  readonly token: DirectoryToken
  /** Shown once; never stored, never logged. */
  readonly secret: string
}

export interface DirectoryView {
  readonly directory: Directory
  readonly baseUrl: string
  readonly tokens: readonly DirectoryToken[]
  readonly userCount: number
  readonly groupCount: number
}

export function directoryBaseUrl(deps: Pick<CoreDeps, 'settings'>, directoryId: string): string {
  return `${deps.settings.baseUrl}/scim/v2/${directoryId}`
}

async function addToken(stores: Stores, directoryId: string, now: Date): Promise<CreatedDirectoryToken> {
  const secret = newSecretToken(DIRECTORY_TOKEN_PREFIX)
  const token: DirectoryToken = { id: newId(), directoryId, prefix: secret.slice(0, VISIBLE_PREFIX_LENGTH), createdAt: now.toISOString(), lastUsedAt: null }
  await stores.directories.insertToken({ ...token, tokenHash: hashSecretToken(secret) })
  return { token, secret }
}

function strip<T extends { tokenHash: string }>(token: T): Omit<T, 'tokenHash'> {
  const { tokenHash: _hash, ...rest } = token
  return rest
}

/** Owners change the directory; admins may only look (DESIGN §2, §8). */
async function authorizeDirectoryChange(deps: CoreDeps, org: Organization, actor: Actor): Promise<void> {
  // A set-up link with the `directory` scope does the owner's directory set-up in its own org.
  if (actor.kind === 'setup-link') return authorizeSetupLink(actor, org.id, 'directory')
  if (actor.kind !== 'user') return
  const member = await deps.store.members.findByUser(org.id, actor.userId)
  if (member?.role !== 'owner' || member.deactivatedAt !== null) {
    throw new AccountError('not_allowed', "Only the organization's owner can change its directory sync.")
  }
}

async function findDirectory(stores: Stores, org: Organization): Promise<Directory> {
  const directory = await stores.directories.findByOrg(org.id)
  if (directory === undefined) throw new DirectoryError('directory_not_found', `${org.name} has no directory.`)
  return directory
}

/** Creates the org's directory (or re-enables a disabled one) with a first token. */
export async function createDirectory(
  deps: CoreDeps,
  actor: Actor,
  orgSlug: string,
): Promise<{ directory: Directory; baseUrl: string; token: CreatedDirectoryToken }> {
  const org = await getOrganization(deps, orgSlug)
  await authorizeDirectoryChange(deps, org, actor)
  const now = deps.clock.now()
  try {
    return await deps.store.transaction(async (tx) => {
      const existing = await tx.directories.findByOrg(org.id)
      if (existing?.enabled === true) throw new DirectoryError('directory_exists', `${org.name} has a directory already.`)
      let directory: Directory
      if (existing === undefined) {
        directory = { id: newId(), orgId: org.id, enabled: true, lastRequestAt: null, createdAt: now.toISOString(), updatedAt: now.toISOString() }
        await tx.directories.insert(directory)
      } else {
        await tx.directories.setEnabled(existing.id, true, now.toISOString())
        directory = { ...existing, enabled: true, updatedAt: now.toISOString() }
      }
      const token = await addToken(tx, directory.id, now)
      const baseUrl = directoryBaseUrl(deps, directory.id)
      await recordAudit(
        tx,
        {
          orgId: org.id,
          actor,
          action: existing === undefined ? 'directory.created' : 'directory.enabled',
          target: baseUrl,
          detail: { tokenId: token.token.id, tokenPrefix: token.token.prefix },
        },
        now,
      )
      await recordEvent(tx, { type: 'directory.enabled', orgId: org.id, data: { directory: { id: directory.id, baseUrl } } }, now)
      await mailOwnersIfSetupLink(tx, deps, actor, org, 'directory_created', now)
      return { directory, baseUrl, token }
    })
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new DirectoryError('directory_exists', `${org.name} has a directory already.`)
    throw error
  }
}

export async function getDirectory(deps: CoreDeps, orgSlug: string): Promise<DirectoryView> {
  const org = await getOrganization(deps, orgSlug)
  const directory = await findDirectory(deps.store, org)
  const tokens = (await deps.store.directories.listLiveTokens(directory.id)).map(strip)
  const counts = await deps.store.directories.countResources(directory.id)
  return { directory, baseUrl: directoryBaseUrl(deps, directory.id), tokens, userCount: counts.users, groupCount: counts.groups }
}

/** A new token; refused while two are live (revoke one first) or while the directory is disabled. */
export async function createDirectoryToken(deps: CoreDeps, actor: Actor, orgSlug: string): Promise<CreatedDirectoryToken> {
  const org = await getOrganization(deps, orgSlug)
  await authorizeDirectoryChange(deps, org, actor)
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const directory = await findDirectory(tx, org)
    if (!directory.enabled) throw new DirectoryError('directory_disabled', `${org.name}'s directory is disabled: create it again to enable it.`)
    // An update of the directory row first: on PostgreSQL it holds the row lock, so two concurrent
    // creations count the live tokens one after the other and cannot make a third.
    await tx.directories.setEnabled(directory.id, true, now.toISOString())
    const live = await tx.directories.listLiveTokens(directory.id)
    if (live.length >= MAX_LIVE_DIRECTORY_TOKENS) {
      throw new DirectoryError('directory_token_limit_reached', `A directory has at most ${MAX_LIVE_DIRECTORY_TOKENS} live tokens: revoke the old one first.`)
    }
    const created = await addToken(tx, directory.id, now)
    await recordAudit(tx, { orgId: org.id, actor, action: 'directory.token_created', target: created.token.id, detail: { prefix: created.token.prefix } }, now)
    return created
  })
}

export async function revokeDirectoryToken(deps: CoreDeps, actor: Actor, orgSlug: string, tokenId: string): Promise<void> {
  const org = await getOrganization(deps, orgSlug)
  await authorizeDirectoryChange(deps, org, actor)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    const directory = await findDirectory(tx, org)
    const token = (await tx.directories.listLiveTokens(directory.id)).find((t) => t.id === tokenId)
    if (token === undefined || !(await tx.directories.revokeToken(directory.id, tokenId, now.toISOString()))) {
      throw new DirectoryError('directory_token_not_found', 'The directory has no live token with this id.')
    }
    await recordAudit(tx, { orgId: org.id, actor, action: 'directory.token_revoked', target: tokenId, detail: { prefix: token.prefix } }, now)
  })
}

/** SCIM stops answering (401) at once: every token is revoked. Members stay as they are. */
export async function disableDirectory(deps: CoreDeps, actor: Actor, orgSlug: string): Promise<void> {
  refuseSetupLink(actor, 'turn directory sync off')
  const org = await getOrganization(deps, orgSlug)
  await authorizeDirectoryChange(deps, org, actor)
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    const directory = await findDirectory(tx, org)
    if (!directory.enabled) return
    await tx.directories.setEnabled(directory.id, false, now.toISOString())
    await tx.directories.revokeAllTokens(directory.id, now.toISOString())
    const baseUrl = directoryBaseUrl(deps, directory.id)
    await recordAudit(tx, { orgId: org.id, actor, action: 'directory.disabled', target: baseUrl }, now)
    await recordEvent(tx, { type: 'directory.disabled', orgId: org.id, data: { directory: { id: directory.id, baseUrl } } }, now)
  })
}

export async function listDirectoryRequests(deps: CoreDeps, orgSlug: string, limit = 100): Promise<DirectoryRequest[]> {
  const org = await getOrganization(deps, orgSlug)
  const directory = await findDirectory(deps.store, org)
  return deps.store.directories.listRequests(directory.id, limit)
}
