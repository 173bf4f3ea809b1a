/** What directory sync (DESIGN §8) and the event stream (§9) need from storage (see ports.ts). */

/** An org's SCIM directory; `id` is the opaque last segment of its base URL. */
export interface Directory {
  readonly id: string
  readonly orgId: string
  readonly enabled: boolean
  readonly lastRequestAt: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

export interface DirectoryToken {
  readonly id: string
  readonly directoryId: string
  /** The secret's first characters (`ghsc_` and a few more), to tell tokens apart. */
  readonly prefix: string
  readonly createdAt: string
  readonly lastUsedAt: string | null
}

/** One request the IdP made, as the request log keeps it (bodies with secrets removed). */
export interface DirectoryRequest {
  readonly id: string
  readonly directoryId: string
  readonly method: string
  readonly path: string
  readonly status: number
  readonly errorDetail: string | null
  readonly body: string | null
  readonly createdAt: string
}

export interface DirectoryStore {
  /** Throws DuplicateKeyError when the org has a directory already. */
  insert(directory: Directory): Promise<void>
  findByOrg(orgId: string): Promise<Directory | undefined>
  findById(id: string): Promise<Directory | undefined>
  setEnabled(id: string, enabled: boolean, now: string): Promise<void>
  insertToken(token: DirectoryToken & { tokenHash: string }): Promise<void>
  /** Tokens not revoked, oldest first, with their hashes (for a constant-time comparison). */
  listLiveTokens(directoryId: string): Promise<(DirectoryToken & { tokenHash: string })[]>
  /** Revokes the live token of this directory; false when there was none. */
  revokeToken(directoryId: string, id: string, now: string): Promise<boolean>
  revokeAllTokens(directoryId: string, now: string): Promise<void>
  touchToken(id: string, now: string): Promise<void>
  /** Appends to the request log, keeping the newest `keep` of the directory, and notes the request time. */
  insertRequest(request: DirectoryRequest, keep: number): Promise<void>
  /** Newest first. */
  listRequests(directoryId: string, limit: number): Promise<DirectoryRequest[]>
  countResources(directoryId: string): Promise<{ users: number; groups: number }>
  /** The directory removed this user from the org: JIT provisioning must not bring them back. */
  rememberRemoval(orgId: string, userId: string, now: string): Promise<void>
  forgetRemoval(orgId: string, userId: string): Promise<void>
  isRemoved(orgId: string, userId: string): Promise<boolean>
}

/** Every type of event (DESIGN §9; payloads in docs/events.md). */
export const EVENT_TYPES = [
  'member.created',
  'member.updated',
  'member.deactivated',
  'member.reactivated',
  'member.removed',
  'organization.created',
  'organization.deleted',
  'sso.enabled',
  'sso.disabled',
  'sso.certificate_expiring',
  'directory.enabled',
  'directory.disabled',
  'group.created',
  'group.updated',
  'group.deleted',
] as const

export type EventType = (typeof EVENT_TYPES)[number]

/** An event as core writes it (core/events.ts recordEvent); never holds a secret. */
export interface NewEvent {
  /** A UUIDv7; the stream's order within one transaction. */
  readonly id: string
  readonly type: EventType
  readonly orgId: string | null
  readonly data: Readonly<Record<string, unknown>>
  readonly createdAt: string
}

/** One event of the deployment's stream (DESIGN §9), as read back. */
export interface DomainEvent extends NewEvent {
  /** The org's slug when the event was written (null for an event of no org). */
  readonly orgSlug: string | null
}

/** `list` was given an `after` that names no stored event: pruned (older than the retention) or never written. */
export class EventCursorNotFoundError extends Error {
  override name = 'EventCursorNotFoundError'
}

export interface EventStore {
  /** Records the org's current slug with the event. */
  insert(event: NewEvent): Promise<void>
  /**
   * Oldest first in commit order, after the event with id `after` (exclusive). Never returns an event
   * while another that sorts before it may still commit (docs/events.md), so a reader that resumes
   * after the last event it read misses nothing. Throws EventCursorNotFoundError for an unknown `after`.
   */
  list(after: string | undefined, limit: number): Promise<DomainEvent[]>
  /** Deletes at most `limit` events created before `before`, never the newest of the stream; the number deleted. */
  deleteOlderThan(before: string, limit: number): Promise<number>
}

/** A SCIM user of a directory, linked to the member it provisioned; `attributes` is the resource's JSON (no id, meta). */
export interface ScimUserRecord {
  readonly id: string
  readonly directoryId: string
  readonly memberId: string
  readonly externalId: string | null
  readonly userName: string
  /** scim/ foldCase of userName: what `userName eq` compares with. */
  readonly userNameFolded: string
  readonly active: boolean
  readonly attributes: string
  readonly createdAt: string
  readonly updatedAt: string
}

/** Conditions the store runs as indexed SQL, all of which must hold (`userName` given folded). */
export type ScimUserWhere = { readonly attribute: 'id' | 'externalId' | 'userName'; readonly value: string }

export interface ScimUserStore {
  /** Throws DuplicateKeyError on a userName (folded) the directory has, or a member linked already. */
  insert(user: ScimUserRecord): Promise<void>
  /** Throws DuplicateKeyError on a userName (folded) another user of the directory has. */
  update(user: ScimUserRecord): Promise<void>
  find(directoryId: string, id: string): Promise<ScimUserRecord | undefined>
  findByMember(memberId: string): Promise<ScimUserRecord | undefined>
  /** Which of these ids are users of the directory, each with the member it is linked to. */
  findMemberIds(directoryId: string, ids: readonly string[]): Promise<Map<string, string>>
  /** Oldest first (then by id): a stable order for paging. */
  list(directoryId: string, where: readonly ScimUserWhere[], offset: number, limit: number): Promise<ScimUserRecord[]>
  count(directoryId: string, where: readonly ScimUserWhere[]): Promise<number>
  delete(directoryId: string, id: string): Promise<void>
}

/** A SCIM group of a directory; `attributes` is its JSON without members, id and meta. */
export interface ScimGroupRecord {
  readonly id: string
  readonly directoryId: string
  readonly externalId: string | null
  readonly displayName: string
  /** scim/ foldCase of displayName: what `displayName eq` compares with, unique in the directory. */
  readonly displayNameFolded: string
  readonly attributes: string
  readonly createdAt: string
  readonly updatedAt: string
}

/** A group's member as listed: the SCIM user's id and userName (shown as the member's `display`). */
export interface ScimGroupMemberRecord {
  readonly scimUserId: string
  readonly userName: string
}

/** Conditions the store runs as SQL, all of which must hold (`displayName` given folded). */
export type ScimGroupWhere = { readonly attribute: 'id' | 'externalId' | 'displayName' | 'members.value'; readonly value: string }

export interface ScimGroupStore {
  /** Throws DuplicateKeyError on a displayName (folded) the directory has. */
  insert(group: ScimGroupRecord): Promise<void>
  /** Throws DuplicateKeyError on a displayName (folded) another group of the directory has. */
  update(group: ScimGroupRecord): Promise<void>
  find(directoryId: string, id: string): Promise<ScimGroupRecord | undefined>
  /** Oldest first (then by id): a stable order for paging. */
  list(directoryId: string, where: readonly ScimGroupWhere[], offset: number, limit: number): Promise<ScimGroupRecord[]>
  count(directoryId: string, where: readonly ScimGroupWhere[]): Promise<number>
  delete(directoryId: string, id: string): Promise<void>
  /** Each group's members (oldest SCIM user first); a group without members maps to []. */
  listMembers(groupIds: readonly string[]): Promise<Map<string, ScimGroupMemberRecord[]>>
  addMembers(groupId: string, scimUserIds: readonly string[]): Promise<void>
  removeMembers(groupId: string, scimUserIds: readonly string[]): Promise<void>
  /** The displayNames of the groups each SCIM user is in; a user in none maps to []. */
  listGroupNames(scimUserIds: readonly string[]): Promise<Map<string, string[]>>
}
