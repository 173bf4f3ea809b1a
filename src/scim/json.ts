/**
 * JSON as the SCIM module holds it. Attribute names from the IdP are data (RFC 7643 §2.1: matched
 * case-insensitively), so every object made here has no prototype and every lookup sees own keys only:
 * `__proto__`, `constructor` or `toString` can never reach Object.prototype (see core/keyed-record.ts).
 */
import { ScimError } from './error.js'

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

/** Bounds on what one resource or PATCH body may hold (the 64 KiB body cap is the routes'). */
export const LIMITS = {
  stringLength: 1024,
  arrayLength: 10_000,
  depth: 8,
  nodes: 50_000,
} as const

/** RFC 7643 §2.1 ATTRNAME, plus `$ref` (§2.3.7): `__proto__` and friends are not attribute names. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]{0,127}|\$ref)$/
/** A schema URN used as an attribute name (an extension's container, RFC 7643 §3.3). */
const SCHEMA_URN_NAME = /^urn:[A-Za-z0-9][A-Za-z0-9.:_-]{0,253}$/i

export function isAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name)
}

export function isSchemaUrnName(name: string): boolean {
  return SCHEMA_URN_NAME.test(name) && !name.endsWith(':')
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A prototype-less object. */
export function emptyObject(): JsonObject {
  return Object.create(null) as JsonObject
}

/** The own key of `object` equal to `name` ignoring ASCII case (RFC 7643 §2.1), or undefined. */
export function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name
  const lower = name.toLowerCase()
  return Object.keys(object).find((key) => key.toLowerCase() === lower)
}

/** The value under `name` (case-insensitive, own keys only), or undefined. */
export function getAttribute(object: JsonObject, name: string): JsonValue | undefined {
  const key = findKey(object, name)
  return key === undefined ? undefined : object[key]
}

/** Sets `name`, replacing a differently-cased own key of the same name. */
export function setAttribute(object: JsonObject, name: string, value: JsonValue): void {
  const key = findKey(object, name)
  if (key !== undefined && key !== name) delete object[key]
  object[name] = value
}

export function deleteAttribute(object: JsonObject, name: string): void {
  const key = findKey(object, name)
  if (key !== undefined) delete object[key]
}

/**
 * Which top-level keys `copyJson` accepts besides attribute names: schema URNs (a resource body), or
 * any string (a pathless PATCH value, whose keys the PATCH engine parses as paths).
 */
export type TopKeys = 'attributes' | 'resource' | 'paths'

/**
 * A deep copy of untrusted JSON into prototype-less objects, within LIMITS. Throws ScimError
 * `invalidValue` (sizes) or `invalidSyntax` (not JSON, or a key that is not an attribute name; below
 * the top level, keys are always attribute names).
 */
export function copyJson(input: unknown, topKeys: TopKeys = 'attributes'): JsonValue {
  const budget = { nodes: 0 }
  return copyValue(input, 0, budget, topKeys)
}

function acceptsKey(key: string, keys: TopKeys): boolean {
  if (isAttributeName(key)) return true
  if (keys === 'resource') return isSchemaUrnName(key)
  return keys === 'paths' && key.length > 0 && key.length <= LIMITS.stringLength
}

function copyValue(input: unknown, depth: number, budget: { nodes: number }, keys: TopKeys): JsonValue {
  if (++budget.nodes > LIMITS.nodes) throw new ScimError('invalidValue', `more than ${LIMITS.nodes} values`)
  if (depth > LIMITS.depth) throw new ScimError('invalidValue', `nested deeper than ${LIMITS.depth} levels`)
  if (input === null || typeof input === 'boolean') return input
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new ScimError('invalidSyntax', 'a number is not finite')
    return input
  }
  if (typeof input === 'string') {
    if (input.length > LIMITS.stringLength) {
      throw new ScimError('invalidValue', `a string is longer than ${LIMITS.stringLength} characters`)
    }
    return input
  }
  if (Array.isArray(input)) {
    if (input.length > LIMITS.arrayLength) {
      throw new ScimError('tooMany', `an array has more than ${LIMITS.arrayLength} values`)
    }
    return input.map((item) => copyValue(item, depth + 1, budget, 'attributes'))
  }
  if (typeof input === 'object') {
    const copy = emptyObject()
    for (const key of Object.keys(input)) {
      if (!acceptsKey(key, keys)) {
        throw new ScimError('invalidSyntax', `"${printable(key)}" is not a SCIM attribute name`)
      }
      if (findKey(copy, key) !== undefined) throw new ScimError('invalidSyntax', `attribute "${key}" is given twice`)
      copy[key] = copyValue((input as Record<string, unknown>)[key], depth + 1, budget, 'attributes')
    }
    return copy
  }
  throw new ScimError('invalidSyntax', 'not a JSON value')
}

/** Two JSON values are equal (objects by own keys, order-insensitive). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}

/** A name as it may appear in an error detail: bounded, no control characters. */
export function printable(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?')
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean
}
