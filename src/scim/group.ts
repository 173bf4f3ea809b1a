/**
 * The SCIM Group (RFC 7643 §4.2): displayName (an IdP role identifier for the org's role mapping,
 * DESIGN §8) and members. Only User members are kept; attributes other than displayName, externalId
 * and members are accepted and ignored (Entra sends an extra `schemas` entry of its own).
 *
 * @example
 * const parsed = parseGroupBody(request.body)
 * if (parsed.ok) store.replaceGroup(id, parsed.value, diffMembers(before.members, parsed.value.members))
 */
import { catchScimError, ScimError, type ScimResult } from './error.js'
import { readList, readRequiredString, readString } from './fields.js'
import { copyJson, emptyObject, isJsonObject, LIMITS, type JsonObject } from './json.js'
import type { ScimMeta } from './user.js'
import { GROUP_URN } from './urns.js'

export interface ScimMember {
  /** The member's SCIM User id. */
  value: string
  display?: string
}

export interface ScimGroupData {
  displayName: string
  externalId?: string
  members: ScimMember[]
}

export interface ScimGroup extends ScimGroupData {
  id: string
  meta: ScimMeta
}

/** The member ids a change added and removed: the store recomputes these members' roles. */
export interface MemberChanges {
  added: string[]
  removed: string[]
}

export const MAX_MEMBERS = LIMITS.arrayLength

/** Validates a POST or PUT /Groups body (also a PATCH result) into ScimGroupData. */
export function parseGroupBody(body: unknown): ScimResult<ScimGroupData> {
  return catchScimError(() => {
    if (!isJsonObject(body)) throw new ScimError('invalidSyntax', 'the body must be a JSON object')
    return readGroup(copyJson(body, 'resource') as JsonObject)
  })
}

function readGroup(body: JsonObject): ScimGroupData {
  const group: ScimGroupData = { displayName: readRequiredString(body, 'displayName'), members: readMembers(body) }
  const externalId = readString(body, 'externalId')
  if (externalId !== undefined) group.externalId = externalId
  return group
}

function readMembers(body: JsonObject): ScimMember[] {
  const members = new Map<string, ScimMember>()
  for (const item of readList(body, 'members', MAX_MEMBERS)) {
    if (!isJsonObject(item)) throw new ScimError('invalidValue', 'each of members must be an object')
    const type = readString(item, 'type', 'members.type')
    if (type !== undefined && type.toLowerCase() !== 'user') {
      throw new ScimError('invalidValue', 'only users can be group members')
    }
    const member: ScimMember = { value: readRequiredString(item, 'value', 'members.value') }
    const display = readString(item, 'display', 'members.display')
    if (display !== undefined) member.display = display
    // A member listed twice is one member (Map keeps the first position, the last display).
    members.set(member.value, member)
  }
  return [...members.values()]
}

/** The attributes the IdP controls as JSON (no id, meta or schemas): what PATCH works on. */
export function groupDataToJson(group: ScimGroupData): JsonObject {
  const json = emptyObject()
  json['displayName'] = group.displayName
  if (group.externalId !== undefined) json['externalId'] = group.externalId
  json['members'] = group.members.map((member) => {
    const item = emptyObject()
    item['value'] = member.value
    if (member.display !== undefined) item['display'] = member.display
    return item
  })
  return json
}

/** The wire form (RFC 7643 §4.2), members with their `$ref`. */
export function groupToScim(group: ScimGroup, baseUrl: string): JsonObject {
  const json = emptyObject()
  json['schemas'] = [GROUP_URN]
  json['id'] = group.id
  json['displayName'] = group.displayName
  if (group.externalId !== undefined) json['externalId'] = group.externalId
  json['members'] = group.members.map((member) => {
    const item = emptyObject()
    item['value'] = member.value
    item['$ref'] = `${baseUrl}/Users/${encodeURIComponent(member.value)}`
    if (member.display !== undefined) item['display'] = member.display
    return item
  })
  const meta = emptyObject()
  meta['resourceType'] = 'Group'
  meta['created'] = group.meta.created
  meta['lastModified'] = group.meta.lastModified
  meta['location'] = `${baseUrl}/Groups/${encodeURIComponent(group.id)}`
  json['meta'] = meta
  return json
}

/** Which member ids `after` added to and removed from `before`, each list in order. */
export function diffMembers(before: readonly ScimMember[], after: readonly ScimMember[]): MemberChanges {
  const was = new Set(before.map((member) => member.value))
  const is = new Set(after.map((member) => member.value))
  return {
    added: [...is].filter((id) => !was.has(id)),
    removed: [...was].filter((id) => !is.has(id)),
  }
}
