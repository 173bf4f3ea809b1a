/**
 * The PATCH engine (RFC 7644 §3.5.2, DESIGN §8). Pure: it takes the current resource and the request
 * body and returns the new resource or a SCIM error, so all operations of a request apply or none do.
 * It takes what Okta and Entra send (see docs/scim.md): `op` in any case, booleans as "True"/"False",
 * pathless values keyed by paths, value-filter paths, removal of members by value, empty Operations.
 * The result is re-validated as a PUT body would be.
 *
 * @example
 * const result = patchGroup(group, request.body)
 * if (!result.ok) return reply.code(result.error.status).send(scimErrorBody(result.error))
 * store.saveGroup(result.value.group) // then recompute roles of result.value.members.added/removed
 */
import { catchScimError, ScimError, type ScimResult } from './error.js'
import { diffMembers, groupDataToJson, MAX_MEMBERS, parseGroupBody, type MemberChanges, type ScimGroup } from './group.js'
import { copyJson, getAttribute, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.js'
import { applyOperation, type PatchContext, type PatchOp } from './patch-apply.js'
import { parseUserBody, userDataToJson, type ScimUser } from './user.js'
import { GROUP_URN, PATCH_OP_URN, USER_URN } from './urns.js'

export interface PatchOperation {
  op: PatchOp
  path?: string
  value?: JsonValue
}

export const MAX_OPERATIONS = 1000

export interface UserPatchResult {
  user: ScimUser
  /** False when the operations left the user as it was (the store may skip the write). */
  changed: boolean
}

export interface GroupPatchResult {
  group: ScimGroup
  changed: boolean
  /** Member ids added and removed: the store recomputes these members' roles (§8 groups drive roles). */
  members: MemberChanges
}

/** Reads a PatchOp body (RFC 7644 §3.5.2) into operations; an empty Operations list is valid (a no-op). */
export function readPatchBody(body: unknown): ScimResult<PatchOperation[]> {
  return catchScimError(() => {
    if (!isJsonObject(body)) throw new ScimError('invalidSyntax', 'the body must be a JSON object')
    const schemas = getAttribute(body, 'schemas')
    if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_URN.toLowerCase()))) {
      throw new ScimError('invalidSyntax', `schemas must list ${PATCH_OP_URN}`)
    }
    const operations = getAttribute(body, 'Operations')
    if (!Array.isArray(operations)) throw new ScimError('invalidSyntax', 'Operations must be a list')
    if (operations.length > MAX_OPERATIONS) throw new ScimError('tooMany', `more than ${MAX_OPERATIONS} operations`)
    let values = 0
    return operations.map((operation) => {
      const read = readOperation(operation)
      values += Array.isArray(read.value) ? read.value.length : 1
      if (values > MAX_MEMBERS) throw new ScimError('tooMany', `more than ${MAX_MEMBERS} values in one request`)
      return read
    })
  })
}

function readOperation(operation: unknown): PatchOperation {
  if (!isJsonObject(operation)) throw new ScimError('invalidSyntax', 'each operation must be an object')
  const op = getAttribute(operation, 'op')
  const lower = typeof op === 'string' ? op.toLowerCase() : undefined
  if (lower !== 'add' && lower !== 'replace' && lower !== 'remove') {
    throw new ScimError('invalidSyntax', 'op must be add, replace or remove')
  }
  const read: PatchOperation = { op: lower }
  const path = getAttribute(operation, 'path')
  if (typeof path === 'string' && path.trim() !== '') read.path = path.trim()
  else if (path !== undefined && path !== null && path !== '') throw new ScimError('invalidPath', 'path must be a string')
  const value = getAttribute(operation, 'value')
  if (value !== undefined) read.value = copyJson(value, read.path === undefined ? 'paths' : 'attributes')
  return read
}

/** Applies a PatchOp body to a user. id and meta come back unchanged (the store sets lastModified). */
export function patchUser(user: ScimUser, body: unknown): ScimResult<UserPatchResult> {
  const operations = readPatchBody(body)
  if (!operations.ok) return operations
  const before = userDataToJson(user)
  const after = userDataToJson(user)
  const applied = applyAll(after, operations.value, { schemaUrn: USER_URN, id: user.id })
  if (!applied.ok) return applied
  const parsed = parseUserBody(after)
  if (!parsed.ok) return parsed
  const changed = !jsonEqual(before, userDataToJson(parsed.value))
  return { ok: true, value: { user: { ...parsed.value, id: user.id, meta: user.meta }, changed } }
}

/** Applies a PatchOp body to a group, reporting which members it added and removed. */
export function patchGroup(group: ScimGroup, body: unknown): ScimResult<GroupPatchResult> {
  const operations = readPatchBody(body)
  if (!operations.ok) return operations
  const before = groupDataToJson(group)
  const after = groupDataToJson(group)
  const applied = applyAll(after, operations.value, { schemaUrn: GROUP_URN, id: group.id })
  if (!applied.ok) return applied
  const parsed = parseGroupBody(after)
  if (!parsed.ok) return parsed
  const changed = !jsonEqual(before, groupDataToJson(parsed.value))
  return {
    ok: true,
    value: {
      group: { ...parsed.value, id: group.id, meta: group.meta },
      changed,
      members: diffMembers(group.members, parsed.value.members),
    },
  }
}

function applyAll(root: JsonObject, operations: PatchOperation[], context: PatchContext): ScimResult<void> {
  return catchScimError(() => {
    for (const operation of operations) applyOperation(root, operation.op, operation.path, operation.value, context)
  })
}
