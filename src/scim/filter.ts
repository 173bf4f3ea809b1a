/**
 * The list filter of DESIGN §8: `eq` on a few attributes, joined by `and`. The result is a small query
 * the store turns into indexed SQL — not a predicate over all rows (`matchesUserQuery` is the same
 * semantics in memory, for tests). Anything else is `invalidFilter` (400), never an exception.
 *
 * Case (RFC 7643 §4.1, §4.2 caseExact): userName, emails.value, emails.type and group displayName
 * compare case-insensitively (fold both sides with `foldCase`); id, externalId, members.value exactly.
 *
 * @example
 * parseUserFilter('userName eq "Ada@Example.com"')
 * // { ok: true, value: { resourceType: 'User', conditions: [{ attribute: 'userName', value: 'Ada@Example.com' }] } }
 * parseUserFilter('emails[type eq "work"].value eq "a@b.c"')
 * // conditions: [{ attribute: 'emails.value', value: 'a@b.c', type: 'work' }]
 */
import type { Compare } from 'scim2-parse-filter'
import { catchScimError, ScimError, scimOk, type ScimResult } from './error.js'
import { parseFilterAst, type FilterAst } from './filter-ast.js'
import { printable } from './json.js'
import { GROUP_URN, USER_URN } from './urns.js'

export type ScimUserCondition =
  | { attribute: 'id' | 'externalId' | 'userName'; value: string }
  /** `type` set for `emails[type eq "work"].value eq "…"`: the same email must have both. */
  | { attribute: 'emails.value'; value: string; type?: string }

export type ScimGroupCondition = { attribute: 'id' | 'externalId' | 'displayName' | 'members.value'; value: string }

/** Every condition must hold (`and`); no conditions means every resource. */
export interface ScimUserQuery {
  resourceType: 'User'
  conditions: ScimUserCondition[]
}

export interface ScimGroupQuery {
  resourceType: 'Group'
  conditions: ScimGroupCondition[]
}

export const MAX_FILTER_CONDITIONS = 10

/** Folds case for the case-insensitive attributes (the store keeps this form in its indexed column). */
export function foldCase(text: string): string {
  return text.toLowerCase()
}

/** Parses `?filter=` for /Users. Undefined or blank: all users. */
export function parseUserFilter(text: string | undefined): ScimResult<ScimUserQuery> {
  if (text === undefined || text.trim() === '') return scimOk({ resourceType: 'User', conditions: [] })
  return catchScimError(() => ({ resourceType: 'User', conditions: readConditions(text, USER_URN, userCondition) }))
}

/** Parses `?filter=` for /Groups. Undefined or blank: all groups. */
export function parseGroupFilter(text: string | undefined): ScimResult<ScimGroupQuery> {
  if (text === undefined || text.trim() === '') return scimOk({ resourceType: 'Group', conditions: [] })
  return catchScimError(() => ({ resourceType: 'Group', conditions: readConditions(text, GROUP_URN, groupCondition) }))
}

/** One `eq` leaf, or an element filter (`attr[…]` with its optional `.sub eq`), in normalised form. */
interface Leaf {
  attribute: string
  value: string
  /** Conditions on the same element of a multi-valued attribute: sub-attribute → value. */
  element?: Map<string, string>
}

function readConditions<C>(text: string, schemaUrn: string, toCondition: (leaf: Leaf) => C): C[] {
  const ast = parseFilterAst(text)
  const conditions = conjunction(ast).map((node) => toCondition(readLeaf(node, schemaUrn)))
  if (conditions.length > MAX_FILTER_CONDITIONS) {
    throw new ScimError('invalidFilter', `a filter may join at most ${MAX_FILTER_CONDITIONS} conditions`)
  }
  return conditions
}

/** The terms of a tree of `and`s, keeping the library's `attr[…].sub eq v` rewrite as one term. */
function conjunction(ast: FilterAst): FilterAst[] {
  if (ast.op === 'and' && !isSubAttributeRewrite(ast)) return ast.filters.flatMap(conjunction)
  return [ast]
}

/** scim2-parse-filter turns `emails[type eq "work"].value eq "x"` into `and(emails[…], emails.value eq "x")`. */
function isSubAttributeRewrite(ast: FilterAst): boolean {
  if (ast.op !== 'and' || ast.filters.length !== 2) return false
  const [path, compare] = ast.filters
  return path?.op === '[]' && compare?.op === 'eq' && compare.attrPath.toLowerCase().startsWith(`${path.attrPath.toLowerCase()}.`)
}

function readLeaf(ast: FilterAst, schemaUrn: string): Leaf {
  switch (ast.op) {
    case 'eq':
      return { attribute: attributePath(ast.attrPath, schemaUrn), value: stringValue(ast) }
    case '[]':
      return elementLeaf(ast.attrPath, ast.valFilter, undefined, schemaUrn)
    case 'and': {
      const [path, compare] = ast.filters
      if (path?.op !== '[]' || compare?.op !== 'eq') break
      const sub = compare.attrPath.slice(path.attrPath.length + 1)
      return elementLeaf(path.attrPath, path.valFilter, { sub, value: stringValue(compare) }, schemaUrn)
    }
    case 'or':
    case 'not':
      throw new ScimError('invalidFilter', `"${ast.op}" is not supported; only eq joined by and`)
    default:
      break
  }
  throw new ScimError('invalidFilter', `the operator "${printable(String(ast.op))}" is not supported; only eq joined by and`)
}

/** `attr[sub eq v and …]` with an optional `.sub eq v` after the bracket. */
function elementLeaf(attrPath: string, inner: FilterAst, after: { sub: string; value: string } | undefined, urn: string): Leaf {
  const attribute = attributePath(attrPath, urn)
  const element = new Map<string, string>()
  const terms = after ? [...conjunction(inner), { op: 'eq', attrPath: after.sub, compValue: after.value } as Compare] : conjunction(inner)
  for (const term of terms) {
    if (term.op !== 'eq') throw new ScimError('invalidFilter', `only eq is supported inside ${printable(attrPath)}[…]`)
    const sub = term.attrPath.toLowerCase()
    if (element.has(sub)) throw new ScimError('invalidFilter', `${printable(term.attrPath)} is compared twice`)
    element.set(sub, stringValue(term))
  }
  const value = element.get('value')
  if (value === undefined) throw new ScimError('invalidFilter', `${printable(attrPath)}[…] must compare value`)
  element.delete('value')
  return { attribute: `${attribute}.value`, value, element }
}

/** The attribute path in lower case, without the resource's own schema URN (RFC 7644 §3.10). */
function attributePath(attrPath: string, schemaUrn: string): string {
  const lower = attrPath.toLowerCase()
  const prefix = `${schemaUrn.toLowerCase()}:`
  return lower.startsWith(prefix) ? lower.slice(prefix.length) : lower
}

function stringValue(compare: Compare): string {
  if (typeof compare.compValue !== 'string') {
    throw new ScimError('invalidFilter', `${printable(compare.attrPath)} must be compared with a string`)
  }
  return compare.compValue
}

function userCondition(leaf: Leaf): ScimUserCondition {
  const extra = leaf.element ? [...leaf.element.keys()] : []
  switch (leaf.attribute) {
    case 'id':
      return { attribute: 'id', value: leaf.value }
    case 'externalid':
      return { attribute: 'externalId', value: leaf.value }
    case 'username':
      return { attribute: 'userName', value: leaf.value }
    case 'emails.value': {
      if (extra.some((sub) => sub !== 'type')) break
      const type = leaf.element?.get('type')
      return type === undefined ? { attribute: 'emails.value', value: leaf.value } : { attribute: 'emails.value', value: leaf.value, type }
    }
  }
  throw new ScimError('invalidFilter', `filtering users on ${printable(leaf.attribute)} is not supported`)
}

function groupCondition(leaf: Leaf): ScimGroupCondition {
  const attribute = { id: 'id', externalid: 'externalId', displayname: 'displayName', 'members.value': 'members.value' }
  if (leaf.element?.size || !Object.hasOwn(attribute, leaf.attribute)) {
    throw new ScimError('invalidFilter', `filtering groups on ${printable(leaf.attribute)} is not supported`)
  }
  return { attribute: attribute[leaf.attribute as keyof typeof attribute] as ScimGroupCondition['attribute'], value: leaf.value }
}
