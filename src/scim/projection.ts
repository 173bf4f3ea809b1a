/**
 * `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a response holds.
 * `id`, `schemas` and `meta` are always returned (RFC 7643 §3.1 returned "always"). Paths may carry the
 * resource's schema URN, name a sub-attribute (`name.givenName`, `emails.value`) or an extension's
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`). Names match case-insensitively.
 *
 * @example
 * const projection = parseProjection({ excludedAttributes: 'members' })
 * if (projection.ok) reply.send(projectResource(groupToScim(group, baseUrl), projection.value))
 */
import { catchScimError, ScimError, type ScimResult } from './error.js'
import { emptyObject, findKey, isAttributeName, isJsonObject, printable, type JsonObject, type JsonValue } from './json.js'
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from './urns.js'

/** Each path as its segments: `['name', 'givenName']`, `['urn:…:enterprise:2.0:User', 'manager', 'value']`. */
export interface ScimProjection {
  attributes?: string[][]
  excludedAttributes?: string[][]
}

const ALWAYS_RETURNED = ['id', 'schemas', 'meta']
const MAX_PATHS = 50
const MAX_PARAMETER_LENGTH = 4000

/** Reads the two query parameters (comma-separated attribute paths). */
export function parseProjection(query: { attributes?: string | undefined; excludedAttributes?: string | undefined }): ScimResult<ScimProjection> {
  return catchScimError(() => {
    const projection: ScimProjection = {}
    if (query.attributes?.trim()) projection.attributes = readPaths(query.attributes, 'attributes')
    if (query.excludedAttributes?.trim()) projection.excludedAttributes = readPaths(query.excludedAttributes, 'excludedAttributes')
    return projection
  })
}

function readPaths(text: string, parameter: string): string[][] {
  if (text.length > MAX_PARAMETER_LENGTH) throw new ScimError('invalidValue', `${parameter} is too long`)
  const paths = text
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '')
  if (paths.length > MAX_PATHS) throw new ScimError('invalidValue', `${parameter} names more than ${MAX_PATHS} paths`)
  return paths.map((path) => splitPath(path, parameter))
}

/** `[urn:]attr[.sub[.sub]]` into segments, without the core schema URNs (RFC 7644 §3.10). */
export function splitPath(path: string, parameter: string): string[] {
  let rest = path
  const segments: string[] = []
  const lower = path.toLowerCase()
  for (const core of [USER_URN, GROUP_URN]) {
    if (lower.startsWith(`${core.toLowerCase()}:`)) rest = path.slice(core.length + 1)
  }
  if (rest === path && lower.startsWith('urn:')) {
    // `urn:…:enterprise:2.0:User` names the extension; `urn:…:User:department` an attribute of it.
    if (lower === ENTERPRISE_USER_URN.toLowerCase()) return [ENTERPRISE_USER_URN]
    const colon = lower.startsWith(`${ENTERPRISE_USER_URN.toLowerCase()}:`) ? ENTERPRISE_USER_URN.length : path.lastIndexOf(':')
    segments.push(path.slice(0, colon))
    rest = path.slice(colon + 1)
  }
  for (const name of rest.split('.')) {
    if (!isAttributeName(name)) throw new ScimError('invalidValue', `${parameter}: "${printable(path)}" is not an attribute path`)
    segments.push(name)
  }
  if (segments.length > 3) throw new ScimError('invalidValue', `${parameter}: "${printable(path)}" is nested too deep`)
  return segments
}

/** A copy of `resource` holding only what the projection asks for. */
export function projectResource(resource: JsonObject, projection: ScimProjection): JsonObject {
  let result = cloneObject(resource)
  if (projection.attributes) {
    const picked = emptyObject()
    for (const key of ALWAYS_RETURNED) {
      const found = findKey(result, key)
      if (found !== undefined) picked[found] = result[found] as JsonValue
    }
    for (const path of projection.attributes) mergeInto(picked, pick(result, path))
    result = picked
  }
  for (const path of projection.excludedAttributes ?? []) {
    if (path.length === 1 && ALWAYS_RETURNED.includes((path[0] as string).toLowerCase())) continue
    exclude(result, path)
  }
  return result
}

/**
 * Whether a response shaped by `projection` holds the top-level attribute `name` at all: when not, the
 * store need not read it (a group's members under `excludedAttributes=members`).
 */
export function isAttributeReturned(projection: ScimProjection, name: string): boolean {
  const lower = name.toLowerCase()
  if (projection.excludedAttributes?.some((path) => path.length === 1 && (path[0] as string).toLowerCase() === lower)) return false
  return projection.attributes === undefined || projection.attributes.some((path) => (path[0] as string).toLowerCase() === lower)
}

/** The part of `source` under `path`, in the same shape (lists keep their elements' picked parts). */
function pick(source: JsonObject, path: string[]): JsonObject {
  const picked = emptyObject()
  const [name, ...rest] = path
  const key = findKey(source, name as string)
  if (key === undefined) return picked
  const value = source[key] as JsonValue
  if (rest.length === 0) picked[key] = value
  else if (Array.isArray(value)) picked[key] = value.map((item) => (isJsonObject(item) ? pick(item, rest) : emptyObject()))
  else if (isJsonObject(value)) {
    const inner = pick(value, rest)
    if (Object.keys(inner).length > 0) picked[key] = inner
  }
  return picked
}

function mergeInto(target: JsonObject, source: JsonObject): void {
  for (const key of Object.keys(source)) {
    const from = source[key] as JsonValue
    const into = target[key]
    if (isJsonObject(into) && isJsonObject(from)) mergeInto(into, from)
    else if (Array.isArray(into) && Array.isArray(from)) {
      from.forEach((item, i) => {
        const existing = into[i]
        if (isJsonObject(existing) && isJsonObject(item)) mergeInto(existing, item)
      })
    } else target[key] = from
  }
}

function exclude(target: JsonObject, path: string[]): void {
  const [name, ...rest] = path
  const key = findKey(target, name as string)
  if (key === undefined) return
  const value = target[key]
  if (rest.length === 0) delete target[key]
  else if (Array.isArray(value)) {
    for (const item of value) if (isJsonObject(item)) exclude(item, rest)
  } else if (isJsonObject(value)) exclude(value, rest)
}

function cloneObject(object: JsonObject): JsonObject {
  const copy = emptyObject()
  for (const key of Object.keys(object)) copy[key] = cloneValue(object[key] as JsonValue)
  return copy
}

function cloneValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneValue)
  return isJsonObject(value) ? cloneObject(value) : value
}
