import type { ScimUserStore, ScimUserWhere } from '../core/ports.js'
import { chunks } from './chunks.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { ScimUserTable } from './schema.js'

const toRecord = (row: ScimUserTable) => ({
  id: row.id,
  directoryId: row.directory_id,
  memberId: row.member_id,
  externalId: row.external_id,
  userName: row.user_name,
  userNameFolded: row.user_name_folded,
  active: row.active === 1,
  attributes: row.attributes,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export function scimUserRepository(db: Db): ScimUserStore {
  const matching = (directoryId: string, where: readonly ScimUserWhere[]) => {
    let query = db.selectFrom('scim_users').where('directory_id', '=', directoryId)
    for (const condition of where) {
      if (condition.attribute === 'id') query = query.where('id', '=', condition.value)
      else if (condition.attribute === 'externalId') query = query.where('external_id', '=', condition.value)
      else query = query.where('user_name_folded', '=', condition.value)
    }
    return query
  }
  return {
    insert: async (u) => {
      await translateDuplicate(
        db
          .insertInto('scim_users')
          .values({
            id: u.id,
            directory_id: u.directoryId,
            member_id: u.memberId,
            external_id: u.externalId,
            user_name: u.userName,
            user_name_folded: u.userNameFolded,
            active: u.active ? 1 : 0,
            attributes: u.attributes,
            created_at: u.createdAt,
            updated_at: u.updatedAt,
          })
          .execute(),
      )
    },
    update: async (u) => {
      await translateDuplicate(
        db
          .updateTable('scim_users')
          .set({
            external_id: u.externalId,
            user_name: u.userName,
            user_name_folded: u.userNameFolded,
            active: u.active ? 1 : 0,
            attributes: u.attributes,
            updated_at: u.updatedAt,
          })
          .where('id', '=', u.id)
          .where('directory_id', '=', u.directoryId)
          .execute(),
      )
    },
    find: async (directoryId, id) => {
      const row = await db.selectFrom('scim_users').selectAll().where('directory_id', '=', directoryId).where('id', '=', id).executeTakeFirst()
      return row && toRecord(row)
    },
    findByMember: async (memberId) => {
      const row = await db.selectFrom('scim_users').selectAll().where('member_id', '=', memberId).executeTakeFirst()
      return row && toRecord(row)
    },
    findMemberIds: async (directoryId, ids) => {
      const found = new Map<string, string>()
      for (const slice of chunks(ids)) {
        const rows = await db.selectFrom('scim_users').select(['id', 'member_id']).where('directory_id', '=', directoryId).where('id', 'in', slice).execute()
        for (const row of rows) found.set(row.id, row.member_id)
      }
      return found
    },
    list: async (directoryId, where, offset, limit) => {
      const rows = await matching(directoryId, where).selectAll().orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute()
      return rows.map(toRecord)
    },
    count: async (directoryId, where) => {
      const row = await matching(directoryId, where)
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
    delete: async (directoryId, id) => {
      await db.deleteFrom('scim_users').where('directory_id', '=', directoryId).where('id', '=', id).execute()
    },
  }
}
