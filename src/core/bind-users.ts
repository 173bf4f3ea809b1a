/**
 * Bind existing users (DESIGN §2.4): one CSV row per member with their roles today and the exact
 * attribute values to enter in the IdP so that, once it takes over, everyone keeps their access.
 */
import type { Actor, CoreDeps } from './deps.js'
import { authorizeSsoChange, findSsoConnection } from './sso-admin.js'
import { DEFAULT_POLICY } from './sso-connection.js'

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export async function bindUsersCsv(deps: CoreDeps, orgSlug: string, actor: Actor): Promise<string> {
  const { org, connection } = await findSsoConnection(deps, orgSlug)
  await authorizeSsoChange(deps, org, actor, { write: false })
  const policy = connection?.policy ?? DEFAULT_POLICY
  const [members, workspaces] = await Promise.all([deps.store.members.listByOrg(org.id), deps.store.workspaces.listByOrg(org.id)])
  const prefix = policy.workspaceAttributes.prefix
  const rolesAttribute = policy.roleMapping.attribute
  const header = ['email', 'first_name', 'last_name', 'org_role', 'allow_without_sso', ...workspaces.map((w) => `${prefix}${w.slug}`), rolesAttribute]
  const rows = members.map((m) => {
    // The IdP role that the role mapping turns into this member's roles, if a rule matches exactly.
    const rule = policy.roleMapping.rules.find((r) => r.orgRole === m.role && workspaces.every((w) => (r.workspaceRoles[w.slug] ?? undefined) === m.workspaceRoles[w.slug]))
    return [
      m.user.email, m.user.firstName, m.user.lastName, m.role, String(m.allowWithoutSso),
      ...workspaces.map((w) => m.workspaceRoles[w.slug] ?? 'noaccess'),
      rule?.idpRole ?? '',
    ]
  })
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
