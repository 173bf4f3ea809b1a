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
import { sql } from 'kysely'
import { parseArgs } from '../acs/stats.js'
import { type Ran, startInProcessApp, watchStatements } from '../inprocess-app.js'
import { quantile } from './client.js'
import { BENCH_DOMAIN, oktaUserBody, seedDirectory, userNameOf } from './seed.js'

const args = parseArgs(process.argv.slice(2))
const users = Number(args.users ?? 100_000)
const count = Number(args.count ?? 1000)
const { postgres, runtime, app, printPlan, close } = await startInProcessApp({ database: args.database, tempPrefix: 'gh-scim-queries-' })

// Every statement as it runs, with its parameters.
let recording: Ran[] | undefined
/** SQLite: wall time per statement (its first 70 characters) over the timed requests, µs. */
let timing: Map<string, number> | undefined
watchStatements(postgres, (text, parameters, run) => {
  recording?.push({ sql: text, parameters })
  if (timing === undefined) return run()
  const t = performance.now()
  try {
    return run()
  } finally {
    const key = text.slice(0, 70)
    timing.set(key, (timing.get(key) ?? 0) + (performance.now() - t) * 1000)
  }
})

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
    await printPlan(s)
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

await close()
