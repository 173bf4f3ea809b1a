/**
 * What the in-process benches (bench/acs/inprocess.ts, bench/scim/queries.ts) share: the real app
 * (buildApp) in this process over a SQLite file in a temp dir, or PostgreSQL in a fresh schema dropped
 * at the end; every SQL statement as it runs; and a statement's query plan with full scans flagged.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { sql } from 'kysely'
import pg from 'pg'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/http/app.js'
import { createLogger } from '../src/http/logging.js'
import { createRuntime, type Runtime } from '../src/runtime.js'

/** One statement as it ran, with its parameters. */
export interface Ran {
  sql: string
  parameters: unknown[]
}

export type AroundStatement = <T>(text: string, parameters: unknown[], run: () => T) => T

/**
 * Passes every statement through `around` as it runs. PostgreSQL: each client query (its time is only
 * the call's, the answer comes later). SQLite: each run of a prepared statement — prepared statements
 * are cached, so wrapping prepare() would miss the repeats.
 */
export function watchStatements(postgres: boolean, around: AroundStatement): void {
  if (postgres) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with its client as `this` (query.apply)
    const query = pg.Client.prototype.query as (...a: unknown[]) => unknown
    pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
      const [text, values] = a as [unknown, unknown[] | undefined]
      return typeof text === 'string' ? around(text, values ?? [], () => query.apply(this, a)) : query.apply(this, a)
    } as never
    return
  }
  const probe = new SqliteDatabase(':memory:')
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'all' | 'run', (...a: unknown[]) => unknown>
  probe.close()
  for (const method of ['all', 'run'] as const) {
    const original = proto[method]
    proto[method] = function (this: { source: string }, ...a: unknown[]) {
      return around(this.source, (a[0] as unknown[] | undefined) ?? [], () => original.apply(this, a))
    }
  }
}

export interface InProcessApp {
  readonly postgres: boolean
  readonly runtime: Runtime
  readonly app: Awaited<ReturnType<typeof buildApp>>
  /** Prints each line of a query's plan (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN), full scans flagged; nothing for other statements. */
  readonly printPlan: (statement: Ran) => Promise<void>
  /** Closes the app and runtime, then removes the temp dir and drops the PostgreSQL schema. */
  readonly close: () => Promise<void>
}

/** The app over `database` (a postgres:// URL) or, without one, a SQLite file in a fresh temp dir. */
export async function startInProcessApp(options: { database: string | undefined; logLevel?: string; tempPrefix: string }): Promise<InProcessApp> {
  const { database } = options
  const postgres = database?.startsWith('postgres') === true
  const dir = mkdtempSync(join(tmpdir(), options.tempPrefix))
  const schema = postgres ? `gh_bench_${randomBytes(4).toString('hex')}` : undefined
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: database })
    await client.connect()
    await client.query(statement)
    await client.end()
  }
  if (schema !== undefined) await admin(`create schema ${schema}`)
  const config = loadConfig({
    GATEHOUSE_BASE_URL: 'http://gh.bench',
    GATEHOUSE_ADMIN_TOKEN: 'a'.repeat(32),
    GATEHOUSE_SECRET_KEY: '11'.repeat(32),
    GATEHOUSE_DATA_DIR: dir,
    GATEHOUSE_DATABASE_URL: postgres ? database : `sqlite:${join(dir, 'gh.db')}`,
    GATEHOUSE_LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:9',
    GATEHOUSE_SMTP_FROM: 'Gatehouse <no-reply@bench.example>',
  })
  const runtime = await createRuntime(config, {
    logger: createLogger(options.logLevel ?? 'info', { write: () => {} }),
    ...(schema === undefined ? {} : { searchPath: schema }),
  })
  const app = await buildApp(config, runtime.deps)
  const printPlan = async (s: Ran) => {
    // Only queries have plans: not begin/commit, savepoints or `set local`.
    if (!/^\s*(select|insert|update|delete|with)\b/i.test(s.sql)) return
    const plan = postgres
      ? (await sql.raw(`explain ${inline(postgres, s)}`).execute(runtime.db)).rows.map((r) => String((r as Record<string, unknown>)['QUERY PLAN']))
      : (await sql.raw(`explain query plan ${inline(postgres, s)}`).execute(runtime.db)).rows.map((r) => String((r as { detail: unknown }).detail))
    for (const line of plan) console.log(`      ${/\bSCAN\b(?! CONSTANT)|Seq Scan/.test(line) ? 'FULL SCAN → ' : ''}${line}`)
  }
  const close = async () => {
    await app.close()
    await runtime.close()
    rmSync(dir, { recursive: true, force: true })
    if (schema !== undefined) await admin(`drop schema ${schema} cascade`)
  }
  return { postgres, runtime, app, printPlan, close }
}

/** The statement with its parameters written in, for EXPLAIN (bench only: our own values). */
function inline(postgres: boolean, { sql: text, parameters }: Ran): string {
  const literal = (v: unknown) =>
    v === null || v === undefined
      ? 'null'
      : typeof v === 'number' || typeof v === 'bigint'
        ? String(v)
        : `'${(typeof v === 'string' ? v : JSON.stringify(v)).replaceAll("'", "''")}'`
  if (postgres) return text.replace(/\$(\d+)/g, (_m, n: string) => literal(parameters[Number(n) - 1]))
  let i = 0
  return text.replace(/\?/g, () => literal(parameters[i++]))
}
