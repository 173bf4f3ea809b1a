import { PostgresAdapter, sql } from 'kysely'
import type { DirectoryRequest } from '../core/directory-ports.js'
import type { DirectoryStore } from '../core/ports.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { DirectoryRequestTable, DirectoryTable, DirectoryTokenTable } from './schema.js'

const toDirectory = (row: DirectoryTable) => ({
  id: row.id,
  orgId: row.org_id,
  enabled: row.enabled === 1,
  lastRequestAt: row.last_request_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

const toToken = (row: DirectoryTokenTable) => ({
  id: row.id,
  directoryId: row.directory_id,
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  tokenHash: row.token_hash,
})

const toRequest = (row: DirectoryRequestTable) => ({
  id: row.id,
  directoryId: row.directory_id,
  method: row.method,
  path: row.path,
  status: row.status,
  errorDetail: row.error_detail,
  body: row.body,
  createdAt: row.created_at,
})

export function directoryRepository(db: Db): DirectoryStore {
  return {
    insert: async (d) => {
      await translateDuplicate(
        db
          .insertInto('directories')
          .values({
            id: d.id,
            org_id: d.orgId,
            enabled: d.enabled ? 1 : 0,
            last_request_at: d.lastRequestAt,
            created_at: d.createdAt,
            updated_at: d.updatedAt,
          })
          .execute(),
      )
    },
    findByOrg: async (orgId) => {
      const row = await db.selectFrom('directories').selectAll().where('org_id', '=', orgId).executeTakeFirst()
      return row && toDirectory(row)
    },
    findById: async (id) => {
      const row = await db.selectFrom('directories').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toDirectory(row)
    },
    setEnabled: async (id, enabled, now) => {
      await db
        .updateTable('directories')
        .set({ enabled: enabled ? 1 : 0, updated_at: now })
        .where('id', '=', id)
        .execute()
    },
    insertToken: async (t) => {
      await translateDuplicate(
        db
          .insertInto('directory_tokens')
          .values({
            id: t.id,
            directory_id: t.directoryId,
            token_hash: t.tokenHash,
            prefix: t.prefix,
            created_at: t.createdAt,
            last_used_at: t.lastUsedAt,
            revoked_at: null,
          })
          .execute(),
      )
    },
    listLiveTokens: async (directoryId) => {
      const rows = await db
        .selectFrom('directory_tokens')
        .selectAll()
        .where('directory_id', '=', directoryId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map(toToken)
    },
    revokeToken: async (directoryId, id, now) => {
      const result = await db
        .updateTable('directory_tokens')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('directory_id', '=', directoryId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    revokeAllTokens: async (directoryId, now) => {
      await db.updateTable('directory_tokens').set({ revoked_at: now }).where('directory_id', '=', directoryId).where('revoked_at', 'is', null).execute()
    },
    touchToken: async (id, now) => {
      await db.updateTable('directory_tokens').set({ last_used_at: now }).where('id', '=', id).execute()
    },
    insertRequest: async (r, keep) => {
      // The log is diagnostics, written on every SCIM request (reads too). On PostgreSQL its one
      // transaction does not wait for the WAL flush (asynchronous commit: a crash may lose the last
      // entries, never half of one). SQLite in WAL mode with synchronous=NORMAL never waits for a
      // flush at commit, and there one transaction cost more CPU than the two commits it saves.
      if (db.getExecutor().adapter instanceof PostgresAdapter && !db.isTransaction) {
        await db.transaction().execute(async (trx) => {
          await sql`set local synchronous_commit = off`.execute(trx)
          await appendRequest(trx, r, keep)
        })
      } else await appendRequest(db, r, keep)
    },
    listRequests: async (directoryId, limit) => {
      const rows = await db.selectFrom('directory_requests').selectAll().where('directory_id', '=', directoryId).orderBy('id', 'desc').limit(limit).execute()
      return rows.map(toRequest)
    },
    rememberRemoval: async (orgId, userId, now) => {
      await db
        .insertInto('directory_removals')
        .values({ org_id: orgId, user_id: userId, removed_at: now })
        .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ removed_at: now }))
        .execute()
    },
    forgetRemoval: async (orgId, userId) => {
      await db.deleteFrom('directory_removals').where('org_id', '=', orgId).where('user_id', '=', userId).execute()
    },
    isRemoved: async (orgId, userId) =>
      (await db.selectFrom('directory_removals').select('user_id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()) !== undefined,
    countResources: async (directoryId) => {
      const users = await db
        .selectFrom('scim_users')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('directory_id', '=', directoryId)
        .executeTakeFirstOrThrow()
      const groups = await db
        .selectFrom('scim_groups')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('directory_id', '=', directoryId)
        .executeTakeFirstOrThrow()
      // PostgreSQL returns count(*) as a bigint string.
      return { users: Number(users.n), groups: Number(groups.n) }
    },
  }
}

async function appendRequest(db: Db, r: DirectoryRequest, keep: number): Promise<void> {
  await db
    .insertInto('directory_requests')
    .values({
      id: r.id,
      directory_id: r.directoryId,
      method: r.method,
      path: r.path,
      status: r.status,
      error_detail: r.errorDetail,
      body: r.body,
      created_at: r.createdAt,
    })
    .execute()
  await db.updateTable('directories').set({ last_request_at: r.createdAt }).where('id', '=', r.directoryId).execute()
  // One statement: everything older than the directory's `keep`-th newest (nothing while there are fewer).
  await db
    .deleteFrom('directory_requests')
    .where('directory_id', '=', r.directoryId)
    .where('id', '<=', (eb) =>
      eb
        .selectFrom('directory_requests as newer')
        .select('newer.id')
        .where('newer.directory_id', '=', r.directoryId)
        .orderBy('newer.id', 'desc')
        .offset(keep)
        .limit(1),
    )
    .execute()
}
