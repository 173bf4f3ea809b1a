import { PostgresAdapter } from 'kysely'
import type { MemberStore } from '../core/ports.js'
import type { Member, Membership, OrgRole } from '../core/types.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import { toUser } from './user-repository.js'
import { keyedRecord } from '../core/keyed-record.js'

export function memberRepository(db: Db): MemberStore {
  const memberRows = () =>
    db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      // A member is a user of the org's enabled directory through its SCIM link (at most one: member_id is unique).
      .leftJoin('scim_users', 'scim_users.member_id', 'members.id')
      .leftJoin('directories', (join) =>
        join.onRef('directories.id', '=', 'scim_users.directory_id').onRef('directories.org_id', '=', 'members.org_id').on('directories.enabled', '=', 1),
      )
      .select([
        'members.id as member_id',
        'members.org_id',
        'members.role',
        'members.allow_without_sso',
        'members.managed_by_idp',
        'members.deactivated_at',
        'directories.id as directory_id',
        'members.created_at as member_created_at',
        'users.id',
        'users.email',
        'users.first_name',
        'users.last_name',
        'users.password_hash',
        'users.created_at',
      ])

  type Row = Awaited<ReturnType<ReturnType<typeof memberRows>['execute']>>[number]

  async function withRoles(rows: Row[]): Promise<Member[]> {
    if (rows.length === 0) return []
    const roles = await db
      .selectFrom('member_workspace_roles')
      .innerJoin('workspaces', 'workspaces.id', 'member_workspace_roles.workspace_id')
      .select(['member_workspace_roles.member_id', 'workspaces.slug', 'member_workspace_roles.role'])
      .where(
        'member_workspace_roles.member_id',
        'in',
        rows.map((r) => r.member_id),
      )
      .orderBy('workspaces.slug')
      .execute()
    const byMember = new Map<string, Record<string, string>>()
    for (const r of roles) {
      const map = byMember.get(r.member_id) ?? keyedRecord<string>()
      map[r.slug] = r.role
      byMember.set(r.member_id, map)
    }
    return rows.map((row) => ({
      id: row.member_id,
      orgId: row.org_id,
      user: toUser(row),
      role: row.role as OrgRole,
      allowWithoutSso: row.allow_without_sso === 1,
      managedByIdp: row.managed_by_idp === 1,
      deactivatedAt: row.deactivated_at,
      linkedToDirectory: row.directory_id !== null,
      workspaceRoles: byMember.get(row.member_id) ?? keyedRecord<string>(),
      createdAt: row.member_created_at,
    }))
  }

  return {
    insert: async (m) => {
      await translateDuplicate(
        db
          .insertInto('members')
          .values({
            id: m.id,
            org_id: m.orgId,
            user_id: m.userId,
            role: m.role,
            allow_without_sso: m.allowWithoutSso ? 1 : 0,
            managed_by_idp: 0,
            deactivated_at: null,
            created_at: m.createdAt,
            updated_at: m.createdAt,
          })
          .execute(),
      )
    },
    findByUser: async (orgId, userId) =>
      (await withRoles(await memberRows().where('members.org_id', '=', orgId).where('members.user_id', '=', userId).execute()))[0],
    findById: async (orgId, memberId) =>
      (await withRoles(await memberRows().where('members.org_id', '=', orgId).where('members.id', '=', memberId).execute()))[0],
    listByOrg: async (orgId) => withRoles(await memberRows().where('members.org_id', '=', orgId).orderBy('users.email_normalized').execute()),
    listMemberships: async (userId) => {
      const rows = await memberRows().where('members.user_id', '=', userId).execute()
      const members = await withRoles(rows)
      if (members.length === 0) return []
      const orgs = await db
        .selectFrom('organizations')
        .selectAll()
        .where(
          'id',
          'in',
          members.map((m) => m.orgId),
        )
        .execute()
      const byId = new Map(orgs.map((o) => [o.id, { id: o.id, name: o.name, slug: o.slug, createdAt: o.created_at }]))
      return members
        .map((member): Membership => ({ org: byId.get(member.orgId)!, member }))
        .sort((a, b) => a.org.name.localeCompare(b.org.name) || a.org.slug.localeCompare(b.org.slug))
    },
    countOwners: async (orgId) => {
      // Under read committed, two transactions could each count two owners and each demote or remove
      // one, leaving none. Locking the owner rows (PostgreSQL) makes the second wait and then count
      // what the first left. SQLite runs one writer at a time already and has no FOR UPDATE.
      let owners = db.selectFrom('members').select('id').where('org_id', '=', orgId).where('role', '=', 'owner').orderBy('id')
      if (db.getExecutor().adapter instanceof PostgresAdapter) owners = owners.forUpdate()
      return (await owners.execute()).length
    },
    update: async (memberId, changes, now) => {
      await db
        .updateTable('members')
        .set({
          ...(changes.role === undefined ? {} : { role: changes.role }),
          ...(changes.allowWithoutSso === undefined ? {} : { allow_without_sso: changes.allowWithoutSso ? 1 : 0 }),
          ...(changes.managedByIdp === undefined ? {} : { managed_by_idp: changes.managedByIdp ? 1 : 0 }),
          updated_at: now,
        })
        .where('id', '=', memberId)
        .execute()
    },
    setWorkspaceRoles: async (memberId, roles) => {
      await db.deleteFrom('member_workspace_roles').where('member_id', '=', memberId).execute()
      const values = Object.entries(roles).map(([workspaceId, role]) => ({ member_id: memberId, workspace_id: workspaceId, role }))
      if (values.length > 0) await db.insertInto('member_workspace_roles').values(values).execute()
    },
    setDeactivated: async (memberId, deactivatedAt, now) => {
      await db.updateTable('members').set({ deactivated_at: deactivatedAt, updated_at: now }).where('id', '=', memberId).execute()
    },
    delete: async (memberId) => {
      await db.deleteFrom('members').where('id', '=', memberId).execute()
    },
  }
}
