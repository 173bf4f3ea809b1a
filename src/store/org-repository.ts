import type { Page, OrgStore } from '../core/ports.js'
import type { Organization } from '../core/types.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { OrganizationTable } from './schema.js'

const toOrg = (row: OrganizationTable): Organization => ({ id: row.id, name: row.name, slug: row.slug, createdAt: row.created_at })

export function orgRepository(db: Db): OrgStore {
  return {
    insert: async (org) => {
      await translateDuplicate(
        db.insertInto('organizations').values({ id: org.id, name: org.name, slug: org.slug, created_at: org.createdAt, updated_at: org.createdAt }).execute(),
      )
    },
    findBySlug: async (slug) => {
      const row = await db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst()
      return row && toOrg(row)
    },
    findById: async (id) => {
      const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toOrg(row)
    },
    list: async (page: Page) => {
      let query = db.selectFrom('organizations').selectAll().orderBy('slug').limit(page.limit)
      if (page.after !== undefined) query = query.where('slug', '>', page.after)
      return (await query.execute()).map(toOrg)
    },
    count: async () => {
      const row = await db
        .selectFrom('organizations')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
    update: async (id, changes, now) => {
      await translateDuplicate(
        db
          .updateTable('organizations')
          .set({
            ...(changes.name === undefined ? {} : { name: changes.name }),
            ...(changes.slug === undefined ? {} : { slug: changes.slug }),
            updated_at: now,
          })
          .where('id', '=', id)
          .execute(),
      )
    },
    delete: async (id) => {
      await db.deleteFrom('organizations').where('id', '=', id).execute()
    },
  }
}
