import type { ScimGroupMemberRecord, ScimGroupStore, ScimGroupWhere } from '../core/ports.js'
import { chunks } from './chunks.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { ScimGroupTable } from './schema.js'

const toRecord = (row: ScimGroupTable) => ({
  id: row.id,
  directoryId: row.directory_id,
  externalId: row.external_id,
  displayName: row.display_name,
  displayNameFolded: row.display_name_folded,
  attributes: row.attributes,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export function scimGroupRepository(db: Db): ScimGroupStore {
  const matching = (directoryId: string, where: readonly ScimGroupWhere[]) => {
    let query = db.selectFrom('scim_groups').where('scim_groups.directory_id', '=', directoryId)
    for (const condition of where) {
      if (condition.attribute === 'id') query = query.where('scim_groups.id', '=', condition.value)
      else if (condition.attribute === 'externalId') query = query.where('scim_groups.external_id', '=', condition.value)
      else if (condition.attribute === 'displayName') query = query.where('scim_groups.display_name_folded', '=', condition.value)
      else {
        const userId = condition.value
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('scim_group_members')
              .select('scim_group_members.group_id')
              .whereRef('scim_group_members.group_id', '=', 'scim_groups.id')
              .where('scim_group_members.scim_user_id', '=', userId),
          ),
        )
      }
    }
    return query
  }
  return {
    insert: async (g) => {
      await translateDuplicate(
        db
          .insertInto('scim_groups')
          .values({
            id: g.id,
            directory_id: g.directoryId,
            external_id: g.externalId,
            display_name: g.displayName,
            display_name_folded: g.displayNameFolded,
            attributes: g.attributes,
            created_at: g.createdAt,
            updated_at: g.updatedAt,
          })
          .execute(),
      )
    },
    update: async (g) => {
      await translateDuplicate(
        db
          .updateTable('scim_groups')
          .set({
            external_id: g.externalId,
            display_name: g.displayName,
            display_name_folded: g.displayNameFolded,
            attributes: g.attributes,
            updated_at: g.updatedAt,
          })
          .where('id', '=', g.id)
          .where('directory_id', '=', g.directoryId)
          .execute(),
      )
    },
    find: async (directoryId, id) => {
      const row = await db.selectFrom('scim_groups').selectAll().where('directory_id', '=', directoryId).where('id', '=', id).executeTakeFirst()
      return row && toRecord(row)
    },
    list: async (directoryId, where, offset, limit) => {
      const rows = await matching(directoryId, where)
        .selectAll('scim_groups')
        .orderBy('scim_groups.created_at')
        .orderBy('scim_groups.id')
        .offset(offset)
        .limit(limit)
        .execute()
      return rows.map(toRecord)
    },
    count: async (directoryId, where) => {
      const row = await matching(directoryId, where)
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow()
      // PostgreSQL returns count(*) as a bigint string.
      return Number(row.n)
    },
    delete: async (directoryId, id) => {
      await db.deleteFrom('scim_groups').where('directory_id', '=', directoryId).where('id', '=', id).execute()
    },
    listMembers: async (groupIds) => {
      const members = new Map<string, ScimGroupMemberRecord[]>(groupIds.map((id) => [id, []]))
      for (const ids of chunks(groupIds)) {
        const rows = await db
          .selectFrom('scim_group_members')
          .innerJoin('scim_users', 'scim_users.id', 'scim_group_members.scim_user_id')
          .select(['scim_group_members.group_id', 'scim_users.id', 'scim_users.user_name'])
          .where('scim_group_members.group_id', 'in', ids)
          .orderBy('scim_users.created_at')
          .orderBy('scim_users.id')
          .execute()
        for (const row of rows) members.get(row.group_id)?.push({ scimUserId: row.id, userName: row.user_name })
      }
      return members
    },
    addMembers: async (groupId, scimUserIds) => {
      for (const ids of chunks(scimUserIds)) {
        await db
          .insertInto('scim_group_members')
          .values(ids.map((id) => ({ group_id: groupId, scim_user_id: id })))
          .onConflict((oc) => oc.doNothing())
          .execute()
      }
    },
    removeMembers: async (groupId, scimUserIds) => {
      for (const ids of chunks(scimUserIds)) {
        await db.deleteFrom('scim_group_members').where('group_id', '=', groupId).where('scim_user_id', 'in', ids).execute()
      }
    },
    listGroupNames: async (scimUserIds) => {
      const names = new Map<string, string[]>(scimUserIds.map((id) => [id, []]))
      for (const ids of chunks(scimUserIds)) {
        const rows = await db
          .selectFrom('scim_group_members')
          .innerJoin('scim_groups', 'scim_groups.id', 'scim_group_members.group_id')
          .select(['scim_group_members.scim_user_id', 'scim_groups.display_name'])
          .where('scim_group_members.scim_user_id', 'in', ids)
          .orderBy('scim_groups.display_name')
          .execute()
        for (const row of rows) names.get(row.scim_user_id)?.push(row.display_name)
      }
      return names
    },
  }
}
