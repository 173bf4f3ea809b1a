/**
 * The SQLite statement cache (store/sqlite-statement-cache.ts) reuses prepared statements by SQL text;
 * whatever Kysely does with them (reads, writes, RETURNING, transactions, streams) must behave as if
 * each query were prepared afresh.
 */
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { withStatementCache, type CachingSqliteDatabase } from '../../src/store/sqlite-statement-cache.js'

interface Db {
  items: { id: number; name: string }
}

describe('SQLite statement cache', () => {
  let raw: SqliteDatabase.Database
  let cache: CachingSqliteDatabase
  let db: Kysely<Db>
  let prepared: string[]

  beforeEach(async () => {
    raw = new SqliteDatabase(':memory:')
    prepared = []
    const prepare = raw.prepare.bind(raw)
    raw.prepare = (source: string) => {
      prepared.push(source)
      return prepare(source)
    }
    cache = withStatementCache(raw, 4)
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: cache }) })
    await sql`create table items (id integer primary key, name text not null)`.execute(db)
  })
  afterEach(() => db.destroy())

  const insert = (id: number, name: string) => db.insertInto('items').values({ id, name }).execute()
  const byId = (id: number) => db.selectFrom('items').select('name').where('id', '=', id).executeTakeFirst()

  it('prepares a query once and runs it again with other parameters', async () => {
    for (let i = 1; i <= 5; i++) await insert(i, `item ${i}`)
    expect(await byId(2)).toEqual({ name: 'item 2' })
    expect(await byId(5)).toEqual({ name: 'item 5' })
    expect(await byId(9)).toBeUndefined()
    expect(prepared.filter((s) => s.startsWith('insert'))).toHaveLength(1)
    expect(prepared.filter((s) => s.startsWith('select'))).toHaveLength(1)
  })

  it('still tells reads from writes: RETURNING gives rows, an update gives its count', async () => {
    await insert(1, 'a')
    await insert(2, 'b')
    for (const id of [1, 2]) {
      const rows = await db.deleteFrom('items').where('id', '=', id).returning('name').execute()
      expect(rows).toEqual([{ name: id === 1 ? 'a' : 'b' }])
    }
    await insert(3, 'c')
    const updated = await db.updateTable('items').set({ name: 'd' }).where('id', '=', 3).executeTakeFirst()
    expect(updated.numUpdatedRows).toBe(1n)
  })

  it('commits and rolls back transactions with the cached begin, commit and rollback', async () => {
    for (let round = 0; round < 3; round++) {
      await db.transaction().execute((trx) =>
        trx
          .insertInto('items')
          .values({ id: 10 + round, name: 'kept' })
          .execute(),
      )
      await expect(
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto('items')
            .values({ id: 20 + round, name: 'dropped' })
            .execute()
          throw new Error('undo')
        }),
      ).rejects.toThrow('undo')
    }
    const names = await db.selectFrom('items').select(['id', 'name']).orderBy('id').execute()
    expect(names).toEqual([
      { id: 10, name: 'kept' },
      { id: 11, name: 'kept' },
      { id: 12, name: 'kept' },
    ])
    expect(prepared.filter((s) => s === 'begin')).toHaveLength(1)
  })

  it('keeps only the most recently used statements', async () => {
    for (let i = 0; i < 10; i++)
      await db
        .selectFrom('items')
        .select(sql<number>`${sql.lit(i)}`.as('n'))
        .execute()
    expect(cache.cachedStatements).toBe(4)
    prepared = []
    await db
      .selectFrom('items')
      .select(sql<number>`${sql.lit(9)}`.as('n'))
      .execute()
    await db
      .selectFrom('items')
      .select(sql<number>`${sql.lit(0)}`.as('n'))
      .execute()
    expect(prepared).toHaveLength(1)
  })

  it('sees a schema change made after a statement was cached', async () => {
    await insert(1, 'a')
    expect(await db.selectFrom('items').selectAll().execute()).toEqual([{ id: 1, name: 'a' }])
    await sql`alter table items add column note text`.execute(db)
    expect(await db.selectFrom('items').selectAll().execute()).toEqual([{ id: 1, name: 'a', note: null }])
  })

  it('streams with a cached statement, and prepares a second copy of one still iterating', async () => {
    for (let i = 1; i <= 3; i++) await insert(i, `item ${i}`)
    const query = db.selectFrom('items').select('id').where('id', '>', 0)
    for (let round = 0; round < 2; round++) {
      const seen: number[] = []
      for await (const row of query.stream()) seen.push(row.id)
      expect(seen).toEqual([1, 2, 3])
    }
    const text = 'select "id" from "items" where "id" > ?'
    const busy = cache.prepare(text)
    const iterator = busy.iterate([0])
    iterator.next()
    const again = cache.prepare(text)
    expect(again).not.toBe(busy)
    expect(again.all([1])).toEqual([{ id: 2 }, { id: 3 }])
    iterator.return?.()
    expect(cache.prepare(text)).toBe(busy)
  })
})
