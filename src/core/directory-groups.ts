/**
 * SCIM Groups of a directory (DESIGN §8). Rules (decisions in docs/scim.md):
 * - a group's displayName is unique in the directory, case-insensitively (409 `uniqueness`): it is an
 *   IdP role identifier, and Okta's group push expects the 409;
 * - members must be users of the same directory: an unknown id is 400 `invalidValue` naming it (a user
 *   of another directory, so of another org, is unknown here);
 * - every change is audited and an event (group.created / group.updated / group.deleted), and the roles
 *   of the members it touches are recomputed (core/directory-roles.ts), all in one transaction.
 * Protocol refusals are thrown as ScimError (the routes answer them as SCIM errors).
 */
import { ScimError } from '../scim/error.js'
import { foldCase, type ScimGroupQuery } from '../scim/filter.js'
import { diffMembers, type ScimGroup, type ScimGroupData } from '../scim/group.js'
import { printable } from '../scim/json.js'
import type { ScimPage } from '../scim/list.js'
import { patchGroup } from '../scim/patch.js'
import { recordAudit } from './audit.js'
import type { CoreDeps } from './deps.js'
import type { DirectoryCaller } from './directory-auth.js'
import type { ScimGroupRecord, ScimGroupWhere } from './directory-ports.js'
import { DIRECTORY_ACTOR, recomputeDirectoryRoles } from './directory-roles.js'
import { recordEvent } from './events.js'
import { DuplicateKeyError, type Stores } from './ports.js'
import { newId } from './secret-token.js'

const notFound = () => new ScimError('notFound', 'No group of this directory has this id.')
const taken = () => new ScimError('uniqueness', 'A group of this directory has this displayName already.')

/** The group as SCIM shows it; members (with their userName as `display`) only when asked for. */
async function toScimGroup(stores: Pick<Stores, 'scimGroups'>, record: ScimGroupRecord, withMembers: boolean): Promise<ScimGroup> {
  const members = withMembers ? ((await stores.scimGroups.listMembers([record.id])).get(record.id) ?? []) : []
  return groupOf(record, members)
}

function groupOf(record: ScimGroupRecord, members: readonly { scimUserId: string; userName: string }[]): ScimGroup {
  const group: ScimGroup = {
    id: record.id,
    displayName: record.displayName,
    members: members.map((m) => ({ value: m.scimUserId, display: m.userName })),
    meta: { created: record.createdAt, lastModified: record.updatedAt },
  }
  if (record.externalId !== null) group.externalId = record.externalId
  return group
}

function recordOf(caller: DirectoryCaller, id: string, data: ScimGroupData, createdAt: string, now: Date): ScimGroupRecord {
  const attributes = data.externalId === undefined ? { displayName: data.displayName } : { displayName: data.displayName, externalId: data.externalId }
  return {
    id,
    directoryId: caller.directory.id,
    externalId: data.externalId ?? null,
    displayName: data.displayName,
    displayNameFolded: foldCase(data.displayName),
    attributes: JSON.stringify(attributes),
    createdAt,
    updatedAt: now.toISOString(),
  }
}

/** The member each SCIM user id is linked to; an id that is not a user of this directory is refused, named. */
async function membersOf(tx: Stores, caller: DirectoryCaller, scimUserIds: readonly string[]): Promise<Map<string, string>> {
  const found = await tx.scimUsers.findMemberIds(caller.directory.id, scimUserIds)
  const unknown = scimUserIds.filter((id) => !found.has(id))
  if (unknown.length > 0) {
    const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : ''
    throw new ScimError('invalidValue', `members: "${printable(unknown[0]!)}"${more} is not a user of this directory.`)
  }
  return found
}

export async function listScimGroups(
  deps: CoreDeps,
  caller: DirectoryCaller,
  query: ScimGroupQuery,
  page: ScimPage,
  withMembers: boolean,
): Promise<{ groups: ScimGroup[]; total: number }> {
  const directoryId = caller.directory.id
  const where: ScimGroupWhere[] = query.conditions.map((c) => ({ attribute: c.attribute, value: c.attribute === 'displayName' ? foldCase(c.value) : c.value }))
  const total = await deps.store.scimGroups.count(directoryId, where)
  const rows = page.count === 0 ? [] : await deps.store.scimGroups.list(directoryId, where, page.startIndex - 1, page.count)
  const members = withMembers ? await deps.store.scimGroups.listMembers(rows.map((r) => r.id)) : new Map<string, never[]>()
  return { groups: rows.map((row) => groupOf(row, members.get(row.id) ?? [])), total }
}

export async function getScimGroup(deps: CoreDeps, caller: DirectoryCaller, id: string, withMembers: boolean): Promise<ScimGroup> {
  const record = await deps.store.scimGroups.find(caller.directory.id, id)
  if (record === undefined) throw notFound()
  return toScimGroup(deps.store, record, withMembers)
}

export async function createScimGroup(deps: CoreDeps, caller: DirectoryCaller, data: ScimGroupData, withMembers = true): Promise<ScimGroup> {
  const now = deps.clock.now()
  const { org } = caller
  try {
    return await deps.store.transaction(async (tx) => {
      const userIds = data.members.map((m) => m.value)
      const memberIds = await membersOf(tx, caller, userIds)
      const row = recordOf(caller, newId(), data, now.toISOString(), now)
      await tx.scimGroups.insert(row)
      await tx.scimGroups.addMembers(row.id, userIds)
      const detail = { id: row.id, members: userIds.length }
      await recordAudit(tx, { orgId: org.id, actor: DIRECTORY_ACTOR, action: 'directory.group_created', target: row.displayName, detail }, now)
      const event = { id: row.id, displayName: row.displayName, externalId: row.externalId, members: userIds.map((id) => memberIds.get(id)) }
      await recordEvent(tx, { type: 'group.created', orgId: org.id, data: event }, now)
      await recomputeDirectoryRoles(tx, org, caller.directory.id, userIds, deps.settings.workspaceRoles, now)
      return toScimGroup(tx, row, withMembers)
    })
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw taken()
    throw error
  }
}

/** PUT: the body replaces displayName, externalId and the whole member list. */
export async function replaceScimGroup(deps: CoreDeps, caller: DirectoryCaller, id: string, data: ScimGroupData, withMembers = true): Promise<ScimGroup> {
  return changeScimGroup(deps, caller, id, () => data, withMembers)
}

/** PATCH: every operation of the request applies, or none (one transaction; the engine is pure). */
export async function patchScimGroup(deps: CoreDeps, caller: DirectoryCaller, id: string, body: unknown, withMembers = true): Promise<ScimGroup> {
  return changeScimGroup(
    deps,
    caller,
    id,
    (before) => {
      const patched = patchGroup(before, body)
      if (!patched.ok) throw patched.error
      return patched.value.group
    },
    withMembers,
  )
}

async function changeScimGroup(
  deps: CoreDeps,
  caller: DirectoryCaller,
  id: string,
  change: (before: ScimGroup) => ScimGroupData,
  withMembers: boolean,
): Promise<ScimGroup> {
  const now = deps.clock.now()
  const { org } = caller
  try {
    return await deps.store.transaction(async (tx) => {
      const stored = await tx.scimGroups.find(caller.directory.id, id)
      if (stored === undefined) throw notFound()
      const before = await toScimGroup(tx, stored, true)
      const after = change(before)
      const { added, removed } = diffMembers(before.members, after.members)
      const addedMembers = await membersOf(tx, caller, added)
      const renamed = after.displayName !== before.displayName
      if (!renamed && (after.externalId ?? null) === stored.externalId && added.length === 0 && removed.length === 0) {
        return withMembers ? before : { ...before, members: [] }
      }
      const removedMembers = await tx.scimUsers.findMemberIds(caller.directory.id, removed)
      const row = recordOf(caller, stored.id, after, stored.createdAt, now)
      await tx.scimGroups.update(row)
      await tx.scimGroups.addMembers(row.id, added)
      await tx.scimGroups.removeMembers(row.id, removed)

      const rename = renamed ? { before: { displayName: before.displayName }, after: { displayName: after.displayName } } : {}
      const detail = { id: row.id, ...rename, membersAdded: added.length, membersRemoved: removed.length }
      await recordAudit(tx, { orgId: org.id, actor: DIRECTORY_ACTOR, action: 'directory.group_updated', target: row.displayName, detail }, now)
      const event = {
        id: row.id,
        displayName: row.displayName,
        ...rename,
        membersAdded: added.map((u) => addedMembers.get(u)),
        membersRemoved: removed.flatMap((u) => removedMembers.get(u) ?? []),
      }
      await recordEvent(tx, { type: 'group.updated', orgId: org.id, data: event }, now)
      // A rename changes the role of everyone in the group; otherwise only who joined or left.
      const affected = renamed ? [...before.members.map((m) => m.value), ...added] : [...added, ...removed]
      await recomputeDirectoryRoles(tx, org, caller.directory.id, affected, deps.settings.workspaceRoles, now)
      return toScimGroup(tx, row, withMembers)
    })
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw taken()
    throw error
  }
}

/** DELETE: the group goes; its members lose the roles it gave them. */
export async function deleteScimGroup(deps: CoreDeps, caller: DirectoryCaller, id: string): Promise<void> {
  const now = deps.clock.now()
  const { org } = caller
  await deps.store.transaction(async (tx) => {
    const stored = await tx.scimGroups.find(caller.directory.id, id)
    if (stored === undefined) throw notFound()
    const members = (await tx.scimGroups.listMembers([stored.id])).get(stored.id) ?? []
    await tx.scimGroups.delete(caller.directory.id, stored.id)
    const detail = { id: stored.id, members: members.length }
    await recordAudit(tx, { orgId: org.id, actor: DIRECTORY_ACTOR, action: 'directory.group_deleted', target: stored.displayName, detail }, now)
    await recordEvent(tx, { type: 'group.deleted', orgId: org.id, data: { id: stored.id, displayName: stored.displayName } }, now)
    await recomputeDirectoryRoles(
      tx,
      org,
      caller.directory.id,
      members.map((m) => m.scimUserId),
      deps.settings.workspaceRoles,
      now,
    )
  })
}
