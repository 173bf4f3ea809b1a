/**
 * Kysely's SQLite driver asks better-sqlite3 to `prepare()` every query it runs, and preparing
 * (parsing and planning the SQL) cost more than running the ACS's small indexed queries. A prepared
 * statement can be run again with other parameters, so this hands Kysely the statement it prepared
 * last time for the same SQL text, keeping the most recently used few hundred.
 *
 * What stays as it was: `reader` (select or RETURNING) is a property of the statement, so Kysely
 * still picks `all()` or `run()` correctly; `begin`/`commit`/`rollback` are statements like any other;
 * a schema change makes SQLite re-prepare a stale statement by itself (sqlite3_prepare_v2). A
 * statement still iterating (Kysely's `stream()`) is busy and cannot be run again until it ends, so
 * then a fresh one is prepared and not cached.
 */
import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

export const STATEMENT_CACHE_SIZE = 256

export interface CachingSqliteDatabase extends SqliteDatabase {
  /** How many statements are kept now (for tests). */
  readonly cachedStatements: number
}

export function withStatementCache(database: BetterSqliteDatabase, size = STATEMENT_CACHE_SIZE): CachingSqliteDatabase {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const statements = new Map<string, Statement>()
  return {
    get cachedStatements() {
      return statements.size
    },
    close: () => {
      statements.clear()
      database.close()
    },
    prepare: (sql: string) => {
      const cached = statements.get(sql)
      if (cached !== undefined) {
        if (cached.busy) return database.prepare(sql)
        statements.delete(sql)
        statements.set(sql, cached)
        return cached
      }
      const statement = database.prepare(sql)
      statements.set(sql, statement)
      if (statements.size > size) statements.delete(statements.keys().next().value!)
      return statement
    },
  }
}
