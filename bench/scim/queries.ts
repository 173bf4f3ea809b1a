/**
 * Where a SCIM request's time goes, in one process without HTTP noise: the real app (buildApp) over a
 * directory of `--users` SCIM users (bench/scim/seed.ts), requests through app.inject() one at a
 * time. Prints each statement of one `GET /Users?filter=userName eq`, one `POST /Users` and one
 * deactivating PATCH with its query plan (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN after
 * ANALYZE; full scans flagged), then the CPU time per request of `--count` of each.
 *
 *   npx tsx bench/scim/queries.ts [--users 100000] [--count 1000] [--database postgres://…]
 *
 * SQLite: a file in a temp dir. PostgreSQL: a fresh schema, dropped at the end.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { sql } from 'kysely'
import pg from 'pg'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/http/app.js'
import { createLogger } from '../../src/http/logging.js'
import { createRuntime } from '../../src/runtime.js'
import { parseArgs } from '../acs/stats.js'
import { quantile } from './client.js'
import { BENCH_DOMAIN, oktaUserBody, seedDirectory, userNameOf } from './seed.js'

const args = parseArgs(process.argv.slice(2))
const users = Number(args.users ?? 100_000)
const count = Number(args.count ?? 1000)
const postgres = args.database?.startsWith('postgres') === true
const dir = mkdtempSync(join(tmpdir(), 'gh-scim-queries-'))
const schema = postgres ? `gh_bench_${randomBytes(4).toString('hex')}` : undefined

// Every statement as it runs, with its parameters.
interface Ran {
  sql: string
  parameters: unknown[]
}
let recording: Ran[] | undefined
/** SQLite: wall time per statement (its first 70 characters) over the timed requests, µs. */
let timing: Map<string, number> | undefined
if (postgres) {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with its client as `this` (query.apply)
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown
  pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
    const [text, values] = a as [unknown, unknown[] | undefined]
    if (typeof text === 'string') recording?.push({ sql: text, parameters: values ?? [] })
    return query.apply(this, a)
  } as never
} else {
  // Prepared SQLite statements are cached, so wrapping prepare() would miss the repeats.
  const probe = new SqliteDatabase(':memory:')
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'all' | 'run', (...a: unknown[]) => unknown>
  probe.close()
  for (const method of ['all', 'run'] as const) {
    const original = proto[method]
    proto[method] = function (this: { source: string }, ...a: unknown[]) {
      recording?.push({ sql: this.source, parameters: (a[0] as unknown[] | undefined) ?? [] })
      if (timing === undefined) return original.apply(this, a)
      const t = performance.now()
      try {
        return original.apply(this, a)
      } finally {
        const key = this.source.slice(0, 70)
        timing.set(key, (timing.get(key) ?? 0) + (performance.now() - t) * 1000)
      }
    }
  }
}

if (schema !== undefined) {
  const admin = new pg.Client({ connectionString: args.database })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
}
const config = loadConfig({
  GATEHOUSE_BASE_URL: 'http://gh.bench',
  GATEHOUSE_ADMIN_TOKEN: 'a'.repeat(32),
  GATEHOUSE_SECRET_KEY: '11'.repeat(32),
  GATEHOUSE_DATA_DIR: dir,
  GATEHOUSE_DATABASE_URL: postgres ? args.database! : `sqlite:${join(dir, 'gh.db')}`,
  GATEHOUSE_LOG_LEVEL: 'info',
  NODE_ENV: 'production',
  GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:9',
  GATEHOUSE_SMTP_FROM: 'Gatehouse <no-reply@bench.example>',
})
const runtime = await createRuntime(config, {
  logger: createLogger('info', { write: () => {} }),
  ...(schema === undefined ? {} : { searchPath: schema }),
})
const app = await buildApp(config, runtime.deps)
const started = performance.now()
const seeded = await seedDirectory(runtime.deps, { users, targets: count + 1, now: new Date() })
console.log(`seeded ${users} SCIM users in ${((performance.now() - started) / 1000).toFixed(1)} s`)
if (postgres) await sql`analyze`.execute(runtime.db)

const scim = async (method: 'GET' | 'POST' | 'PATCH', path: string, payload?: object) => {
  const r = await app.inject({
    method,
    url: `/scim/v2/${seeded.directoryId}${path}`,
    headers: { authorization: `Bearer ${seeded.token}`, 'content-type': 'application/scim+json' },
    ...(payload === undefined ? {} : { payload }),
  })
  if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${r.body.slice(0, 300)}`)
}
let made = 0
let deactivated = 0
const operations = {
  'GET /Users?filter=userName eq': () => scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userNameOf(Math.floor(Math.random() * users))}"`)}`),
  'POST /Users': () => scim('POST', '/Users', oktaUserBody(`new${users + made}@${BENCH_DOMAIN}`, users + made++)),
  'PATCH active=false': () =>
    scim('PATCH', `/Users/${seeded.targets[deactivated++]!.scimId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    }),
}

for (const [name, run] of Object.entries(operations)) {
  for (let i = 0; i < 200 && name !== 'PATCH active=false'; i++) await run() // warm
  const statements: Ran[] = []
  recording = statements
  await run()
  recording = undefined
  console.log(`\n${name}: ${statements.length} statements`)
  for (const s of statements) {
    console.log(`  ${s.sql.length > 200 ? `${s.sql.slice(0, 197)}...` : s.sql}`)
    if (/^(begin|commit|rollback|savepoint|release)/i.test(s.sql)) continue
    const plan = postgres
      ? (await sql.raw(`explain ${inline(s.sql, s.parameters)}`).execute(runtime.db)).rows.map((r) => String((r as Record<string, unknown>)['QUERY PLAN']))
      : (await sql.raw(`explain query plan ${inline(s.sql, s.parameters)}`).execute(runtime.db)).rows.map((r) => String((r as { detail: unknown }).detail))
    for (const line of plan) console.log(`      ${/\bSCAN\b(?! CONSTANT)|Seq Scan/.test(line) ? 'FULL SCAN → ' : ''}${line}`)
  }
}

console.log(`\n${postgres ? 'PostgreSQL' : 'SQLite file'}, ${users} users, one request at a time:`)
for (const [name, run] of Object.entries(operations)) {
  const n = name === 'PATCH active=false' ? Math.min(count, seeded.targets.length - deactivated) : count
  const walls: number[] = []
  timing = postgres ? undefined : new Map()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await run()
    walls.push(performance.now() - t)
  }
  const cpu = process.cpuUsage(cpu0)
  console.log(
    `  ${name.padEnd(30)} ×${n}: ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms CPU each; wall p50 ${quantile(walls, 0.5).toFixed(2)} ms, p99 ${quantile(walls, 0.99).toFixed(2)} ms`,
  )
  const statements = [...(timing ?? [])].sort((x, y) => y[1] - x[1])
  if (statements.length > 0) console.log(`    SQLite statements: ${(statements.reduce((sum, [, us]) => sum + us, 0) / n).toFixed(0)} µs per request, of which:`)
  for (const [key, us] of statements.slice(0, 8)) console.log(`    ${(us / n).toFixed(1).padStart(7)} µs  ${key}`)
  timing = undefined
}

await app.close()
await runtime.close()
rmSync(dir, { recursive: true, force: true })
if (schema !== undefined) {
  const admin = new pg.Client({ connectionString: args.database })
  await admin.connect()
  await admin.query(`drop schema ${schema} cascade`)
  await admin.end()
}

/** The statement with its parameters written in, for EXPLAIN (bench only: our own values). */
function inline(text: string, parameters: unknown[]): string {
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
