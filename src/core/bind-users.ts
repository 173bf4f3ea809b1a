/**
 * Bind existing users (DESIGN §2.4): one CSV row per member with their roles today and the exact
 * attribute values to enter in the IdP so that, once it takes over, everyone keeps their access.
 */
import type { Actor, CoreDeps } from './deps.js'
import { authorizeSsoChange, findSsoConnection } from './sso-admin.js'
import { refuseSetupLink } from './setup-link-access.js'
import { DEFAULT_POLICY, type RoleRule } from './sso-connection.js'
import { ownValue } from './keyed-record.js'

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/**
 * The CSV: email, names, org role, allow-without-SSO, one `<prefix><workspace>` column per workspace
 * (role name or `noaccess`), the IdP role to send in the roles attribute, and a note where no value
 * can keep the member's access (a role-mapping rule is missing).
 * With role mapping off, an SSO sign-in leaves roles as they are; with it on, the member needs an IdP
 * role whose rule gives their org role and — unless workspace attributes set every workspace — their
 * exact workspace roles. The owner is never lowered, so only their workspace roles need a rule.
 */
export async function bindUsersCsv(deps: CoreDeps, orgSlug: string, actor: Actor): Promise<string> {
  // The CSV lists the members: never for a set-up link (DESIGN §2: no members).
  refuseSetupLink(actor, 'see the members')
  const { org, connection } = await findSsoConnection(deps, orgSlug)
  await authorizeSsoChange(deps, org, actor, { write: false })
  const policy = connection?.policy ?? DEFAULT_POLICY
  const [members, workspaces] = await Promise.all([deps.store.members.listByOrg(org.id), deps.store.workspaces.listByOrg(org.id)])
  const prefix = policy.workspaceAttributes.prefix
  const { roleMapping, workspaceAttributes } = policy
  const header = [
    'email',
    'first_name',
    'last_name',
    'org_role',
    'allow_without_sso',
    ...workspaces.map((w) => `${prefix}${w.slug}`),
    roleMapping.attribute,
    'notes',
  ]
  const rows = members.map((m) => {
    const sameWorkspaces = (r: RoleRule) => workspaces.every((w) => ownValue(r.workspaceRoles, w.slug) === ownValue(m.workspaceRoles, w.slug))
    const rule = roleMapping.rules.find((r) => (m.role === 'owner' || r.orgRole === m.role) && (workspaceAttributes.enabled || sameWorkspaces(r)))
    let note = ''
    if (roleMapping.enabled && rule === undefined && !(m.role === 'owner' && workspaceAttributes.enabled)) {
      note = `No role-mapping rule gives org role ${m.role === 'owner' ? 'owner (kept)' : m.role}${workspaceAttributes.enabled ? '' : ' with these workspace roles'}: add one, or this member's access changes at their next SSO sign-in.`
    }
    return [
      m.user.email,
      m.user.firstName,
      m.user.lastName,
      m.role,
      String(m.allowWithoutSso),
      ...workspaces.map((w) => ownValue(m.workspaceRoles, w.slug) ?? 'noaccess'),
      rule?.idpRole ?? '',
      note,
    ]
  })
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
