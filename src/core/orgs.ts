/** Organizations and their workspaces. */
import { AccountError } from './account-error.js'
import { changedFields, recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import { recordEvent } from './events.js'
import { organizationSnapshot, recordMemberUpdated } from './member-events.js'
import { DuplicateKeyError, type Page, type Stores } from './ports.js'
import { newId } from './secret-token.js'
import type { Member, Organization, Workspace } from './types.js'
import { checkName, checkOrgSlug, checkWorkspaceSlug } from './validation.js'

export async function getOrganization(deps: CoreDeps, slug: string): Promise<Organization> {
  const org = await deps.store.orgs.findBySlug(slug)
  if (org === undefined) throw new AccountError('org_not_found', `No organization has the slug "${slug}".`)
  return org
}

export function listOrganizations(deps: CoreDeps, page: Page): Promise<Organization[]> {
  return deps.store.orgs.list(page)
}

export async function createOrganization(deps: CoreDeps, input: { name: string; slug: string }, actor: Actor): Promise<Organization> {
  const org: Organization = {
    id: newId(),
    name: checkName(input.name, 'name', 'The organization name'),
    slug: checkOrgSlug(input.slug),
    createdAt: deps.clock.now().toISOString(),
  }
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    await insertOrg(tx.orgs.insert(org), org.slug)
    await recordAudit(tx, { orgId: org.id, actor, action: 'org.created', target: org.slug, detail: { name: org.name, slug: org.slug } }, now)
    await recordEvent(tx, { type: 'organization.created', orgId: org.id, data: { organization: organizationSnapshot(org) } }, now)
  })
  return org
}

export async function insertOrg(work: Promise<void>, slug: string): Promise<void> {
  try {
    await work
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new AccountError('org_slug_taken', `The slug "${slug}" is already taken.`, undefined, 'slug')
    throw error
  }
}

export async function updateOrganization(deps: CoreDeps, slug: string, changes: { name?: string; slug?: string }, actor: Actor): Promise<Organization> {
  const org = await getOrganization(deps, slug)
  const next = {
    name: changes.name === undefined ? org.name : checkName(changes.name, 'name', 'The organization name'),
    slug: changes.slug === undefined ? org.slug : checkOrgSlug(changes.slug),
  }
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    await insertOrg(tx.orgs.update(org.id, next, now.toISOString()), next.slug)
    const changed = changedFields({ name: org.name, slug: org.slug }, next)
    if (changed !== undefined) await recordAudit(tx, { orgId: org.id, actor, action: 'org.updated', target: next.slug, detail: changed }, now)
  })
  return { ...org, ...next }
}

/** Its members, workspaces, SSO connection and directory go with it: organization.deleted says so (no member.removed each). */
export async function deleteOrganization(deps: CoreDeps, slug: string): Promise<void> {
  const org = await getOrganization(deps, slug)
  await deps.store.transaction(async (tx) => {
    // Written first: the insert records the org's slug, which the delete takes away.
    await recordEvent(tx, { type: 'organization.deleted', orgId: org.id, data: { organization: organizationSnapshot(org) } }, deps.clock.now())
    await tx.orgs.delete(org.id)
  })
}

export async function createWorkspace(deps: CoreDeps, orgSlug: string, input: { name: string; slug: string }, actor: Actor): Promise<Workspace> {
  const org = await getOrganization(deps, orgSlug)
  const workspace: Workspace = {
    id: newId(),
    orgId: org.id,
    name: checkName(input.name, 'name', 'The workspace name'),
    slug: checkWorkspaceSlug(input.slug),
    createdAt: deps.clock.now().toISOString(),
  }
  await deps.store.transaction(async (tx) => {
    await insertWorkspace(tx.workspaces.insert(workspace), workspace.slug)
    await recordAudit(tx, { orgId: org.id, actor, action: 'workspace.created', target: workspace.slug, detail: { name: workspace.name } }, deps.clock.now())
  })
  return workspace
}

async function insertWorkspace(work: Promise<void>, slug: string): Promise<void> {
  try {
    await work
  } catch (error) {
    if (error instanceof DuplicateKeyError)
      throw new AccountError('workspace_slug_taken', `This organization already has a workspace "${slug}".`, undefined, 'slug')
    throw error
  }
}

export async function listWorkspaces(deps: CoreDeps, orgSlug: string): Promise<Workspace[]> {
  const org = await getOrganization(deps, orgSlug)
  return deps.store.workspaces.listByOrg(org.id)
}

export async function getWorkspace(deps: CoreDeps, orgSlug: string, slug: string): Promise<Workspace> {
  const org = await getOrganization(deps, orgSlug)
  const workspace = await deps.store.workspaces.findBySlug(org.id, slug)
  if (workspace === undefined) throw new AccountError('workspace_not_found', `The organization has no workspace "${slug}".`)
  return workspace
}

export async function updateWorkspace(
  deps: CoreDeps,
  orgSlug: string,
  slug: string,
  changes: { name?: string; slug?: string },
  actor: Actor,
): Promise<Workspace> {
  const workspace = await getWorkspace(deps, orgSlug, slug)
  const next = {
    name: changes.name === undefined ? workspace.name : checkName(changes.name, 'name', 'The workspace name'),
    slug: changes.slug === undefined ? workspace.slug : checkWorkspaceSlug(changes.slug),
  }
  const org = await getOrganization(deps, orgSlug)
  await deps.store.transaction(async (tx) => {
    const holders = await membersWithRoleIn(tx, org, workspace.slug)
    await insertWorkspace(tx.workspaces.update(workspace.id, next), next.slug)
    const changed = changedFields({ name: workspace.name, slug: workspace.slug }, next)
    if (changed !== undefined)
      await recordAudit(tx, { orgId: workspace.orgId, actor, action: 'workspace.updated', target: next.slug, detail: changed }, deps.clock.now())
    // A new slug renames the key of its holders' workspace roles: the host app hears of each.
    for (const member of holders) await recordMemberUpdated(tx, org, member, deps.clock.now())
  })
  return { ...workspace, ...next }
}

export async function deleteWorkspace(deps: CoreDeps, orgSlug: string, slug: string, actor: Actor): Promise<void> {
  const workspace = await getWorkspace(deps, orgSlug, slug)
  const org = await getOrganization(deps, orgSlug)
  await deps.store.transaction(async (tx) => {
    const holders = await membersWithRoleIn(tx, org, workspace.slug)
    await tx.workspaces.delete(workspace.id)
    await recordAudit(tx, { orgId: workspace.orgId, actor, action: 'workspace.deleted', target: slug }, deps.clock.now())
    // Their roles there went with it (the rows cascade): member.updated for each.
    for (const member of holders) await recordMemberUpdated(tx, org, member, deps.clock.now())
  })
}

async function membersWithRoleIn(tx: Stores, org: Organization, workspaceSlug: string): Promise<Member[]> {
  return (await tx.members.listByOrg(org.id)).filter((m) => Object.hasOwn(m.workspaceRoles, workspaceSlug))
}
