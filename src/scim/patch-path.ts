/**
 * PATCH paths (RFC 7644 §3.5.2 `PATH = attrPath / valuePath [subAttr]`), and the filter of a value
 * path evaluated on one element of a multi-valued attribute.
 *
 * @example
 * parsePatchPath('emails[type eq "work"].value', USER_URN)
 * // { attribute: ['emails'], filter: <ast>, subAttribute: 'value' }
 * parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', USER_URN)
 * // { attribute: ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'manager'] }
 */
import { ScimError } from './error.js'
import { toBoolean } from './fields.js'
import { parseFilterAst, type FilterAst } from './filter-ast.js'
import { getAttribute, isAttributeName, isSchemaUrnName, LIMITS, printable, type JsonObject, type JsonValue } from './json.js'
import { ENTERPRISE_USER_URN } from './urns.js'

export interface PatchPath {
  /** Object keys from the resource root; an extension's URN is one key. */
  attribute: string[]
  /** A value path's filter on the elements of the multi-valued attribute `attribute` names. */
  filter?: FilterAst
  /** The sub-attribute after a value path: `value` in `emails[type eq "work"].value`. */
  subAttribute?: string
}

/** Parses a path; `invalidPath` for anything outside the grammar. `schemaUrn`: the resource's core URN. */
export function parsePatchPath(path: string, schemaUrn: string): PatchPath {
  if (path.length === 0 || path.length > LIMITS.stringLength) throw new ScimError('invalidPath', 'the path is empty or too long')
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new ScimError('invalidPath', 'the path contains a control character')
  let rest = path
  const attribute: string[] = []
  const lower = path.toLowerCase()
  if (lower.startsWith(`${schemaUrn.toLowerCase()}:`)) rest = path.slice(schemaUrn.length + 1)
  else if (lower === ENTERPRISE_USER_URN.toLowerCase()) return { attribute: [ENTERPRISE_USER_URN] }
  else if (lower.startsWith(`${ENTERPRISE_USER_URN.toLowerCase()}:`)) {
    attribute.push(ENTERPRISE_USER_URN)
    rest = path.slice(ENTERPRISE_USER_URN.length + 1)
  } else if (lower.startsWith('urn:')) {
    // Another extension: its URN runs to the last colon before any value filter.
    const bracket = path.indexOf('[')
    const colon = path.lastIndexOf(':', bracket < 0 ? path.length : bracket)
    const urn = path.slice(0, colon)
    if (!isSchemaUrnName(urn)) throw new ScimError('invalidPath', `"${printable(path)}" is not an attribute path`)
    attribute.push(urn)
    rest = path.slice(colon + 1)
  }
  const bracket = rest.indexOf('[')
  if (bracket < 0) return { attribute: [...attribute, ...attributeNames(rest, path, 2)] }
  const close = closingBracket(rest, bracket)
  const after = rest.slice(close + 1)
  const target: PatchPath = {
    attribute: [...attribute, ...attributeNames(rest.slice(0, bracket), path, 1)],
    filter: parseFilterAst(rest.slice(bracket + 1, close), 'invalidPath'),
  }
  if (after !== '') {
    if (!after.startsWith('.')) throw new ScimError('invalidPath', `"${printable(path)}" has text after its filter`)
    target.subAttribute = attributeNames(after.slice(1), path, 1)[0]
  }
  return target
}

function attributeNames(text: string, path: string, most: number): string[] {
  const names = text.split('.')
  if (names.length > most || !names.every(isAttributeName)) {
    throw new ScimError('invalidPath', `"${printable(path)}" is not an attribute path`)
  }
  return names
}

/** The index of the `]` closing the `[` at `open`, skipping quoted strings. */
function closingBracket(text: string, open: number): number {
  let quoted = false
  for (let i = open + 1; i < text.length; i++) {
    const char = text[i]
    if (quoted) {
      if (char === '\\') i++
      else if (char === '"') quoted = false
    } else if (char === '"') quoted = true
    else if (char === ']') return i
  }
  throw new ScimError('invalidPath', 'a value filter is not closed with ]')
}

/**
 * Whether one element matches a value filter. Strings compare case-insensitively except `value` of
 * `members` (ids); booleans also match "True"/"False". gt/ge/lt/le are `invalidPath` here.
 */
export function matchesElement(element: JsonValue, filter: FilterAst, exactValue: boolean): boolean {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return false
  const object: JsonObject = element
  switch (filter.op) {
    case 'and':
      return filter.filters.every((f) => matchesElement(object, f, exactValue))
    case 'or':
      return filter.filters.some((f) => matchesElement(object, f, exactValue))
    case 'not':
      return !matchesElement(object, filter.filter, exactValue)
    case 'pr': {
      const value = getAttribute(object, filter.attrPath)
      return value !== undefined && value !== null && value !== ''
    }
    case 'eq':
    case 'ne':
    case 'co':
    case 'sw':
    case 'ew': {
      const exact = exactValue && filter.attrPath.toLowerCase() === 'value'
      return compare(getAttribute(object, filter.attrPath), filter.op, filter.compValue, exact)
    }
    default:
      throw new ScimError('invalidPath', `the operator "${printable(String(filter.op))}" is not supported in a path`)
  }
}

function compare(actual: JsonValue | undefined, op: 'eq' | 'ne' | 'co' | 'sw' | 'ew', expected: JsonValue, exact: boolean): boolean {
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    const same = booleanOf(actual) !== undefined && booleanOf(actual) === booleanOf(expected)
    return op === 'eq' ? same : op === 'ne' ? !same : false
  }
  if (typeof actual !== 'string' || typeof expected !== 'string') {
    const same = actual === expected || (actual === undefined && expected === null)
    return op === 'eq' ? same : op === 'ne' ? !same : false
  }
  const a = exact ? actual : actual.toLowerCase()
  const b = exact ? expected : expected.toLowerCase()
  if (op === 'eq') return a === b
  if (op === 'ne') return a !== b
  if (op === 'co') return a.includes(b)
  if (op === 'sw') return a.startsWith(b)
  return a.endsWith(b)
}

function booleanOf(value: JsonValue | undefined): boolean | undefined {
  if (value === undefined || value === null) return undefined
  try {
    return toBoolean(value, 'value')
  } catch {
    return undefined
  }
}

/** The `sub eq "value"` terms of a filter that is only eq joined by and (to build a missing element). */
export function equalityTerms(filter: FilterAst): Array<[string, string | boolean]> | undefined {
  if (filter.op === 'eq') {
    const value = filter.compValue
    return typeof value === 'string' || typeof value === 'boolean' ? [[filter.attrPath, value]] : undefined
  }
  if (filter.op !== 'and') return undefined
  const terms: Array<[string, string | boolean]> = []
  for (const inner of filter.filters) {
    const more = equalityTerms(inner)
    if (!more) return undefined
    terms.push(...more)
  }
  return terms
}
