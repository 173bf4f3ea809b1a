/**
 * SCIM groups (DESIGN §8): a group's displayName is an IdP role identifier, so two groups of one
 * directory may not share it (case-insensitively). The database keeps it unique, so two concurrent
 * creations cannot both pass a check (409 `uniqueness`); the index replaces the plain one. Frozen: no
 * app imports.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('scim_groups_display_name_idx').execute()
  await db.schema.createIndex('scim_groups_display_name_unique').on('scim_groups').columns(['directory_id', 'display_name_folded']).unique().execute()
  await db.schema.createIndex('scim_groups_external_id_idx').on('scim_groups').columns(['directory_id', 'external_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('scim_groups_external_id_idx').execute()
  await db.schema.dropIndex('scim_groups_display_name_unique').execute()
  await db.schema.createIndex('scim_groups_display_name_idx').on('scim_groups').columns(['directory_id', 'display_name_folded']).execute()
}
