/**
 * The ACS in one process, without HTTP noise: the real app (buildApp) over a file SQLite database, or
 * PostgreSQL with --database postgres://…, sign-ins posted through app.inject() one at a time.
 * Prints CPU time per sign-in and, with --queries, each SQL statement of a first (just-in-time) and
 * of a returning user's sign-in with its time; with --explain, each statement's query plan
 * (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN after ANALYZE), flagging full scans.
 *
 *   npx tsx bench/acs/inprocess.ts [--fixture small] [--count 2000] [--orgs 10000] [--queries] [--explain] [--alloc] [--database postgres://…]
 *
 * --alloc samples every allocation of the measured sign-ins, the short-lived ones too (V8's sampling
 * heap profiler, collected objects included), and prints the bytes allocated per sign-in by function.
 *
 * --orgs N seeds N other organizations first (bench/acs/seed-orgs.ts). On PostgreSQL the tables
 * are made in a fresh schema, dropped at the end.
 */
import { Session } from 'node:inspector/promises'
import { sql } from 'kysely'
import { createTestIdp } from '../../test/helpers/test-idp.js'
import { type Ran, startInProcessApp, watchStatements } from '../inprocess-app.js'
import type { FixtureKind } from './fixtures.js'
import { responsePool } from './pool.js'
import { seedOrgs } from './seed-orgs.js'
import { parseArgs } from './stats.js'

const args = parseArgs(process.argv.slice(2))
const kind = (args.fixture ?? 'small') as FixtureKind
const count = Number(args.count ?? 2000)
const orgs = Number(args.orgs ?? 0)
const { postgres, runtime, app, printPlan, close } = await startInProcessApp({ database: args.database, logLevel: args.level, tempPrefix: 'gh-inproc-' })

// Every statement as it runs, with its parameters, wall and CPU time.
let recording: Ran[] | undefined
const timing = new Map<string, { wall: number; cpu: number }>()
// On SQLite only when asked (--queries, --explain): two process.cpuUsage() calls per statement cost ~8 % of a sign-in's CPU.
if (postgres || args.queries !== undefined || args.explain !== undefined) {
  watchStatements(postgres, (text, parameters, run) => {
    recording?.push({ sql: text, parameters })
    const wall = performance.now()
    const cpu = process.cpuUsage()
    try {
      return run()
    } finally {
      const key = text.slice(0, 70)
      const spent = process.cpuUsage(cpu)
      const t = timing.get(key) ?? { wall: 0, cpu: 0 }
      timing.set(key, { wall: t.wall + performance.now() - wall, cpu: t.cpu + (spent.user + spent.system) / 1000 })
    }
  })
}

const idp = await createTestIdp('bench-idp', 'https://idp.bench.test/metadata')
if (orgs > 0) {
  const started = performance.now()
  await seedOrgs(runtime.deps.store, { count: orgs, certificatePem: idp.certificatePem, now: new Date() })
  console.log(`seeded ${orgs} orgs in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
const op = async (method: string, url: string, payload: unknown): Promise<unknown> => {
  const r = await app.inject({
    method: method as 'POST',
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${'a'.repeat(32)}` },
    payload: payload as object,
  })
  if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`)
  return JSON.parse(r.body)
}
await op('POST', '/organizations', { name: 'Acme', slug: 'acme' })
await op('PUT', '/organizations/acme/sso', { ssoName: 'acme' })
await op('PUT', '/organizations/acme/sso/idp', { ssoUrl: 'https://idp.bench.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] })
await op('PATCH', '/organizations/acme/sso/policy', { allowIdpInitiated: true, provisioning: 'just-in-time' })
const sso = (await op('POST', '/organizations/acme/sso/enable', { skipTest: true })) as { sp: { entityId: string; acsUrl: string; certificate: string } }
const pool = await responsePool(kind, idp, { entityId: sso.sp.entityId, acsUrl: sso.sp.acsUrl, certificatePem: sso.sp.certificate })
const bodies = await pool.bodies(count + 1202, { users: 1000 })
let next = 0
const post = async () => {
  const r = await app.inject({
    method: 'POST',
    url: '/saml/acme/acs',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: bodies[next++]!,
  })
  if (r.statusCode !== 303) throw new Error(`ACS: ${r.statusCode} ${r.body.slice(0, 300)}`)
}

const firstSignIn: Ran[] = []
recording = firstSignIn
await post() // user 0, provisioned just in time
recording = undefined
for (let i = 1; i < 1100; i++) await post() // the other 999 users, then warm
const returning: Ran[] = []
recording = returning
await post()
recording = undefined
if (postgres) await sql`analyze`.execute(runtime.db)

if (args.queries !== undefined || args.explain !== undefined) {
  for (const [title, statements] of [
    ['first sign-in (just-in-time)', firstSignIn],
    ['returning user', returning],
  ] as const) {
    const queries = statements.filter((s) => !/^(begin|commit|rollback)/i.test(s.sql))
    console.log(`\n${title}: ${statements.length} statements (${queries.length} queries)`)
    for (const s of statements) {
      console.log(`  ${s.sql.length > 160 ? `${s.sql.slice(0, 157)}...` : s.sql}`)
      if (args.explain === undefined || /^(begin|commit|rollback)/i.test(s.sql)) continue
      await printPlan(s)
    }
  }
}

timing.clear()
const profiler = args.alloc === undefined ? undefined : new Session()
if (profiler) {
  profiler.connect()
  await profiler.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: args.alloc !== 'survivors',
  })
}
const walls: number[] = []
const cpu0 = process.cpuUsage()
const t0 = performance.now()
for (let i = 0; i < count; i++) {
  const t = performance.now()
  await post()
  walls.push(performance.now() - t)
}
const cpu = process.cpuUsage(cpu0)
if (profiler) printAllocations((await profiler.post('HeapProfiler.stopSampling')).profile.head, count)
walls.sort((a, b) => a - b)
console.log(
  `one sign-in at a time, wall ms: p50 ${walls[Math.floor(count * 0.5)]!.toFixed(2)}, p99 ${walls[Math.floor(count * 0.99)]!.toFixed(2)}, p99.9 ${walls[Math.floor(count * 0.999)]!.toFixed(2)}, max ${walls[count - 1]!.toFixed(1)}; over 5 ms: ${walls.filter((w) => w > 5).length}`,
)
console.log(
  `\n${kind}, ${orgs} other orgs, ${postgres ? 'PostgreSQL' : 'SQLite'}: ${count} returning users' sign-ins, ${((cpu.user + cpu.system) / 1000 / count).toFixed(3)} ms CPU each, ${((performance.now() - t0) / count).toFixed(3)} ms wall each`,
)
if (args.queries !== undefined && !postgres) {
  for (const [k, v] of timing)
    console.log(`  ${((v.wall * 1000) / count).toFixed(1).padStart(7)} µs wall ${((v.cpu * 1000) / count).toFixed(1).padStart(7)} µs CPU per sign-in  ${k}`)
}
await close()

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: AllocationNode[]
}

/** Bytes allocated per sign-in: in all, by the allocating function (self), and by everything under a function (total). */
function printAllocations(root: AllocationNode, signIns: number): void {
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const walk = (node: AllocationNode, above: Set<string>): number => {
    const f = node.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + node.selfSize)
    const under = new Set(above).add(key)
    let sum = node.selfSize
    for (const child of node.children) sum += walk(child, under)
    if (!above.has(key)) total.set(key, (total.get(key) ?? 0) + sum)
    return sum
  }
  const all = walk(root, new Set())
  const kb = (bytes: number) => (bytes / signIns / 1024).toFixed(1).padStart(7)
  console.log(`\nallocated: ${kb(all).trim()} KB per sign-in (sampled, collected objects included)`)
  for (const [title, map] of [
    ['by allocating function (self)', self],
    ['by function and what it calls (total)', total],
  ] as const) {
    console.log(`  ${title}:`)
    for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${kb(bytes)} KB  ${key}`)
  }
}
