import type { WorkspaceStore } from '../core/ports.js'
import type { Workspace } from '../core/types.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { WorkspaceTable } from './schema.js'

const toWorkspace = (row: WorkspaceTable): Workspace => ({ id: row.id, orgId: row.org_id, name: row.name, slug: row.slug, createdAt: row.created_at })

export function workspaceRepository(db: Db): WorkspaceStore {
  return {
    insert: async (w) => {
      await translateDuplicate(db.insertInto('workspaces').values({ id: w.id, org_id: w.orgId, name: w.name, slug: w.slug, created_at: w.createdAt }).execute())
    },
    listByOrg: async (orgId) => (await db.selectFrom('workspaces').selectAll().where('org_id', '=', orgId).orderBy('slug').execute()).map(toWorkspace),
    findBySlug: async (orgId, slug) => {
      const row = await db.selectFrom('workspaces').selectAll().where('org_id', '=', orgId).where('slug', '=', slug).executeTakeFirst()
      return row && toWorkspace(row)
    },
    update: async (id, changes) => {
      if (changes.name === undefined && changes.slug === undefined) return
      await translateDuplicate(
        db
          .updateTable('workspaces')
          .set({ ...(changes.name === undefined ? {} : { name: changes.name }), ...(changes.slug === undefined ? {} : { slug: changes.slug }) })
          .where('id', '=', id)
          .execute(),
      )
    },
    delete: async (id) => {
      await db.deleteFrom('workspaces').where('id', '=', id).execute()
    },
  }
}
