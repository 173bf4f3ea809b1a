/**
 * The test harness's databases (test/helpers/database.ts): a file migrates once, and each test
 * starts from a clean copy — migrated, with no row a previous test wrote. On PostgreSQL a schema a
 * test changed the structure of is dropped, never handed on.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/http/logging.js'
import { migrateToLatest, openDatabase, type Db } from '../../src/store/database.js'
import { migrations } from '../../src/store/migrations/index.js'
import { cleanDatabase, DIALECT, openOptions, type TestDatabase } from '../helpers/database.js'
import { createRuntime } from '../../src/runtime.js'
import { testConfig } from '../helpers/test-app.js'

const open = (database: TestDatabase) => openDatabase(database.config, openOptions(database))
const count = async (db: Db, table: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n)
const insertOrg = (db: Db, id: string) =>
  sql`insert into organizations (id, name, slug, created_at, updated_at) values (${id}, ${id}, ${id}, '2026-11-23T12:00:00.000Z', '2026-11-23T12:00:00.000Z')`.execute(
    db,
  )

describe(`clean databases (${DIALECT})`, () => {
  it('are migrated to the latest migration and empty, whatever the previous test wrote', async () => {
    const first = await cleanDatabase()
    const runtime = await createRuntime({ ...testConfig(), database: first.config }, { logger: createLogger('silent'), ...openOptions(first) })
    expect(await migrateToLatest(runtime.db)).toEqual([]) // nothing left to apply
    await insertOrg(runtime.db, 'org-1')
    expect(await count(runtime.db, 'organizations')).toBe(1)
    await runtime.close()
    await first.drop()

    const second = await cleanDatabase()
    if (DIALECT === 'postgres') expect(second.searchPath).toBe(first.searchPath) // the same schema, emptied
    const db = open(second)
    expect(await count(db, 'organizations')).toBe(0)
    expect(await count(db, 'kysely_migration')).toBe(Object.keys(migrations).length)
    await db.destroy()
    await second.drop()
  })

  it('are each their own while several are open at once', async () => {
    const [a, b] = [await cleanDatabase(), await cleanDatabase()]
    const [dbA, dbB] = [open(a), open(b)]
    await insertOrg(dbA, 'org-a')
    expect([await count(dbA, 'organizations'), await count(dbB, 'organizations')]).toEqual([1, 0])
    if (DIALECT === 'postgres') expect(a.searchPath).not.toBe(b.searchPath)
    await Promise.all([dbA.destroy(), dbB.destroy()])
    await a.drop()
    await b.drop()
  })

  it.runIf(DIALECT === 'postgres')('on PostgreSQL, drop a schema whose structure a test changed instead of handing it on', async () => {
    const changed = await cleanDatabase()
    const db = open(changed)
    await sql`alter table organizations add column extra text`.execute(db)
    await db.destroy()
    await changed.drop()
    const next = await cleanDatabase()
    expect(next.searchPath).not.toBe(changed.searchPath)
    await next.drop()
  })
})
