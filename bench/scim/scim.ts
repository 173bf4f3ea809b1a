/**
 * SCIM at 100,000 users (issue 18 item 8): one org's directory of `--users` SCIM users, then over
 * HTTP against the real server (`node bin/gatehouse.js start`, built dist/, NODE_ENV=production, info
 * logs to a file, pinned to CPU 0; this client on CPU 1 with `npm run bench:scim`):
 *
 * - `GET /Users?filter=userName eq "…"` for random users (half of them in other letter case), one
 *   request in flight: p50/p99, target p99 < 5 ms;
 * - `POST /Users` of new users (Okta's body) with `--in-flight` requests outstanding (8): req/s,
 *   target ≥ 300/s on SQLite;
 * - `PATCH /Users/{id}` `{"op":"replace","value":{"active":false}}` (Okta's deactivation) of members
 *   who each hold an SSO session, an API session, a personal API token and an OIDC grant with
 *   refresh and access tokens, one in flight: p50/p99, target p99 < 20 ms. Before, a sample of them
 *   is checked to reach `GET /api/v1/me` with their API token and API session; after, refused, and
 *   none of their sessions, tokens or OIDC rows is left in the database.
 *
 * The directory is seeded in this process through core and the stores (bench/scim/seed.ts), before
 * the server starts. SQLite: a file in a temp dir, as the server runs. PostgreSQL (`--db postgres`
 * or `both`): GATEHOUSE_TEST_DATABASE_URL, in a schema `gatehouse_bench_scim` the bench drops and
 * re-creates (the database server itself is not pinned).
 *
 *   npm run build && sh bench/acs/pin.sh 1 npx tsx bench/scim/scim.ts [--db sqlite|postgres|both] [--users 100000] [--requests 2000] [--runs 3] [--in-flight 8]
 *
 * Environment: BENCH_JSON=path writes the figures as JSON; BENCH_KEEP=1 keeps the temp dir (DB, log);
 * BENCH_GATEHOUSE_NODE_ARGS are node flags for the server only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/http/logging.js'
import { createRuntime } from '../../src/runtime.js'
import { freePort, HAS_TASKSET, newestMtime } from '../acs/processes.js'
import { parseArgs } from '../acs/stats.js'
import { quantile, scimClient, type Answer, type Call, type Measured } from './client.js'
import { BENCH_DOMAIN, oktaUserBody, seedDirectory, userNameOf, type Target } from './seed.js'
import { printSummary, type Row } from './report.js'
import { countHoldings, startServer, type Server } from './server.js'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
const args = parseArgs(process.argv.slice(2))
const USERS = Number(args.users ?? 100_000)
const REQUESTS = Number(args.requests ?? 2000)
const RUNS = Number(args.runs ?? 3)
const IN_FLIGHT = Number(args['in-flight'] ?? 8)
/** V8 is still compiling after 1,000 requests (CPU per GET went 1.8 → 1.1 → 1.0 ms over the next three runs of 2,000). */
const WARM_UP = 4000
const PATCH_WARM_UP = 1000
const TARGETS = PATCH_WARM_UP + RUNS * REQUESTS
const CHECKED = 20
const dbs = args.db === 'both' ? ['sqlite', 'postgres'] : [args.db ?? 'sqlite']
const POSTGRES_SCHEMA = 'gatehouse_bench_scim'
/** --only get,post,patch: some of the three (e.g. to profile one). */
const ONLY = new Set((args.only ?? 'get,post,patch').split(','))

if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench:scim does)')
if (newestMtime(join(ROOT, 'src')) > statSync(join(ROOT, 'dist/cli.js')).mtimeMs)
  console.log('warning: src/ has changed since dist/ was built; the server runs the older build')
if (USERS < TARGETS + 1) throw new Error(`--users must be above ${TARGETS} (the deactivated members)`)

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-scim-'))
let server: Server | undefined
process.on('exit', (code) => {
  server?.kill()
  if (code !== 0) console.error(`kept ${dir} (databases and logs)`)
  else if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true })
})
process.on('SIGINT', () => process.exit(130))

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
const rows: Row[] = []
console.log(
  `SCIM bench: ${USERS.toLocaleString('en-US')} users; node ${process.version}; ${HAS_TASKSET ? 'server on CPU 0' : 'not pinned: no taskset'}; load average ${load()}`,
)

for (const db of dbs) await benchDatabase(db)

printSummary(rows)
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, users: USERS, rows }, null, 2))

async function benchDatabase(db: string) {
  const port = await freePort()
  const databaseUrl = db === 'sqlite' ? `sqlite:${join(dir, 'gatehouse.db')}` : await postgresUrl()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: join(dir, db),
    GATEHOUSE_DATABASE_URL: databaseUrl,
    GATEHOUSE_ADMIN_TOKEN: `bench-admin-${randomBytes(16).toString('hex')}`,
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
    // Required in production; never contacted (SCIM sends no mail).
    GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:9',
    GATEHOUSE_SMTP_FROM: 'Gatehouse <no-reply@bench.example>',
    GATEHOUSE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_BASE_URL: `http://127.0.0.1:${port}`,
  }

  // --- Seed in this process, through core and the stores --------------------------------------
  // Seeding is not measured: this process (pinned to CPU 1 by `npm run bench:scim`) takes every CPU meanwhile.
  const affinity = (cpus: string) => HAS_TASKSET && spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' })
  affinity('0-' + String(availableParallelism() - 1))
  const runtime = await createRuntime(loadConfig(env), { logger: createLogger('silent') })
  const seeded = await seedDirectory(runtime.deps, { users: USERS, targets: TARGETS, now: new Date() })
  await runtime.close()
  affinity('1')
  console.log(
    `\n[${db}] seeded ${USERS.toLocaleString('en-US')} SCIM users (account, member, SCIM user, audit entry, event, SSO session each; ${TARGETS} of them also an API session, a personal API token and an OIDC grant with refresh and access tokens) through core and the stores (1,000 per transaction, 8 at a time, this process on every CPU meanwhile) in ${seeded.seconds.toFixed(1)} s`,
  )

  server = await startServer({ root: ROOT, dir, name: db, env })
  const client = scimClient(`${server.baseUrl}/scim/v2/${seeded.directoryId}`, seeded.token)
  const member = scimClient(`${server.baseUrl}/api/v1`, '')
  console.log(`[${db}] server pid ${server.pid} on ${server.baseUrl}; load average ${load()}`)

  const measured = seeded.targets.slice(PATCH_WARM_UP)
  const sample = measured.filter((_, i) => i % Math.floor(measured.length / CHECKED) === 0).slice(0, CHECKED)
  const reachMe = async (t: Target) => [
    (await member.send({ method: 'GET', path: '/me' }, { authorization: `Bearer ${t.apiToken}` })).status,
    (await member.send({ method: 'GET', path: '/me' }, { authorization: `Bearer ${t.apiSession}` })).status,
  ]
  const before = (await Promise.all(sample.map(reachMe))).flat()
  if (before.some((s) => s !== 200)) throw new Error(`before deactivation, a member's API token or session is refused: ${before.join(' ')}`)

  // --- GET /Users?filter=userName eq "…" ---------------------------------------------------------
  const lookups = (count: number) =>
    Array.from({ length: count }, (): Call => {
      const i = Math.floor(Math.random() * USERS)
      const userName = Math.random() < 0.5 ? userNameOf(i) : userNameOf(i).toUpperCase()
      return { method: 'GET', path: `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}` }
    })
  const found = (answer: Answer, call: Call) => {
    if (answer.status !== 200) return false
    const body = JSON.parse(answer.body) as { totalResults: number; Resources: Array<{ userName: string }> }
    const wanted = /userName eq "(.*)"/.exec(decodeURIComponent(call.path))![1]!.toLowerCase()
    return body.totalResults === 1 && body.Resources[0]!.userName.toLowerCase() === wanted
  }
  if (ONLY.has('get')) {
    await measure('GET filter userName eq', 1, lookups(WARM_UP), found, true)
    for (let run = 0; run < RUNS; run++) await measure('GET filter userName eq', 1, lookups(REQUESTS), found)
  }

  // --- POST /Users --------------------------------------------------------------------------------
  let made = 0
  const creations = (count: number) =>
    Array.from({ length: count }, (): Call => {
      const i = USERS + made++
      return { method: 'POST', path: '/Users', body: oktaUserBody(`new${i}@${BENCH_DOMAIN}`, i) }
    })
  const created = (answer: Answer) => answer.status === 201
  if (ONLY.has('post')) {
    await measure('POST /Users', IN_FLIGHT, creations(WARM_UP), created, true)
    for (let run = 0; run < RUNS; run++) await measure('POST /Users', IN_FLIGHT, creations(REQUESTS), created)
  }

  // --- PATCH deactivation ------------------------------------------------------------------------
  const deactivations = (targets: readonly Target[]) =>
    targets.map((t): Call => ({
      method: 'PATCH',
      path: `/Users/${t.scimId}`,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] },
    }))
  const deactivated = (answer: Answer) => answer.status === 200 && (JSON.parse(answer.body) as { active: boolean }).active === false
  if (ONLY.has('patch')) {
    await measure('PATCH active=false', 1, deactivations(seeded.targets.slice(0, PATCH_WARM_UP)), deactivated, true)
    for (let run = 0; run < RUNS; run++) {
      await measure('PATCH active=false', 1, deactivations(measured.slice(run * REQUESTS, (run + 1) * REQUESTS)), deactivated)
    }
  }
  client.close()

  // --- The deactivations took: over HTTP for a sample, in the database for all ----------------
  if (ONLY.has('patch')) {
    const after = (await Promise.all(sample.map(reachMe))).flat()
    if (after.some((s) => s !== 401)) throw new Error(`after deactivation, a member's API token or session is not refused: ${after.join(' ')}`)
  }
  member.close()
  await server.stop()
  server = undefined
  if (ONLY.has('patch')) {
    const left = await countHoldings(env, seeded.targets)
    if (left.sessions + left.apiTokens + left.oidcRows > 0 || left.deactivated !== seeded.targets.length)
      throw new Error(`after deactivation, rows are left: ${JSON.stringify(left)}`)
    console.log(
      `[${db}] checked: ${sample.length} members' API token and API session answered 200 on GET /api/v1/me before, 401 after; none of the ${seeded.targets.length} deactivated members' sessions, API tokens or OIDC rows is left (${left.deactivated} members deactivated)`,
    )
  }

  async function measure(what: string, inFlight: number, calls: Call[], check: (a: Answer, c: Call) => boolean, warmUp = false) {
    const cpuBefore = server!.cpuSeconds()
    const r: Measured = await client.run(calls, inFlight, (answer, index) => check(answer, calls[index]!))
    const cpuMs = ((server!.cpuSeconds() - cpuBefore) * 1000) / calls.length
    if (r.failures > 0) throw new Error(`${db} ${what}: ${r.failures} unexpected answers ${JSON.stringify(r.statuses)}; first: ${r.firstFailure}`)
    const row: Row = {
      db,
      what,
      inFlight,
      requests: calls.length,
      rps: calls.length / r.seconds,
      p50: quantile(r.latencies, 0.5),
      p99: quantile(r.latencies, 0.99),
      max: Math.max(...r.latencies),
      cpuMs,
      load: loadavg()[0]!,
      warmUp,
    }
    if (!warmUp) rows.push(row)
    console.log(
      `  ${warmUp ? 'warm-up ' : ''}${what} ×${calls.length} (${inFlight} in flight): ${row.rps.toFixed(0)}/s, p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, max ${row.max.toFixed(1)} ms, server CPU ${cpuMs.toFixed(2)} ms/req; load ${load()}`,
    )
  }
}

/** GATEHOUSE_TEST_DATABASE_URL with the bench's own schema, dropped and made again. */
async function postgresUrl(): Promise<string> {
  const url = process.env.GATEHOUSE_TEST_DATABASE_URL
  if (url === undefined || !url.startsWith('postgres')) throw new Error('--db postgres needs GATEHOUSE_TEST_DATABASE_URL=postgres://…')
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`drop schema if exists ${POSTGRES_SCHEMA} cascade`)
  await admin.query(`create schema ${POSTGRES_SCHEMA}`)
  await admin.end()
  const withSchema = new URL(url)
  withSchema.searchParams.set('options', `-c search_path=${POSTGRES_SCHEMA}`)
  return withSchema.toString()
}
