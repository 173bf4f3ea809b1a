/**
 * Reading one attribute of an untrusted (already copied) JSON object: the coercions real IdPs need
 * and the bounds every string obeys. Each reader throws ScimError `invalidValue` naming the attribute.
 */
import { ScimError } from './error.js'
import { LIMITS, getAttribute, isJsonObject, type JsonObject, type JsonValue } from './json.js'

/** A string attribute; null or absent gives undefined. Control characters are refused. */
export function readString(object: JsonObject, name: string, label = name): string | undefined {
  const value = getAttribute(object, name)
  if (value === undefined || value === null) return undefined
  return checkString(value, label)
}

export function checkString(value: JsonValue, label: string): string {
  if (typeof value !== 'string') throw new ScimError('invalidValue', `${label} must be a string`)
  if (value.length > LIMITS.stringLength) {
    throw new ScimError('invalidValue', `${label} is longer than ${LIMITS.stringLength} characters`)
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new ScimError('invalidValue', `${label} contains a control character`)
  return value
}

/** A required, non-blank string. */
export function readRequiredString(object: JsonObject, name: string, label = name): string {
  const value = readString(object, name, label)
  if (value === undefined || value.trim() === '') throw new ScimError('invalidValue', `${label} is required`)
  return value
}

/**
 * A boolean, also as the strings "True"/"False" in any case: Entra sends `"False"` without the
 * aadOptscim062020 flag. Anything else is invalidValue, never a truthy string.
 */
export function readBoolean(object: JsonObject, name: string, label = name): boolean | undefined {
  const value = getAttribute(object, name)
  if (value === undefined || value === null) return undefined
  return toBoolean(value, label)
}

export function toBoolean(value: JsonValue, label: string): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    const lower = value.toLowerCase()
    if (lower === 'true') return true
    if (lower === 'false') return false
  }
  throw new ScimError('invalidValue', `${label} must be true or false`)
}

/** An object attribute; null or absent gives undefined. */
export function readObject(object: JsonObject, name: string, label = name): JsonObject | undefined {
  const value = getAttribute(object, name)
  if (value === undefined || value === null) return undefined
  if (!isJsonObject(value)) throw new ScimError('invalidValue', `${label} must be an object`)
  return value
}

/** A multi-valued attribute; a single object is taken as a list of one, null or absent as empty. */
export function readList(object: JsonObject, name: string, max: number, label = name): JsonValue[] {
  const value = getAttribute(object, name)
  if (value === undefined || value === null) return []
  const list = Array.isArray(value) ? value : [value]
  if (list.length > max) throw new ScimError('tooMany', `${label} has more than ${max} values`)
  return list
}

/** RFC 5321 bounds and one `@`, no spaces: the shape check, not deliverability. */
export function isEmailShaped(text: string): boolean {
  return text.length <= 254 && /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/.test(text)
}
