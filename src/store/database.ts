/** Opens the configured database (SQLite by default, PostgreSQL for scale) and migrates it. */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { inspect } from 'node:util'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type MigrationResultSet } from 'kysely'
import type { DatabaseConfig } from '../config.js'
import { describeDatabaseError } from './database-unavailable.js'
import { migrations } from './migrations/index.js'
import { BACKSTOP_PAGES, startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js'
import { withStatementCache } from './sqlite-statement-cache.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>

/** The checkpointer of each SQLite file database this process opened (settleWrites finds it). */
const checkpointers = new WeakMap<Db, Checkpointer>()

/**
 * Lets the database catch up after a batch of bulk writes, off the event loop: on a SQLite file the
 * checkpointer worker copies the WAL into the database now (store/sqlite-checkpointer.ts), so a long
 * run of writes never grows the WAL to the backstop, where a commit would copy it inside the event
 * loop. Nothing to do on PostgreSQL or an in-memory SQLite.
 */
/** Closes the database and, on a SQLite file, waits until the checkpointer's connection is closed too. */
export async function closeDatabase(db: Db): Promise<void> {
  await db.destroy()
  await checkpointers.get(db)?.stop()
}

export function settleWrites(db: Db): Promise<void> {
  return checkpointers.get(db)?.checkpointNow() ?? Promise.resolve()
}

export interface OpenDatabaseOptions {
  /** PostgreSQL only: run everything inside this schema (tests give each file its own). */
  readonly searchPath?: string
  /**
   * SQLite in memory only: start from this serialized database (better-sqlite3's `serialize()`)
   * instead of an empty one. Tests migrate once per file and give each test a copy.
   */
  readonly sqliteImage?: Buffer
  /** SQLite file only: how often the checkpointer worker runs (tests make it short). */
  readonly checkpointIntervalMs?: number
  /** SQLite file only: handed the checkpointer once started (tests). */
  readonly onCheckpointer?: (checkpointer: Checkpointer) => void
  /** SQLite file only: told when a checkpoint fails (the app carries on; the backstop bounds the WAL). */
  readonly onCheckpointError?: (message: string) => void
  /**
   * PostgreSQL only: told when a pooled connection fails outside a query (the server restarted, an
   * administrator ended it, a proxy reset it). The pool drops that connection and opens another
   * when next needed; without a listener Node would end the process.
   */
  readonly onConnectionError?: (error: { code?: string; message: string }) => void
}

export function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Db {
  if (config.dialect === 'sqlite') {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true })
    const sqlite = new SqliteDatabase(config.path === ':memory:' && options.sqliteImage !== undefined ? options.sqliteImage : config.path)
    try {
      sqlite.pragma('journal_mode = WAL')
      sqlite.pragma('foreign_keys = ON')
      sqlite.pragma('busy_timeout = 5000')
      // The usual setting with WAL: a commit does not wait for fsync (checkpoints do); a power cut can
      // lose the last commits but never corrupts the file.
      sqlite.pragma('synchronous = NORMAL')
    } catch (error) {
      sqlite.close()
      throw error
    }
    const database = withStatementCache(sqlite)
    let checkpointer: Checkpointer | undefined
    if (config.path !== ':memory:') {
      // Checkpoints run in a worker (store/sqlite-checkpointer.ts); this connection only past the backstop.
      sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
      const started = startCheckpointer(config.path, {
        ...(options.checkpointIntervalMs === undefined ? {} : { intervalMs: options.checkpointIntervalMs }),
        ...(options.onCheckpointError === undefined ? {} : { onError: options.onCheckpointError }),
      })
      checkpointer = started
      options.onCheckpointer?.(started)
      const close = database.close.bind(database)
      database.close = () => {
        void started.stop()
        close()
      }
    }
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
    if (checkpointer !== undefined) checkpointers.set(db, checkpointer)
    return db
  }
  // Loaded only for PostgreSQL: a SQLite process never carries pg's 3 MB of heap.
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg')
  const pool = new pg.Pool({
    connectionString: config.url,
    max: 10,
    // A request waits at most this long for a connection (an unreachable server), then fails as 503.
    connectionTimeoutMillis: 10_000,
    ...(options.searchPath === undefined ? {} : { options: `-c search_path=${options.searchPath}` }),
  })
  const onConnectionError = (error: Error) => options.onConnectionError?.(describeDatabaseError(error))
  // Idle clients: the pool forwards their errors here and discards them.
  pool.on('error', onConnectionError)
  // Checked-out clients (a transaction in progress) emit on themselves and Node ends a process on an
  // 'error' nobody listens to. Nothing to log here: the query in flight or the next one fails (the
  // request answers 503 and is logged), and the pool discards the client when it is released.
  pool.on('connect', (client) => client.on('error', ignore))
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

function ignore(): void {}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Applies every pending migration; throws naming the one that failed. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Kysely's Migrator looks for kysely_migration in every schema it can see unless told which one:
  // on PostgreSQL, another schema's migration tables (another app's, a parallel test's) would be
  // taken for ours and our migrations would fail. Ours live in the current schema.
  const schema =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, ...(schema == null ? {} : { migrationTableSchema: schema }) })
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error !== undefined) {
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : inspect(error)}`)
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
