/**
 * Policy patches (DESIGN §5 PATCH …/sso/policy) and the sign-in rule of DESIGN §2.4: which sign-in
 * methods a member may use under the org's enforcement.
 */
import { SsoError } from './sso-error.js'
import { ENFORCEMENTS, PROVISIONING, type RoleRule, type SsoConnection, type SsoPolicy } from './sso-connection.js'
import { AccountError } from './account-error.js'
import { normalizeEmail } from './types.js'
import { checkEmail } from './validation.js'

export type SignInChannel = 'password_page' | 'api_password' | 'api_token' | 'sso'

/**
 * DESIGN §2.4. With SSO off, passwords work and SSO does not. Once enabled:
 * optional — everything; exceptions — the password page only for allow-without-SSO members, the API
 * also for allow-listed emails; strict — no password page, the API only for allow-listed emails.
 */
export function isSignInAllowed(connection: SsoConnection | undefined, member: { allowWithoutSso: boolean; email: string }, channel: SignInChannel): boolean {
  if (connection === undefined || !connection.enabled) return channel !== 'sso'
  if (channel === 'sso') return true
  const { enforcement, apiAllowList } = connection.policy
  if (enforcement === 'optional') return true
  const listed = apiAllowList.some((email) => normalizeEmail(email) === normalizeEmail(member.email))
  if (enforcement === 'exceptions') return channel === 'password_page' ? member.allowWithoutSso : member.allowWithoutSso || listed
  return channel === 'password_page' ? false : listed
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 1024)

/** Applies a validated subset of fields; anything malformed is refused whole, naming the field. */
export function applyPolicyPatch(
  current: SsoPolicy,
  patch: Record<string, unknown>,
  workspaceSlugs: readonly string[],
  workspaceRoles: readonly string[],
): SsoPolicy {
  const bad = (field: string, why: string): never => {
    throw new SsoError('policy_invalid', `${field}: ${why}`, undefined, field)
  }
  const next: { -readonly [K in keyof SsoPolicy]: SsoPolicy[K] } = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'enforcement':
        if (!ENFORCEMENTS.includes(value as never)) bad(key, `must be one of ${ENFORCEMENTS.join(', ')}`)
        next.enforcement = value as SsoPolicy['enforcement']
        break
      case 'apiAllowList':
        if (!isStringList(value) || value.length > 1000) bad(key, 'must be a list of email addresses')
        next.apiAllowList = [...new Set((value as string[]).map((e, i) => normalizeEmail(allowListEmail(e, `${key}[${i}]`, bad))))]
        break
      case 'sessionTimeoutHours':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 24) bad(key, 'must be a whole number of hours from 1 to 24')
        next.sessionTimeoutHours = value as number
        break
      case 'provisioning':
        if (!PROVISIONING.includes(value as never)) bad(key, `must be one of ${PROVISIONING.join(', ')}`)
        next.provisioning = value as SsoPolicy['provisioning']
        break
      case 'allowIdpInitiated':
      case 'requireEncryptedAssertions':
        if (typeof value !== 'boolean') bad(key, 'must be true or false')
        next[key] = value as boolean
        break
      case 'attributeMapping': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(key, 'must be an object')
        const mapping = { ...current.attributeMapping }
        for (const [field, names] of Object.entries(value as Record<string, unknown>)) {
          if (!['email', 'firstName', 'lastName', 'roles'].includes(field)) bad(`${key}.${field}`, 'is not one of email, firstName, lastName, roles')
          if (!isStringList(names) || names.length === 0 || names.length > 20) bad(`${key}.${field}`, 'must be a non-empty list of attribute names')
          mapping[field as keyof typeof mapping] = names as string[]
        }
        next.attributeMapping = mapping
        break
      }
      case 'roleMapping':
        next.roleMapping = parseRoleMapping(value, current.roleMapping, workspaceSlugs, workspaceRoles, bad)
        break
      case 'workspaceAttributes': {
        const v = value as Record<string, unknown>
        if (typeof v !== 'object' || v === null) bad(key, 'must be an object')
        const enabled = v.enabled ?? current.workspaceAttributes.enabled
        const prefix = v.prefix ?? current.workspaceAttributes.prefix
        if (typeof enabled !== 'boolean') bad(`${key}.enabled`, 'must be true or false')
        if (typeof prefix !== 'string' || prefix === '' || prefix.length > 100) bad(`${key}.prefix`, 'must be a non-empty string')
        if (Object.keys(v).some((k) => k !== 'enabled' && k !== 'prefix')) bad(key, 'takes only enabled and prefix')
        next.workspaceAttributes = { enabled: enabled as boolean, prefix: prefix as string }
        break
      }
      default:
        bad(key, 'is not a policy field')
    }
  }
  return next
}

/** The same email rules as everywhere (core/validation.ts), reported as a policy field. */
function allowListEmail(email: string, field: string, bad: (field: string, why: string) => never): string {
  try {
    return checkEmail(email)
  } catch (error) {
    if (error instanceof AccountError)
      return bad(
        field,
        error.code === 'email_invisible_character' ? `contains an invisible or text-direction character (${error.detail})` : 'is not an email address',
      )
    throw error
  }
}

function parseRoleMapping(
  value: unknown,
  current: SsoPolicy['roleMapping'],
  workspaceSlugs: readonly string[],
  workspaceRoles: readonly string[],
  bad: (field: string, why: string) => never,
): SsoPolicy['roleMapping'] {
  const key = 'roleMapping'
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(key, 'must be an object')
  const v = value as Record<string, unknown>
  for (const k of Object.keys(v)) if (!['enabled', 'attribute', 'delimiter', 'rules'].includes(k)) bad(`${key}.${k}`, 'is not a role-mapping field')
  const enabled = v.enabled ?? current.enabled
  const attribute = v.attribute ?? current.attribute
  const delimiter = v.delimiter ?? current.delimiter
  if (typeof enabled !== 'boolean') bad(`${key}.enabled`, 'must be true or false')
  if (typeof attribute !== 'string' || attribute === '' || attribute.length > 1024) bad(`${key}.attribute`, 'must be an attribute name')
  if (typeof delimiter !== 'string' || [...delimiter].length !== 1) bad(`${key}.delimiter`, 'must be one character (space, comma, semicolon or any other)')
  const rawRules = v.rules ?? current.rules
  if (!Array.isArray(rawRules) || rawRules.length > 500) bad(`${key}.rules`, 'must be a list of at most 500 rules')
  const rules = (rawRules as unknown[]).map((r, i): RoleRule => {
    const rule = r as Record<string, unknown>
    const at = `${key}.rules[${i}]`
    if (typeof rule !== 'object' || rule === null) bad(at, 'must be an object')
    for (const k of Object.keys(rule)) if (!['idpRole', 'orgRole', 'workspaceRoles'].includes(k)) bad(`${at}.${k}`, 'is not a rule field')
    if (typeof rule.idpRole !== 'string' || rule.idpRole === '' || rule.idpRole.length > 1024) bad(`${at}.idpRole`, 'must be a non-empty string')
    if (rule.orgRole !== 'admin' && rule.orgRole !== 'member') bad(`${at}.orgRole`, 'must be admin or member')
    const ws = (rule.workspaceRoles ?? {}) as Record<string, unknown>
    if (typeof ws !== 'object' || Array.isArray(ws)) bad(`${at}.workspaceRoles`, 'must be an object {workspaceSlug: role}')
    for (const [slug, role] of Object.entries(ws)) {
      if (!workspaceSlugs.includes(slug)) bad(`${at}.workspaceRoles.${slug}`, 'is not a workspace of this organization')
      if (typeof role !== 'string' || !workspaceRoles.includes(role)) bad(`${at}.workspaceRoles.${slug}`, `must be one of ${workspaceRoles.join(', ')}`)
    }
    return { idpRole: rule.idpRole, orgRole: rule.orgRole, workspaceRoles: ws as Record<string, string> }
  })
  return { enabled, attribute, delimiter, rules }
}

/**
 * Whether the member may use a password at all in this org: on the password page, or for API
 * password sign-in (an allow-listed email under `strict` still needs its password for the API).
 */
export function isPasswordAllowed(connection: SsoConnection | undefined, member: { allowWithoutSso: boolean; email: string }): boolean {
  return isSignInAllowed(connection, member, 'password_page') || isSignInAllowed(connection, member, 'api_password')
}
