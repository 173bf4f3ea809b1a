/**
 * IdP role mapping (DESIGN §2.4): rules `IdP role → org role + {workspace: role}` read from one
 * attribute (multi-valued, or one value split by a delimiter). Matching rules combine to the highest
 * org role and, per workspace, the highest role in catalogue order (first = highest). No match gives
 * `member` with no workspace roles. The owner is never lowered: that is decided by the caller.
 *
 * Per-workspace attributes (CleverTap style): `workspace.<slug>` = a role name, or role-map JSON
 * `{"role":"editor"}`; `{}` or `noaccess` removes access; anything else is an error naming the attribute.
 */
import { keyedRecord, ownValue } from './keyed-record.js'
import type { RoleRule, SsoPolicy } from './sso-connection.js'

export interface MappedRoles {
  readonly orgRole: 'admin' | 'member'
  readonly workspaceRoles: Readonly<Record<string, string>>
  readonly matchedRules: readonly string[]
}

/** The IdP's roles: every value of the attribute, each split by the delimiter (a space splits on any whitespace). */
export function readIdpRoles(attributes: Readonly<Record<string, readonly string[]>>, attribute: string, delimiter: string): string[] {
  const values = ownValue(attributes, attribute) ?? []
  const split = values.flatMap((v) => (delimiter === ' ' ? v.split(/\s+/) : v.split(delimiter)))
  return [...new Set(split.map((r) => r.trim()).filter((r) => r !== ''))]
}

export function mapRoles(idpRoles: readonly string[], rules: readonly RoleRule[], catalogue: readonly string[]): MappedRoles {
  const held = new Set(idpRoles)
  let orgRole: 'admin' | 'member' = 'member'
  const workspaceRoles = keyedRecord<string>()
  const matchedRules: string[] = []
  for (const rule of rules) {
    if (!held.has(rule.idpRole)) continue
    matchedRules.push(rule.idpRole)
    if (rule.orgRole === 'admin') orgRole = 'admin'
    for (const [slug, role] of Object.entries(rule.workspaceRoles)) {
      const current = ownValue(workspaceRoles, slug)
      if (current === undefined || rank(role, catalogue) < rank(current, catalogue)) workspaceRoles[slug] = role
    }
  }
  return { orgRole, workspaceRoles, matchedRules }
}

function rank(role: string, catalogue: readonly string[]): number {
  const index = catalogue.indexOf(role)
  return index === -1 ? Number.MAX_SAFE_INTEGER : index
}

export type WorkspaceAttributeResult =
  | { readonly ok: true; readonly workspaceRoles: Readonly<Record<string, string>>; readonly applied: readonly string[] }
  | { readonly ok: false; readonly attribute: string; readonly reason: string }

/**
 * Applies `prefix + slug` attributes over `current`: a present attribute sets (or removes) that
 * workspace's role; an absent one leaves it as it is.
 */
export function applyWorkspaceAttributes(
  attributes: Readonly<Record<string, readonly string[]>>,
  prefix: string,
  workspaceSlugs: readonly string[],
  catalogue: readonly string[],
  current: Readonly<Record<string, string>>,
): WorkspaceAttributeResult {
  const roles = keyedRecord(Object.entries(current))
  const applied: string[] = []
  for (const slug of workspaceSlugs) {
    const name = `${prefix}${slug}`
    const values = ownValue(attributes, name)
    if (values === undefined || values.length === 0) continue
    if (values.length > 1) return { ok: false, attribute: name, reason: 'has several values; send one role name or one JSON object' }
    const raw = values[0]!.trim()
    let role: string | null
    if (raw === 'noaccess' || raw === '') {
      role = null
    } else if (raw.startsWith('{')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch {
        return { ok: false, attribute: name, reason: 'is not valid JSON' }
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return { ok: false, attribute: name, reason: 'must be a JSON object like {"role":"editor"}' }
      const keys = Object.keys(parsed)
      if (keys.length === 0) role = null
      else if (keys.length === 1 && keys[0] === 'role' && typeof (parsed as { role: unknown }).role === 'string') role = (parsed as { role: string }).role
      else return { ok: false, attribute: name, reason: 'must be {"role":"<role>"} or {}' }
    } else {
      role = raw
    }
    if (role !== null && !catalogue.includes(role))
      return { ok: false, attribute: name, reason: `names the role "${role.slice(0, 50)}", which is not one of ${catalogue.join(', ')}` }
    if (role === null) delete roles[slug]
    else roles[slug] = role
    applied.push(name)
  }
  return { ok: true, workspaceRoles: roles, applied }
}

export interface RolesFromIdp {
  readonly orgRole: 'owner' | 'admin' | 'member'
  readonly workspaceRoles: Readonly<Record<string, string>>
  /** True when role mapping decides this member's roles (they cannot be edited in Gatehouse). */
  readonly managedByIdp: boolean
  readonly idpRoles: readonly string[]
  readonly matchedRules: readonly string[]
}

/**
 * What an SSO sign-in makes of a member's roles under the connection's policy: role mapping (the
 * owner is never lowered) then per-workspace attributes; roles on unknown workspaces are dropped.
 * `directoryRoles` (the displayNames of the member's SCIM groups, DESIGN §8) count as IdP roles beside
 * the assertion's, so a sign-in does not undo the directory, and a directory change with no assertion
 * (empty attributes) computes what a sign-in would. Pure, so the sign-in, the directory and the
 * owner's test page compute exactly the same thing.
 */
export function rolesFromAssertion(
  current: { readonly orgRole: 'owner' | 'admin' | 'member'; readonly workspaceRoles: Readonly<Record<string, string>>; readonly managedByIdp: boolean },
  policy: Pick<SsoPolicy, 'roleMapping' | 'workspaceAttributes'>,
  attributes: Readonly<Record<string, readonly string[]>>,
  workspaceSlugs: readonly string[],
  catalogue: readonly string[],
  directoryRoles: readonly string[] = [],
): RolesFromIdp | { readonly code: 'workspace_attribute_invalid'; readonly attribute: string; readonly reason: string } {
  let orgRole = current.orgRole
  let roles = current.workspaceRoles
  let managedByIdp = current.managedByIdp
  let idpRoles: string[] = []
  let matchedRules: readonly string[] = []
  if (policy.roleMapping.enabled) {
    idpRoles = [...new Set([...readIdpRoles(attributes, policy.roleMapping.attribute, policy.roleMapping.delimiter), ...directoryRoles])]
    const mapped = mapRoles(idpRoles, policy.roleMapping.rules, catalogue)
    orgRole = current.orgRole === 'owner' ? 'owner' : mapped.orgRole
    roles = mapped.workspaceRoles
    matchedRules = mapped.matchedRules
    managedByIdp = true
  }
  if (policy.workspaceAttributes.enabled) {
    const applied = applyWorkspaceAttributes(attributes, policy.workspaceAttributes.prefix, workspaceSlugs, catalogue, roles)
    if (!applied.ok) return { code: 'workspace_attribute_invalid', attribute: applied.attribute, reason: applied.reason }
    roles = applied.workspaceRoles
  }
  const known = keyedRecord(Object.entries(roles).filter(([slug]) => workspaceSlugs.includes(slug)))
  return { orgRole, workspaceRoles: known, managedByIdp, idpRoles, matchedRules }
}
