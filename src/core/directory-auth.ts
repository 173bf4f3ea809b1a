/**
 * Who is calling a directory's SCIM endpoint: the directory named in the URL, enabled, and a bearer
 * whose SHA-256 equals one of its live tokens' — compared in constant time against each of them.
 * Anything else is no caller at all (the route answers 401, never 200).
 */
import type { CoreDeps } from './deps.js'
import type { Directory } from './directory-ports.js'
import { hashSecretToken, safeEqual } from './secret-token.js'
import type { Organization } from './types.js'

export interface DirectoryCaller {
  readonly directory: Directory
  readonly org: Organization
}

/** `lastUsedAt` is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000
/** Directory ids are UUIDs: anything else is not looked up. */
const DIRECTORY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export async function findDirectoryById(deps: CoreDeps, directoryId: string): Promise<Directory | undefined> {
  if (!DIRECTORY_ID.test(directoryId)) return undefined
  return deps.store.directories.findById(directoryId)
}

export async function authenticateDirectory(
  deps: CoreDeps,
  directory: Directory | undefined,
  bearer: string | undefined,
): Promise<DirectoryCaller | undefined> {
  if (directory === undefined || !directory.enabled || bearer === undefined || bearer.length > 200) return undefined
  const presented = hashSecretToken(bearer)
  let matched: { id: string; lastUsedAt: string | null } | undefined
  for (const token of await deps.store.directories.listLiveTokens(directory.id)) {
    if (safeEqual(presented, token.tokenHash)) matched = token
  }
  if (matched === undefined) return undefined
  const org = await deps.store.orgs.findById(directory.orgId)
  if (org === undefined) return undefined
  const now = deps.clock.now()
  if (matched.lastUsedAt === null || now.getTime() - Date.parse(matched.lastUsedAt) >= TOUCH_INTERVAL_MS) {
    await deps.store.directories.touchToken(matched.id, now.toISOString())
  }
  return { directory, org }
}
