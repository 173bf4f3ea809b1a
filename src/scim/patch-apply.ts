/**
 * One PATCH operation applied to a resource's JSON (RFC 7644 §3.5.2.1–3), in place. The caller works on
 * a copy and re-validates the result, so a failed request changes nothing. Throws ScimError.
 */
import { ScimError } from './error.js'
import {
  deleteAttribute,
  emptyObject,
  findKey,
  getAttribute,
  isAttributeName,
  isJsonObject,
  jsonEqual,
  printable,
  setAttribute,
  type JsonObject,
  type JsonValue,
} from './json.js'
import { equalityTerms, matchesElement, parsePatchPath, type PatchPath } from './patch-path.js'
import { ENTERPRISE_USER_URN } from './urns.js'

export type PatchOp = 'add' | 'replace' | 'remove'

export interface PatchContext {
  /** The resource's core schema URN (dropped from paths). */
  schemaUrn: string
  /** The resource's id: a value may repeat it (Okta's group rename does), never change it. */
  id: string
}

/** RFC 7643 multi-valued attributes: `add` appends to them, `replace` replaces the whole list. */
const MULTI_VALUED = new Set(['emails', 'phonenumbers', 'ims', 'photos', 'addresses', 'entitlements', 'roles', 'x509certificates', 'members'])
/** Read-only attributes no operation may set (RFC 7643 §3.1, §4.1.2 groups). */
const READ_ONLY = new Set(['meta', 'schemas', 'groups'])
/** Single-valued simple attributes: Entra without aadOptscim062020 sends their value as `[{"value": x}]`. */
const SINGLE_VALUED = new Set([
  'username',
  'externalid',
  'displayname',
  'nickname',
  'profileurl',
  'title',
  'usertype',
  'preferredlanguage',
  'locale',
  'timezone',
  'active',
  'name.formatted',
  'name.familyname',
  'name.givenname',
  'name.middlename',
  'name.honorificprefix',
  'name.honorificsuffix',
  ...['employeenumber', 'costcenter', 'organization', 'division', 'department'].map((name) => `${ENTERPRISE_USER_URN.toLowerCase()}.${name}`),
])

/** Applies one operation to `root`. `path` undefined: the value's keys are the targets (each a path). */
export function applyOperation(root: JsonObject, op: PatchOp, path: string | undefined, value: JsonValue | undefined, context: PatchContext): void {
  if (path === undefined) {
    if (op === 'remove') throw new ScimError('noTarget', 'remove needs a path')
    if (!isJsonObject(value)) throw new ScimError('invalidValue', `${op} without a path needs an object value`)
    // Entra (aadOptscim062020) and others put paths as keys: `name.givenName`, `urn:…:User:employeeNumber`.
    for (const key of Object.keys(value)) applyAt(root, op, parsePatchPath(key, context.schemaUrn), value[key], context)
    return
  }
  applyAt(root, op, parsePatchPath(path, context.schemaUrn), value, context)
}

function applyAt(root: JsonObject, op: PatchOp, target: PatchPath, value: JsonValue | undefined, context: PatchContext): void {
  const top = (target.attribute[0] as string).toLowerCase()
  if (top === 'id' && target.attribute.length === 1 && !target.filter) {
    if (op !== 'remove' && value === context.id) return
    throw new ScimError('mutability', 'id cannot be changed')
  }
  if (READ_ONLY.has(top)) throw new ScimError('mutability', `${top} is read-only`)
  if (op !== 'remove' && value === undefined) throw new ScimError('invalidValue', `${op} needs a value`)
  if (target.filter) return applyToElements(root, op, target, value)
  const parentPath = target.attribute.slice(0, -1)
  const key = target.attribute[target.attribute.length - 1] as string
  if (op === 'remove') {
    const parent = navigate(root, parentPath, false)
    if (parent) removeAttribute(parent, key, value)
    return
  }
  const parent = navigate(root, parentPath, true) as JsonObject
  const existing = getAttribute(parent, key)
  const unwrapped = unwrapSingle(target.attribute, value as JsonValue)
  if (unwrapped === null) return deleteAttribute(parent, key)
  if (Array.isArray(existing) || (parentPath.length === 0 && MULTI_VALUED.has(key.toLowerCase()))) {
    const items = Array.isArray(unwrapped) ? unwrapped : [unwrapped]
    return setAttribute(parent, key, op === 'add' ? appendElements(Array.isArray(existing) ? existing : [], items) : items)
  }
  if (isJsonObject(existing) && isJsonObject(unwrapped)) return mergeObject(existing, unwrapped)
  setAttribute(parent, key, unwrapped)
}

/** `attr[filter]` or `attr[filter].sub`: the matching elements of a multi-valued attribute. */
function applyToElements(root: JsonObject, op: PatchOp, target: PatchPath, value: JsonValue | undefined): void {
  const filter = target.filter!
  const parent = navigate(root, target.attribute.slice(0, -1), op !== 'remove')
  const key = target.attribute[target.attribute.length - 1] as string
  const list = parent ? getAttribute(parent, key) : undefined
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    throw new ScimError('invalidPath', `${printable(key)} is not multi-valued`)
  }
  const exactValue = key.toLowerCase() === 'members'
  const elements = list ?? []
  const matches = elements.filter((element) => matchesElement(element, filter, exactValue))
  const sub = target.subAttribute
  if (op === 'remove') {
    if (!parent || matches.length === 0) return
    if (sub) for (const element of matches) deleteAttribute(element as JsonObject, sub)
    else if (matches.length === elements.length) deleteAttribute(parent, key)
    else {
      const matched = new Set(matches)
      setAttribute(
        parent,
        key,
        elements.filter((element) => !matched.has(element)),
      )
    }
    return
  }
  if (matches.length === 0) {
    // No element matches: `add` (and, leniently, `replace`) of `emails[type eq "work"].value` creates the
    // element the filter describes — Entra adds a work email this way. Other shapes have no target.
    const terms = equalityTerms(filter)
    if (!sub || !terms || !terms.every(([name]) => isAttributeName(name))) {
      throw new ScimError('noTarget', `no ${printable(key)} value matches the path filter`)
    }
    const element = emptyObject()
    for (const [name, termValue] of terms) element[name] = termValue
    setAttribute(element, sub, value as JsonValue)
    setAttribute(parent as JsonObject, key, appendElements(elements, [element]))
    return
  }
  for (const element of matches) {
    const object = element as JsonObject
    if (sub) setAttribute(object, sub, value as JsonValue)
    else if (isJsonObject(value)) mergeObject(object, value)
    else throw new ScimError('invalidValue', `a value for ${printable(key)}[…] must be an object`)
  }
}

/** The object at `path` below `root`, made on the way when `create`; undefined when absent. */
function navigate(root: JsonObject, path: string[], create: boolean): JsonObject | undefined {
  let node = root
  for (const name of path) {
    let next = getAttribute(node, name)
    if (next === undefined || next === null) {
      if (!create) return undefined
      next = emptyObject()
      setAttribute(node, name, next)
    }
    if (!isJsonObject(next)) throw new ScimError('invalidPath', `${printable(name)} is not a complex attribute`)
    node = next
  }
  return node
}

/** `remove` with a value removes those values from a list (Entra removes members so), else the attribute. */
function removeAttribute(parent: JsonObject, key: string, value: JsonValue | undefined): void {
  const existing = getAttribute(parent, key)
  if (value === undefined || value === null || !Array.isArray(existing)) return deleteAttribute(parent, key)
  const removed = Array.isArray(value) ? value : [value]
  const removedKeys = new Set(removed.map(elementKey))
  const kept = existing.filter((element) => {
    const keyOf = elementKey(element)
    return keyOf === undefined ? !removed.some((item) => jsonEqual(element, item)) : !removedKeys.has(keyOf)
  })
  if (kept.length === 0) deleteAttribute(parent, key)
  else setAttribute(parent, key, kept)
}

/**
 * Appends `items`, merging one that has the `value` of an existing element into it (no duplicates).
 * Elements are indexed by `value`, so adding 10,000 members to 10,000 stays linear.
 */
function appendElements(existing: JsonValue[], items: JsonValue[]): JsonValue[] {
  const result = [...existing]
  const byValue = new Map<string, JsonValue>()
  for (const element of result) {
    const keyOf = elementKey(element)
    if (keyOf !== undefined && !byValue.has(keyOf)) byValue.set(keyOf, element)
  }
  for (const item of items) {
    if (isJsonObject(item) && isTrue(getAttribute(item, 'primary'))) {
      // RFC 7643 §2.4: one primary; the new one wins.
      for (const other of result) if (isJsonObject(other) && findKey(other, 'primary')) setAttribute(other, 'primary', false)
    }
    const keyOf = elementKey(item)
    const same = keyOf === undefined ? result.find((element) => jsonEqual(element, item)) : byValue.get(keyOf)
    if (same === undefined) {
      result.push(item)
      if (keyOf !== undefined) byValue.set(keyOf, item)
    } else if (isJsonObject(same) && isJsonObject(item)) mergeObject(same, item)
  }
  return result
}

/** Elements are the same when both have an equal `value` (the key here), else when equal as JSON. */
function elementKey(element: JsonValue): string | undefined {
  if (!isJsonObject(element)) return undefined
  const value = getAttribute(element, 'value')
  if (value === undefined) return undefined
  return typeof value === 'string' ? `s:${value}` : `j:${JSON.stringify(value)}`
}

/** RFC 7644 §3.5.2.3: sub-attributes given replace theirs, the others stay. */
function mergeObject(target: JsonObject, source: JsonObject): void {
  for (const key of Object.keys(source)) {
    const from = source[key] as JsonValue
    const into = getAttribute(target, key)
    if (from === null) deleteAttribute(target, key)
    else if (isJsonObject(into) && isJsonObject(from)) mergeObject(into, from)
    else setAttribute(target, key, from)
  }
}

/** `[{"value": x}]` → x for a single-valued simple attribute (Entra without aadOptscim062020). */
function unwrapSingle(attribute: string[], value: JsonValue): JsonValue {
  if (!SINGLE_VALUED.has(attribute.join('.').toLowerCase())) return value
  if (Array.isArray(value) && value.length === 1 && isJsonObject(value[0])) {
    const inner = getAttribute(value[0], 'value')
    if (inner !== undefined) return inner
  }
  return value
}

function isTrue(value: JsonValue | undefined): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true')
}
