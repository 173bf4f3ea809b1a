/** Core types → API JSON (the response schemas strip anything else). */
import type { AuditEvent, Member, Organization, Workspace } from '../../core/types.js'

export const orgJson = (org: Organization) => ({ id: org.id, name: org.name, slug: org.slug, createdAt: org.createdAt })

export const workspaceJson = (w: Workspace) => ({ id: w.id, name: w.name, slug: w.slug, createdAt: w.createdAt })

export const memberJson = (m: Member) => ({
  id: m.id,
  email: m.user.email,
  firstName: m.user.firstName,
  lastName: m.user.lastName,
  role: m.role,
  allowWithoutSso: m.allowWithoutSso,
  workspaceRoles: { ...m.workspaceRoles },
  hasPassword: m.user.hasPassword,
  managedByIdp: m.managedByIdp,
  createdAt: m.createdAt,
})

export const auditJson = (e: AuditEvent) => ({
  id: e.id,
  actor: e.actor,
  action: e.action,
  target: e.target,
  detail: { ...e.detail },
  createdAt: e.createdAt,
})
