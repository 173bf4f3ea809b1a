/**
 * ACS HTTP benchmark: the real Gatehouse server (`node bin/gatehouse.js start` with its node flags, built dist/, SQLite
 * in a temp dir, NODE_ENV=production, info logs to a file) against a bare Fastify route running
 * node-saml (bench/acs/node-saml-server.ts), both pinned to CPU 0, driven by autocannon from this
 * process on CPU 1, over loopback only.
 *
 * Gatehouse refuses replays, so every request carries its own IdP-initiated response with unique
 * IDs (bench/acs/pool.ts); node-saml is sent the very same responses. Each run sends a fixed number
 * of requests (`amount`, sized from a warm-up to last about --seconds), never more than the pool.
 *
 *   npm run build && taskset -c 1 npx tsx bench/acs/http.ts [--runs 5] [--seconds 3] [--fixture small,large] [--connections 16,64] [--no-control] [--orgs 10000]
 *
 * With --orgs N, a second Gatehouse server takes the same load in the same alternation: its own
 * database, seeded before it starts with N other organizations (bench/acs/seed-orgs.ts: an enabled
 * SSO connection, a workspace, 5 members with remembered NameIDs and sessions each), the same SP key
 * and the same base URL, so the very same responses are valid on both (DESIGN §6: 10,000 orgs make
 * no measurable difference to the ACS).
 *
 * Last, a control server (bench/acs/control-server.ts: a bare Fastify route burning Gatehouse's
 * measured CPU time per request) takes the same load, to show the latency floor of the set-up.
 *
 * Environment: BENCH_JSON=path writes the figures as JSON too; BENCH_KEEP=1 keeps the temp dir (DB, logs);
 * BENCH_TRACE=1 prints each run's slowest requests (which, when sent, how long);
 * BENCH_GATEHOUSE_NODE_ARGS are node flags for the Gatehouse process only (e.g. --cpu-prof, --trace-gc-nvp);
 * BENCH_LOG_LEVEL is the server's GATEHOUSE_LOG_LEVEL (default info: one line per sign-in, as in production).
 * BENCH_WARMUP_SEGMENTS=n warms each server up with exactly n segments of ~1 s (default: until its CPU per request settles).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml'
import autocannon from 'autocannon'
import { loadConfig } from '../../src/config.js'
import { RESTART_FLAGS } from '../../src/node-flags.js'
import { activeSpKeys } from '../../src/core/sp-keys.js'
import { createLogger } from '../../src/http/logging.js'
import { createRuntime } from '../../src/runtime.js'
import { cachedCertificate } from '../../src/saml/certificate.js'
import { validateSamlResponse } from '../../src/saml/validate-response.js'
import { createTestIdp } from '../../test/helpers/test-idp.js'
import { seedOrgs } from './seed-orgs.js'
import { FIXTURE_KINDS, type FixtureKind } from './fixtures.js'
import { POOL_USERS, responsePool } from './pool.js'
import { median, parseArgs } from './stats.js'
import { type Control, isGatehouse, type Measured, printReport, type Run, type Server } from './http-report.js'
import { clamp, cpuSeconds, freePort, HAS_TASKSET, newestMtime, pinned, rssSampler, settle, waitHealthy } from './processes.js'
import { setUpBenchOrg } from './bench-org.js'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
const args = parseArgs(process.argv.slice(2))
const RUNS = Math.max(5, Number(args.runs ?? 5))
const SECONDS = Number(args.seconds ?? 3)
const kinds = args.fixture === undefined ? FIXTURE_KINDS : (args.fixture.split(',') as FixtureKind[])
const CONNECTIONS = (args.connections ?? '16,64').split(',').map(Number)
const ORGS = Number(args.orgs ?? 0)
const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`
const SECRET_KEY = randomBytes(32).toString('hex')

if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench:acs does)')
const newestSource = newestMtime(join(ROOT, 'src'))
if (newestSource > statSync(join(ROOT, 'dist/cli.js')).mtimeMs) {
  console.log('warning: src/ has changed since dist/ was built; the server runs the older build (npm run build, or npm run bench:acs)')
}

const children: ChildProcess[] = []
const stopChildren = () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGTERM')
}
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))
process.on('exit', (code) => {
  stopChildren()
  // After a failure the database and the server's log stay for a look; after success, only with BENCH_KEEP.
  if (code !== 0) console.error(`kept ${dir} (database and gatehouse.log)`)
  else if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true })
})
process.on('SIGINT', () => process.exit(130))

const ghPort = await freePort()
const nsPort = await freePort()
const baseUrl = `http://127.0.0.1:${ghPort}`
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  NODE_ENV: 'production',
  GATEHOUSE_BASE_URL: baseUrl,
  GATEHOUSE_HOST: '127.0.0.1',
  GATEHOUSE_PORT: String(ghPort),
  GATEHOUSE_DATA_DIR: dir,
  GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
  GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
  GATEHOUSE_SECRET_KEY: SECRET_KEY,
  // Required in production; never contacted (the ACS sends no mail).
  GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:9',
  GATEHOUSE_SMTP_FROM: 'Gatehouse <no-reply@bench.example>',
  GATEHOUSE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
}

// The server runs with `gatehouse start`'s node flags (src/node-flags.ts), given on the command line
// so that Node 20, which cannot re-execute itself with them, runs as Node 22 and 24 do.
const startFlags: string[] = [...RESTART_FLAGS]

const logFd = openSync(join(dir, 'gatehouse.log'), 'a')
// BENCH_GATEHOUSE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server only.
const nodeArgs = (process.env.BENCH_GATEHOUSE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
const ghCommand = pinned(0, [process.execPath, ...startFlags, ...nodeArgs, 'bin/gatehouse.js', 'start'])
const gh = spawn(ghCommand[0]!, ghCommand.slice(1), { cwd: ROOT, env, stdio: ['ignore', logFd, logFd] })
children.push(gh)
await waitHealthy(`${baseUrl}/healthz`, gh, 'Gatehouse', dir)
// taskset execs node, so the child's pid is the server's own.
const ghPid = gh.pid!

// The server made its SP key pair at start; node-saml needs the same private key to decrypt the
// encrypted responses (Gatehouse only publishes the certificate), so read it from the database
// with Gatehouse's own code, without migrating (the server did).
const runtime = await createRuntime(loadConfig(env), { logger: createLogger('silent'), migrate: false })
const [spKey] = await activeSpKeys(runtime.deps)
await runtime.close()

const idp = await createTestIdp('bench-idp', 'https://idp.bench.test/metadata')
const sso = await setUpBenchOrg(ghPort, ADMIN_TOKEN, idp)
if (sso.sp.certificate.trim() !== spKey!.certificatePem.trim()) throw new Error('the server publishes another SP certificate than the key handed to node-saml')
const sp = { entityId: sso.sp.entityId, acsUrl: sso.sp.acsUrl, certificatePem: sso.sp.certificate }
const acsPath = new URL(sp.acsUrl).pathname

const nsCommand = pinned(0, [process.execPath, '--import', 'tsx', 'bench/acs/node-saml-server.ts'])
const ns = spawn(nsCommand[0]!, nsCommand.slice(1), {
  cwd: ROOT,
  env: {
    ...env,
    NODE_ENV: 'production',
    NODE_SAML_BENCH: JSON.stringify({
      port: nsPort,
      path: acsPath,
      idpCert: idp.certificatePem,
      idpIssuer: idp.entityId,
      entityId: sp.entityId,
      acsUrl: sp.acsUrl,
      privateKeyPem: spKey!.privateKeyPem,
    }),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
})
children.push(ns)
await waitHealthy(`http://127.0.0.1:${nsPort}/healthz`, ns, 'node-saml server', dir)

// --orgs N: a second Gatehouse, same SP key and base URL, its database seeded with N other orgs first.
let orgsPid: number | undefined
const orgsPort = ORGS > 0 ? await freePort() : 0
if (ORGS > 0) {
  const orgsDir = join(dir, 'orgs')
  const orgsEnv = { ...env, GATEHOUSE_PORT: String(orgsPort), GATEHOUSE_DATA_DIR: orgsDir, GATEHOUSE_DATABASE_URL: `sqlite:${join(orgsDir, 'gatehouse.db')}` }
  const first = await createRuntime(loadConfig(env), { logger: createLogger('silent'), migrate: false })
  const keys = await first.deps.store.spKeys.listActive()
  await first.close()
  const seeded = await createRuntime(loadConfig(orgsEnv), { logger: createLogger('silent') })
  for (const key of keys) await seeded.deps.store.spKeys.insert(key)
  const started = performance.now()
  const { users } = await seedOrgs(seeded.deps.store, { count: ORGS, certificatePem: idp.certificatePem, now: new Date() })
  await seeded.close()
  console.log(`seeded ${ORGS} orgs (${users} users, members, NameIDs and sessions) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const orgsLog = openSync(join(dir, 'gatehouse-orgs.log'), 'a')
  const command = pinned(0, [process.execPath, ...startFlags, ...nodeArgs, 'bin/gatehouse.js', 'start'])
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env: orgsEnv, stdio: ['ignore', orgsLog, orgsLog] })
  children.push(child)
  await waitHealthy(`http://127.0.0.1:${orgsPort}/healthz`, child, 'Gatehouse (seeded)', dir)
  orgsPid = child.pid!
  const again = await setUpBenchOrg(orgsPort, ADMIN_TOKEN, idp)
  if (again.sp.acsUrl !== sp.acsUrl || again.sp.certificate.trim() !== sp.certificatePem.trim())
    throw new Error('the seeded Gatehouse has another ACS URL or SP certificate')
}

const idleRssMb = rssSampler(ghPid).stop()
console.log(
  `Gatehouse pid ${ghPid} on 127.0.0.1:${ghPort} (${HAS_TASKSET ? 'CPU 0' : 'not pinned: no taskset'}), node-saml server on 127.0.0.1:${nsPort} (${HAS_TASKSET ? 'CPU 0' : 'not pinned'}), autocannon in pid ${process.pid}; ${RUNS} runs × ~${SECONDS} s per cell; node ${process.version}`,
)

// Same-process spot checks: the responses the pools make are accepted by both validators.
const checker = new SAML({
  idpCert: idp.certificatePem,
  idpIssuer: idp.entityId,
  issuer: sp.entityId,
  audience: sp.entityId,
  callbackUrl: sp.acsUrl,
  wantAuthnResponseSigned: false,
  wantAssertionsSigned: true,
  acceptedClockSkewMs: 180_000,
  validateInResponseTo: ValidateInResponseTo.never,
  decryptionPvk: spKey!.privateKeyPem,
})

const measured: Measured[] = ORGS > 0 ? ['gatehouse', 'gatehouse-orgs', 'node-saml'] : ['gatehouse', 'node-saml']
const runs: Run[] = []
const pids: Record<Measured, number> = { gatehouse: ghPid, 'gatehouse-orgs': orgsPid ?? 0, 'node-saml': ns.pid! }
/** Every server process on CPU 0, for settle(). */
const serverPids = [ghPid, ns.pid!, ...(orgsPid === undefined ? [] : [orgsPid])]
const urls: Record<Server, string> = {
  control: '',
  gatehouse: `http://127.0.0.1:${ghPort}${acsPath}`,
  'gatehouse-orgs': `http://127.0.0.1:${orgsPort}${acsPath}`,
  'node-saml': `http://127.0.0.1:${nsPort}${acsPath}`,
}
let userOffset = 0

for (const kind of kinds) {
  const pool = await responsePool(kind, idp, sp)
  for (let i = 0; i < 3; i++) {
    const base64 = await pool.one(i)
    const g = await validateSamlResponse(base64, {
      sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, decryptionKeys: [spKey!.privateKeyPem] },
      idp: { entityId: idp.entityId, certificates: [cachedCertificate(idp.certificatePem)], allowSha1: false },
      requireEncryptedAssertion: false,
      now: new Date(),
    })
    if (!g.ok) throw new Error(`${kind}: Gatehouse's validator refuses a pool response: ${JSON.stringify(g.failure)}`)
    await checker.validatePostResponseAsync({ SAMLResponse: base64 })
  }
  const bodies = async (count: number) => {
    const out = await pool.bodies(count, { userOffset })
    userOffset += count
    return out
  }

  // Warm-up (JIT, caches, JIT-provisioned users) and sizing: 200 requests at 16 connections, then
  // segments of ~1 s at 64 connections until the server's CPU time per request has settled: at least
  // 8 segments, every user of the pool signed in once (so measured runs are returning users'
  // sign-ins), and the last two within 10 % of each other; BENCH_WARMUP_SEGMENTS exactly, if set, or
  // 16 at most. A run is sized from the last segment to last --seconds. (Gatehouse starts at ~4 ms of
  // CPU per 5 KB sign-in and needs ~3,000 of them, ~7 s, to reach 1 ms: V8 compiling. Sized from a
  // single 2 s segment, its runs lasted ~1 s instead of 3, and the first ones were still warming up.)
  const amount: Record<Measured, number> = { gatehouse: 0, 'gatehouse-orgs': 0, 'node-saml': 0 }
  const first = await bodies(200 + 64)
  for (const server of measured) {
    const r0 = await cannon(server, 16, first, 200)
    let failures = r0.failures
    let statuses = r0.statuses
    let sent = 200
    const rates = [r0.rps]
    const cpu: number[] = []
    for (let segment = 0; segment < Number(process.env.BENCH_WARMUP_SEGMENTS ?? 16); segment++) {
      const count = clamp(Math.round(rates.at(-1)! * 1), 100, 20_000)
      const cpuBefore = cpuSeconds(pids[server])
      const r = await cannon(server, 64, await bodies(count + 64), count)
      cpu.push(((cpuSeconds(pids[server]) - cpuBefore) * 1000) / r.requests)
      failures += r.failures
      statuses = { ...statuses, ...r.statuses }
      sent += count
      rates.push(r.rps)
      const [before, last] = [cpu.at(-2) ?? Number.NaN, cpu.at(-1)!]
      if (process.env.BENCH_WARMUP_SEGMENTS === undefined && segment >= 7 && sent >= POOL_USERS + 64 && Math.abs(last - before) <= 0.1 * before) break
    }
    if (failures > 0) console.log(`  warm-up ${server} ${kind}: ${failures} failures ${JSON.stringify(statuses)}`)
    console.log(`  warm-up ${server} ${kind}: ${rates.map((r) => r.toFixed(0)).join(' → ')} req/s; CPU ms/req ${cpu.map((c) => c.toFixed(2)).join(' → ')}`)
    amount[server] = clamp(Math.round(rates.at(-1)! * SECONDS), 100, 30_000)
  }

  for (const connections of CONNECTIONS) {
    for (let run = 0; run < RUNS; run++) {
      const count = Math.max(...measured.map((m) => amount[m]))
      const pooled = await bodies(count + connections + 8)
      const order = run % 2 === 0 ? measured : [...measured].reverse()
      for (const server of order) {
        // Before the CPU sample, so that a server's work on the previous run's dropped requests is not counted here.
        await settle(serverPids)
        const sampler = isGatehouse(server) ? rssSampler(pids[server]) : undefined
        const cpuBefore = cpuSeconds(pids[server])
        const r = await cannon(server, connections, pooled, amount[server])
        const cpuMsPerRequest = ((cpuSeconds(pids[server]) - cpuBefore) * 1000) / r.requests
        const peak = sampler?.stop()
        runs.push({ kind, connections, server, ...r, cpuMsPerRequest, ...(peak === undefined ? {} : { peakRssMb: peak }) })
        if (r.failures > 0) console.log(`  ${server} ${kind} c=${connections} run ${run + 1}: ${r.failures} failures ${JSON.stringify(r.statuses)}`)
      }
    }
  }
  console.log(
    `  done ${kind} (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  )
}

// --- Control: the latency floor of a Node server with Gatehouse's CPU cost per request ---------

const controls: Control[] = []
if (args['no-control'] === undefined) {
  const reference = kinds.includes('small') ? 'small' : kinds[0]!
  const burnMs = median(runs.filter((r) => r.kind === reference && r.server === 'gatehouse').map((r) => r.cpuMsPerRequest))
  const ctPort = await freePort()
  const ctCommand = pinned(0, [process.execPath, '--import', 'tsx', 'bench/acs/control-server.ts'])
  const ct = spawn(ctCommand[0]!, ctCommand.slice(1), {
    cwd: ROOT,
    env: { ...env, CONTROL_PORT: String(ctPort), CONTROL_BURN_MS: burnMs.toFixed(3) },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  children.push(ct)
  await waitHealthy(`http://127.0.0.1:${ctPort}/healthz`, ct, 'control server', dir)
  serverPids.push(ct.pid!)
  urls.control = `http://127.0.0.1:${ctPort}${acsPath}`
  const pool = await responsePool(reference, idp, sp)
  const rate = 1000 / burnMs
  const count = clamp(Math.round(rate * SECONDS), 100, 30_000)
  const bodies = await pool.bodies(count + 72, { userOffset })
  await cannon('control', 64, bodies, count)
  for (const connections of CONNECTIONS) {
    const c: Control = { connections, burnMs, p50: [], p99: [], rps: [] }
    for (let run = 0; run < RUNS; run++) {
      const r = await cannon('control', connections, bodies, count)
      c.p50.push(r.p50)
      c.p99.push(r.p99)
      c.rps.push(r.rps)
    }
    controls.push(c)
  }
}

// --- Report ------------------------------------------------------------------------------------
printReport({ runs, controls, kinds, CONNECTIONS, RUNS, ORGS, idleRssMb })

if (process.env.BENCH_JSON)
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, runs: RUNS, seconds: SECONDS, idleRssMb, results: runs, controls }, null, 2))

stopChildren()
await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))))
if (process.env.BENCH_KEEP) console.log(`kept ${dir}`)

// --- Helpers -----------------------------------------------------------------------------------

async function cannon(server: Server, connections: number, pool: Buffer[], amount: number) {
  if (amount + connections > pool.length) throw new Error(`pool of ${pool.length} too small for ${amount} requests`)
  await settle(serverPids)
  let next = 0
  let wrongLocation = 0
  let lastResponse = 0
  // [index of the request in this run, sent, answered] (performance.now()), for BENCH_TRACE.
  const trace: Array<[number, number, number]> = []
  const started = performance.now()
  const result = await autocannon({
    url: urls[server],
    connections,
    amount,
    // Check every 100 ms whether `amount` is reached (default 1 s), so the servers do not idle between runs.
    sampleInt: 100,
    timeout: 60,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    requests: [
      {
        // autocannon hands each request's setup and response the same context object.
        setupRequest: (request: Record<string, unknown>, context: unknown) => {
          Object.assign(context as object, { index: next, sent: performance.now() })
          return { ...request, body: pool[next++] }
        },
        onResponse: (status: number, _body: string, context: unknown, headers: Record<string, string>) => {
          lastResponse = performance.now()
          const { index, sent } = context as { index: number; sent: number }
          trace.push([index, sent, lastResponse])
          if (status === 303 && headers.location !== '/dashboard') wrongLocation++
        },
      },
    ],
  })
  if (process.env.BENCH_TRACE) {
    // The slowest requests of the run: the first `connections` ones slow means new connections
    // waiting to be accepted; a run of consecutive ones, a stall in the middle.
    const slowest = [...trace].sort((x, y) => y[2] - y[1] - (x[2] - x[1])).slice(0, 10)
    console.log(
      `  trace ${server} c=${connections}: p50 ${result.latency.p50} p99 ${result.latency.p99} ms; slowest (#index sent@ms +latency ms): ${slowest.map(([i, sent, answered]) => `#${i} @${(sent - started).toFixed(0)} +${(answered - sent).toFixed(0)}`).join(', ')}`,
    )
  }
  // From the first request to the last response: autocannon itself only notices that `amount` is
  // reached on its next 1 s tick, so its own duration would round every run up to whole seconds.
  const seconds = (lastResponse - started) / 1000
  if (next > pool.length) throw new Error('the pool wrapped around: responses were sent twice')
  const statuses: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats as Record<string, { count: number }>)) statuses[code] = stat.count
  const ok = Object.entries(statuses)
    .filter(([c]) => c.startsWith('2') || c.startsWith('3'))
    .reduce((s, [, n]) => s + n, 0)
  const bad = Object.entries(statuses)
    .filter(([c]) => !c.startsWith('2') && !c.startsWith('3'))
    .reduce((s, [, n]) => s + n, 0)
  const failures = bad + result.errors + result.timeouts + wrongLocation
  return { requests: ok + bad, seconds, rps: ok / seconds, p50: result.latency.p50, p99: result.latency.p99, failures, statuses }
}
