/**
 * Databases for tests: SQLite in memory by default; with GATEHOUSE_TEST_DATABASE_URL=postgres://… a
 * schema of its own in that database.
 *
 * `cleanDatabase()` is what a test context starts from: migrated and empty. A test file migrates once
 * and every test starts from a clean copy — on SQLite a copy of an in-memory database migrated once
 * per file (`VACUUM INTO`, then `new Database(image)`); on PostgreSQL a schema migrated once, emptied
 * (every row of every table deleted, children first) when its test ends and handed to the next test.
 * A schema whose structure a test changed is dropped instead of reused. `freshDatabase()` is an empty,
 * unmigrated one, for tests of the migrations themselves and of a restart on a shared file.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import type { DatabaseConfig } from '../../src/config.js'
import { migrateToLatest, openDatabase, type OpenDatabaseOptions } from '../../src/store/database.js'

export const TEST_DATABASE_URL = process.env.GATEHOUSE_TEST_DATABASE_URL?.trim() || undefined
export const DIALECT: 'sqlite' | 'postgres' = TEST_DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'

export interface TestDatabase {
  readonly config: DatabaseConfig
  readonly searchPath?: string
  /** SQLite in memory: the migrated database this one starts as a copy of. */
  readonly sqliteImage?: Buffer
  drop(): Promise<void>
}

/** What `openDatabase` / `createRuntime` need besides the config to open this database. */
export function openOptions(database: TestDatabase): Pick<OpenDatabaseOptions, 'searchPath' | 'sqliteImage'> {
  return {
    ...(database.searchPath === undefined ? {} : { searchPath: database.searchPath }),
    ...(database.sqliteImage === undefined ? {} : { sqliteImage: database.sqliteImage }),
  }
}

/** An empty, unmigrated database. `shared`: on SQLite a temporary file instead of memory, so that a second runtime (a restart, another process) can open it. */
export async function freshDatabase(options: { shared?: boolean } = {}): Promise<TestDatabase> {
  if (DIALECT === 'sqlite') {
    if (options.shared !== true) return { config: { dialect: 'sqlite', path: ':memory:' }, drop: async () => {} }
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'))
    return { config: { dialect: 'sqlite', path: join(dir, 'gatehouse.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const schema = `gh_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`create schema ${schema}`)
  return { config: postgresConfig(), searchPath: schema, drop: () => adminQuery(`drop schema ${schema} cascade`) }
}

/** A migrated, empty database (SQLite in memory, or a PostgreSQL schema): a copy of what this file migrated once. */
export async function cleanDatabase(): Promise<TestDatabase> {
  if (DIALECT === 'sqlite') return cleanSqlite()
  const schema = spareSchemas.pop() ?? (await migratedSchema())
  liveSchemas.add(schema)
  let dropped = false
  return {
    config: postgresConfig(),
    searchPath: schema,
    drop: async () => {
      if (dropped) return
      dropped = true
      liveSchemas.delete(schema)
      if (await emptied(schema)) spareSchemas.push(schema)
      else await adminQuery(`drop schema if exists ${schema} cascade`)
    },
  }
}

/** A migrated, empty SQLite database in memory, whatever GATEHOUSE_TEST_DATABASE_URL says (the repository tests run both). */
export async function cleanSqlite(): Promise<TestDatabase> {
  return { config: { dialect: 'sqlite', path: ':memory:' }, sqliteImage: await sqliteTemplate(), drop: async () => {} }
}

/** Drops the schemas this file kept for reuse, and any a test left open (test/setup-database.ts runs it after each file). */
export async function dropKeptDatabases(): Promise<void> {
  const schemas = [...spareSchemas.splice(0), ...liveSchemas]
  liveSchemas.clear()
  for (const schema of schemas) await adminQuery(`drop schema if exists ${schema} cascade`)
}

// SQLite: one migrated in-memory database per file, serialized; each test deserializes a copy.
let sqliteImage: Promise<Buffer> | undefined

function sqliteTemplate(): Promise<Buffer> {
  sqliteImage ??= (async () => {
    const db = openDatabase({ dialect: 'sqlite', path: ':memory:' })
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-template-'))
    try {
      await migrateToLatest(db)
      await sql`vacuum into ${join(dir, 'template.db')}`.execute(db)
      return readFileSync(join(dir, 'template.db'))
    } finally {
      await db.destroy()
      rmSync(dir, { recursive: true, force: true })
    }
  })()
  return sqliteImage
}

// PostgreSQL: migrated schemas, each with the fingerprint of its structure right after migrating.
const spareSchemas: string[] = []
const liveSchemas = new Set<string>()
const fingerprints = new Map<string, string>()
const deleteOrders = new Map<string, string[]>()

function postgresConfig(): DatabaseConfig {
  return { dialect: 'postgres', url: TEST_DATABASE_URL! }
}

async function migratedSchema(): Promise<string> {
  const schema = `gh_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`create schema ${schema}`)
  const db = openDatabase(postgresConfig(), { searchPath: schema })
  try {
    // Kysely's migrator introspects every schema; another file dropping its own schema at that moment
    // fails the catalogue query ("schema … does not exist"). That is the harness, not the code: retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await migrateToLatest(db)
        break
      } catch (error) {
        if (attempt >= 3 || !/does not exist/.test(String((error as Error).message))) throw error
      }
    }
  } catch (error) {
    await adminQuery(`drop schema if exists ${schema} cascade`).catch(() => {})
    throw error
  } finally {
    await db.destroy()
  }
  try {
    await withClient(async (client) => {
      fingerprints.set(schema, await fingerprint(client, schema))
      const order = await childrenFirst(client, schema)
      if (order !== undefined) deleteOrders.set(schema, order) // else: never reused, dropped after its test
    })
  } catch (error) {
    await adminQuery(`drop schema if exists ${schema} cascade`).catch(() => {})
    throw error
  }
  return schema
}

/** Deletes every row but the migrations' own; false when the schema no longer has the structure it was migrated to. */
async function emptied(schema: string): Promise<boolean> {
  const order = deleteOrders.get(schema)
  if (order === undefined) return false
  return withClient(async (client) => {
    if ((await fingerprint(client, schema)) !== fingerprints.get(schema)) return false
    const sequences = (
      await client.query<{ name: string }>('select sequence_name as name from information_schema.sequences where sequence_schema = $1', [schema])
    ).rows
    try {
      await client.query(
        [
          'begin',
          ...order.map((table) => `delete from ${schema}."${table}"`),
          ...sequences.map(({ name }) => `alter sequence ${schema}."${name}" restart`),
          'commit',
        ].join(';\n'),
      )
      return true
    } catch {
      await client.query('rollback').catch(() => {})
      return false
    }
  }).catch(() => false)
}

/** The schema's tables, columns, constraints, indexes, functions, triggers and applied migrations, hashed. */
async function fingerprint(client: pg.Client, schema: string): Promise<string> {
  const { rows } = await client.query<{ hash: string | null }>(
    `
    select md5(string_agg(item, E'\\n' order by item)) as hash from (
      select 'relation ' || c.relname || ' ' || c.relkind::text as item from pg_class c where c.relnamespace = $1::text::regnamespace
      union all
      select 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        from pg_attribute a join pg_class c on c.oid = a.attrelid left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where c.relnamespace = $1::text::regnamespace and a.attnum > 0 and not a.attisdropped
      union all
      select 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) from pg_constraint k join pg_class c on c.oid = k.conrelid where c.relnamespace = $1::text::regnamespace
      union all
      select 'index ' || indexname || ' ' || indexdef from pg_indexes where schemaname = $1::text
      union all
      select 'function ' || p.proname || ' ' || md5(p.prosrc) from pg_proc p where p.pronamespace = $1::text::regnamespace
      union all
      select 'trigger ' || c.relname || ' ' || t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid where c.relnamespace = $1::text::regnamespace and not t.tgisinternal
    ) items`,
    [schema],
  )
  const migrations = await client.query<{ name: string }>(`select name from ${schema}.kysely_migration order by name`)
  return `${rows[0]?.hash ?? ''} ${migrations.rows.map((r) => r.name).join(',')}`
}

/** The schema's tables except the migrator's, each after every table that references it; undefined if references form a cycle. */
async function childrenFirst(client: pg.Client, schema: string): Promise<string[] | undefined> {
  const tables = (
    await client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = $1::text and tablename not like 'kysely_migration%' order by tablename`,
      [schema],
    )
  ).rows.map((r) => r.name)
  const references = (
    await client.query<{ child: string; parent: string }>(
      `
    select c.relname as child, p.relname as parent from pg_constraint k
      join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
      where k.contype = 'f' and c.relnamespace = $1::text::regnamespace and c.oid <> p.oid`,
      [schema],
    )
  ).rows
  const order: string[] = []
  const placed = new Set<string>()
  const place = (table: string, path: readonly string[]): boolean => {
    if (placed.has(table)) return true
    if (path.includes(table)) return false
    if (!references.filter((r) => r.parent === table).every(({ child }) => place(child, [...path, table]))) return false
    placed.add(table)
    order.push(table)
    return true
  }
  return tables.every((table) => place(table, [])) ? order : undefined
}

async function withClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

async function adminQuery(text: string): Promise<void> {
  await withClient((client) => client.query(text))
}
