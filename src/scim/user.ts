/**
 * The SCIM User (RFC 7643 §4.1 core + §4.3 enterprise extension): the typed form the store keeps,
 * validation of POST/PUT bodies into it, and its wire form. Attributes Gatehouse does not interpret
 * (title, locale, phoneNumbers, other extensions…) are kept in `extra` and returned as sent (§8).
 *
 * @example
 * const parsed = parseUserBody(request.body)
 * if (parsed.ok) store.createUser({ id, meta, ...parsed.value })
 * reply.send(userToScim(user, baseUrl))
 */
import { catchScimError, ScimError, type ScimResult } from './error.js'
import { checkString, isEmailShaped, readBoolean, readList, readObject, readRequiredString, readString } from './fields.js'
import { copyJson, emptyObject, getAttribute, isJsonObject, type JsonObject, type JsonValue } from './json.js'
import { ENTERPRISE_USER_URN, USER_URN } from './urns.js'

export interface ScimMeta {
  /** ISO 8601 instants, set by the store. */
  created: string
  lastModified: string
}

export interface ScimName {
  formatted?: string
  familyName?: string
  givenName?: string
  middleName?: string
  honorificPrefix?: string
  honorificSuffix?: string
}

export interface ScimEmail {
  value: string
  type?: string
  primary?: boolean
  display?: string
}

export interface ScimEnterpriseUser {
  employeeNumber?: string
  costCenter?: string
  organization?: string
  division?: string
  department?: string
  manager?: { value?: string; displayName?: string }
}

/** What the IdP controls: a POST/PUT body, or the result of a PATCH. */
export interface ScimUserData {
  userName: string
  externalId?: string
  name?: ScimName
  displayName?: string
  emails: ScimEmail[]
  active: boolean
  enterprise?: ScimEnterpriseUser
  /** Other attributes, prototype-less, keyed as the IdP sent them. */
  extra: JsonObject
}

export interface ScimUser extends ScimUserData {
  id: string
  meta: ScimMeta
}

export const MAX_EMAILS = 100
const NAME_PARTS = ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'] as const
const ENTERPRISE_STRINGS = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'] as const
/** Read-only or write-only: accepted in a body and ignored (Okta sends `groups: []` and a `password`). */
const IGNORED = new Set(['id', 'meta', 'schemas', 'groups', 'password'])
/** Attributes read into typed fields, in lower case. */
const TYPED = new Set(['username', 'externalid', 'name', 'displayname', 'emails', 'active', ENTERPRISE_USER_URN.toLowerCase()])

/** Validates a POST or PUT /Users body (also a PATCH result) into ScimUserData. */
export function parseUserBody(body: unknown): ScimResult<ScimUserData> {
  return catchScimError(() => {
    if (!isJsonObject(body)) throw new ScimError('invalidSyntax', 'the body must be a JSON object')
    return readUser(copyJson(body, 'resource') as JsonObject)
  })
}

function readUser(body: JsonObject): ScimUserData {
  const user: ScimUserData = {
    userName: readRequiredString(body, 'userName'),
    emails: readEmails(body),
    active: readBoolean(body, 'active') ?? true,
    extra: emptyObject(),
  }
  const externalId = readString(body, 'externalId')
  if (externalId !== undefined) user.externalId = externalId
  const displayName = readString(body, 'displayName')
  if (displayName !== undefined) user.displayName = displayName
  const name = readName(body)
  if (name) user.name = name
  const enterprise = readEnterprise(body)
  if (enterprise) user.enterprise = enterprise
  for (const key of Object.keys(body)) {
    const lower = key.toLowerCase()
    if (IGNORED.has(lower) || TYPED.has(lower)) continue
    const value = body[key] as JsonValue
    if (value !== null) user.extra[key] = value
  }
  return user
}

function readName(body: JsonObject): ScimName | undefined {
  const object = readObject(body, 'name')
  if (!object) return undefined
  const name: ScimName = {}
  for (const part of NAME_PARTS) {
    const value = readString(object, part, `name.${part}`)
    if (value !== undefined) name[part] = value
  }
  return Object.keys(name).length > 0 ? name : undefined
}

function readEmails(body: JsonObject): ScimEmail[] {
  const emails: ScimEmail[] = []
  let primarySeen = false
  for (const item of readList(body, 'emails', MAX_EMAILS)) {
    if (!isJsonObject(item)) throw new ScimError('invalidValue', 'each of emails must be an object')
    const value = readRequiredString(item, 'value', 'emails.value')
    if (!isEmailShaped(value)) throw new ScimError('invalidValue', 'emails.value is not an email address')
    const email: ScimEmail = { value }
    const type = readString(item, 'type', 'emails.type')
    if (type !== undefined) email.type = type
    const display = readString(item, 'display', 'emails.display')
    if (display !== undefined) email.display = display
    const primary = readBoolean(item, 'primary', 'emails.primary')
    // RFC 7643 §2.4: at most one primary; a later one is kept as non-primary rather than refused.
    if (primary !== undefined) email.primary = primary && !primarySeen
    if (primary) primarySeen = true
    emails.push(email)
  }
  return emails
}

function readEnterprise(body: JsonObject): ScimEnterpriseUser | undefined {
  const object = readObject(body, ENTERPRISE_USER_URN, 'the enterprise extension')
  if (!object) return undefined
  const enterprise: ScimEnterpriseUser = {}
  for (const part of ENTERPRISE_STRINGS) {
    const value = readString(object, part)
    if (value !== undefined) enterprise[part] = value
  }
  const manager = readManager(getAttribute(object, 'manager'))
  if (manager) enterprise.manager = manager
  return Object.keys(enterprise).length > 0 ? enterprise : undefined
}

/** RFC 7643 §4.3 manager is complex; Entra also sends the id as a bare string or a list of one. */
function readManager(value: JsonValue | undefined): ScimEnterpriseUser['manager'] | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return { value: checkString(value, 'manager') }
  if (Array.isArray(value)) {
    if (value.length > 1) throw new ScimError('invalidValue', 'manager has more than one value')
    return readManager(value[0])
  }
  if (!isJsonObject(value)) throw new ScimError('invalidValue', 'manager must be an object')
  const manager: { value?: string; displayName?: string } = {}
  const id = readString(value, 'value', 'manager.value')
  if (id) manager.value = id
  const displayName = readString(value, 'displayName', 'manager.displayName')
  if (displayName) manager.displayName = displayName
  return Object.keys(manager).length > 0 ? manager : undefined
}

/** The attributes the IdP controls as JSON (no id, meta or schemas): what PATCH works on. */
export function userDataToJson(user: ScimUserData): JsonObject {
  const json = emptyObject()
  json['userName'] = user.userName
  if (user.externalId !== undefined) json['externalId'] = user.externalId
  if (user.name) json['name'] = toJsonObject(user.name)
  if (user.displayName !== undefined) json['displayName'] = user.displayName
  if (user.emails.length > 0) json['emails'] = user.emails.map((email) => toJsonObject(email))
  json['active'] = user.active
  for (const key of Object.keys(user.extra)) json[key] = copyJson(user.extra[key])
  if (user.enterprise) {
    const enterprise = toJsonObject({ ...user.enterprise, manager: undefined })
    if (user.enterprise.manager) enterprise['manager'] = toJsonObject(user.enterprise.manager)
    json[ENTERPRISE_USER_URN] = enterprise
  }
  return json
}

/** The wire form (RFC 7643 §4.1): `schemas` lists each extension present, `meta.location` is absolute. */
export function userToScim(user: ScimUser, baseUrl: string): JsonObject {
  const data = userDataToJson(user)
  const schemas = [USER_URN, ...Object.keys(data).filter((key) => key.toLowerCase().startsWith('urn:'))]
  const json = emptyObject()
  json['schemas'] = schemas
  json['id'] = user.id
  for (const key of Object.keys(data)) json[key] = data[key] as JsonValue
  json['meta'] = toJsonObject({
    resourceType: 'User',
    created: user.meta.created,
    lastModified: user.meta.lastModified,
    location: `${baseUrl}/Users/${encodeURIComponent(user.id)}`,
  })
  return json
}

/** The email Gatehouse knows the user by (§8: userName is the email): userName, else the primary email. */
export function findUserEmail(user: ScimUserData): string | undefined {
  if (isEmailShaped(user.userName)) return user.userName
  return (user.emails.find((email) => email.primary) ?? user.emails[0])?.value
}

function toJsonObject(record: object): JsonObject {
  const json = emptyObject()
  for (const [key, value] of Object.entries(record)) if (value !== undefined) json[key] = value as JsonValue
  return json
}
