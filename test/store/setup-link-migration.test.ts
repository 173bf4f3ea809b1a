/**
 * The 2026_12_06_1521_setup_links migration on SQLite, which cannot drop a NOT NULL and rebuilds
 * sso_tests instead: the owners' tests made before it are kept, a test may then belong to a link
 * with no user, and going down restores the table as it was (PostgreSQL alters the column in place;
 * the other suites run every migration on it).
 */
import { Migrator, sql, type Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/database.js'
import { migrations } from '../../src/store/migrations/index.js'

const MIGRATION = '2026_12_06_1521_setup_links'

const test = (id: string, userId: string | null) => ({
  id,
  connection_id: 'c1',
  user_id: userId,
  session_hash: 'h',
  request_id: `r-${id}`,
  idp_fingerprint: 'f',
  passed: 1,
  result: '{}',
  created_at: '2026-12-06T12:00:00.000Z',
  finished_at: null,
  expires_at: '2026-12-13T12:00:00.000Z',
})

describe(`the ${MIGRATION} migration on SQLite`, () => {
  it('keeps the owners’ tests, lets a link’s test have no user, and goes down to the table as it was', async () => {
    const db = openDatabase({ dialect: 'sqlite', path: ':memory:' }) as Kysely<any>
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < MIGRATION))
      expect((await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest()).error).toBeUndefined()
      // The rows it depends on are not what is under test here.
      await sql`pragma foreign_keys = off`.execute(db)
      await db.insertInto('sso_tests').values(test('t1', 'u1')).execute()
      await expect(db.insertInto('sso_tests').values(test('t0', null)).execute()).rejects.toThrow(/NOT NULL/)

      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
      expect((await migrator.migrateToLatest()).error).toBeUndefined()
      expect(await db.selectFrom('sso_tests').select(['id', 'user_id', 'setup_link_id']).execute()).toEqual([{ id: 't1', user_id: 'u1', setup_link_id: null }])
      await db
        .insertInto('sso_tests')
        .values({ ...test('t2', null), setup_link_id: 'l1' })
        .execute()
      const indexes = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'sso_tests'`.execute(db)
      expect(indexes.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['sso_tests_connection_idx', 'sso_tests_expires_idx']))

      expect((await migrator.migrateTo(Object.keys(before).sort().at(-1)!)).error).toBeUndefined()
      expect(await db.selectFrom('sso_tests').select(['id', 'user_id']).execute()).toEqual([{ id: 't1', user_id: 'u1' }])
      await expect(db.insertInto('sso_tests').values(test('t3', null)).execute()).rejects.toThrow(/NOT NULL/)
    } finally {
      await db.destroy()
    }
  })
})
