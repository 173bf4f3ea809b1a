/**
 * Webhook delivery benchmark (issue 19 item 6; `npm run bench:events`): the built server
 * (`node bin/gatehouse.js start`, its node flags) as a real process pinned to CPU 0 (bench/acs/pin.sh),
 * one webhook registered through the API to a local keep-alive receiver (bench/events/receiver.ts,
 * its own process on CPU 1). The receiver starts down (503): a writer process (bench/events/writer.ts,
 * on CPU 1: the store's own insert, in transactions of 250, as core's changes write them) puts
 * BENCH_EVENTS (10,000) events into the stream; then the receiver comes up, and the backlog is timed
 * from the first arrival to the last (the worker's first retry comes 1–10 s after its first failure).
 * An operator API request (GET /api/v1/organizations?limit=20, 20 orgs) goes out open-loop every
 * 10 ms: first for 5 s with nothing being delivered (its usual p50/p99), then while the backlog goes
 * out. This process does nothing else meanwhile, so the probe's latencies are the server's. (Writing
 * while delivering would time another thing: on SQLite the server's own commits wait for a foreign
 * process's write lock, which a deployment does not have — its writes come from the server itself.)
 *
 * SQLite file in a temp dir by default; BENCH_DATABASE_URL=postgres://…/<existing db> makes a fresh
 * database beside it for the run (and drops it). The server runs without NODE_ENV=production: the
 * production URL rules refuse a loopback receiver (everything else on the delivery path is the same).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ensureBuilt, ROOT } from '../../scripts/dist.mjs'
import type { DatabaseConfig } from '../../src/config.js'
import { RESTART_FLAGS } from '../../src/node-flags.js'
import { cpuSeconds, freePort, HAS_TASKSET, waitHealthy } from '../acs/processes.js'
import { fmt } from '../acs/stats.js'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000)
const PROBE_EVERY_MS = 10
const BASELINE_MS = 5_000
const TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`
const PG_URL = process.env.BENCH_DATABASE_URL

ensureBuilt(ROOT)
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
console.log(`load average at start: ${load()}; node ${process.version}; ${HAS_TASKSET ? 'server on CPU 0, receiver on CPU 1' : 'not pinned: no taskset'}`)

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-events-'))
const children: ChildProcess[] = []
let dropDatabase = async () => {}
process.on('exit', (code) => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  if (code !== 0) console.error(`kept ${dir} (gatehouse.log)`)
  else rmSync(dir, { recursive: true, force: true })
})
process.on('SIGINT', () => process.exit(130))

async function adminSql(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

let database: DatabaseConfig
let databaseUrl: string
if (PG_URL === undefined) {
  database = { dialect: 'sqlite', path: join(dir, 'gatehouse.db') }
  databaseUrl = `sqlite:${database.path}`
} else {
  const name = `gh_bench_events_${randomBytes(4).toString('hex')}`
  await adminSql(`create database ${name}`)
  dropDatabase = () => adminSql(`drop database if exists ${name} with (force)`)
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  databaseUrl = url.toString()
  database = { dialect: 'postgres', url: databaseUrl }
}

const port = await freePort()
const base = `http://127.0.0.1:${port}`
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  GATEHOUSE_BASE_URL: base,
  GATEHOUSE_HOST: '127.0.0.1',
  GATEHOUSE_PORT: String(port),
  GATEHOUSE_DATA_DIR: dir,
  GATEHOUSE_DATABASE_URL: databaseUrl,
  GATEHOUSE_ADMIN_TOKEN: TOKEN,
  GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
  GATEHOUSE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
}
const log = openSync(join(dir, 'gatehouse.log'), 'a')
const server = spawn('sh', ['bench/acs/pin.sh', '0', process.execPath, ...RESTART_FLAGS, 'bin/gatehouse.js', 'start'], {
  cwd: ROOT,
  env,
  stdio: ['ignore', log, log],
})
children.push(server)
await waitHealthy(`${base}/readyz`, server, 'Gatehouse', dir)
// pin.sh execs taskset, which execs node: the child's pid is the server's own.
const serverPid = server.pid!

type Done = { done: true; first: number; last: number; distinct: number; duplicates: number; outOfOrder: number; connections: number }
const receiver = spawn('sh', ['bench/acs/pin.sh', '1', process.execPath, '--import', 'tsx', 'bench/events/receiver.ts', String(EVENTS)], {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
children.push(receiver)
const messages: ((m: unknown) => void)[] = []
receiver.on('message', (m) => messages.shift()?.(m))
const nextMessage = <T>() => new Promise<T>((resolve) => messages.push(resolve as (m: unknown) => void))
const { port: receiverPort } = await nextMessage<{ port: number }>()

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

for (let i = 0; i < 20; i++) {
  const res = await api('POST', '/organizations', { name: `Bench ${i}`, slug: `bench-${i}` })
  if (res.status !== 201) throw new Error(`creating an org answered ${res.status}`)
}
const hook = await api('POST', '/webhooks', { url: `http://127.0.0.1:${receiverPort}/hook` })
if (hook.status !== 201) throw new Error(`registering the webhook answered ${hook.status}: ${await hook.text()}`)

/** The API probe: one request every PROBE_EVERY_MS whether or not the last has answered (open loop). */
function probe() {
  const latencies: number[] = []
  /** When each of `latencies` was sent (wall clock ms, as the writer's times). */
  const sentAt: number[] = []
  let errors = 0
  const inFlight = new Set<Promise<void>>()
  const timer = setInterval(() => {
    const start = performance.now()
    const p = api('GET', '/organizations?limit=20')
      .then(async (res) => {
        await res.arrayBuffer()
        if (res.ok) {
          latencies.push(performance.now() - start)
          sentAt.push(performance.timeOrigin + start)
        } else errors++
      })
      .catch(() => void errors++)
      .finally(() => inFlight.delete(p))
    inFlight.add(p)
  }, PROBE_EVERY_MS)
  return async () => {
    clearInterval(timer)
    await Promise.all(inFlight)
    return { latencies, sentAt, errors }
  }
}

/** The writer: its own process on CPU 1 (writer.ts); resolves with its start and end (wall clock ms). */
function writeEvents(): Promise<{ start: number; end: number }> {
  const writer = spawn(
    'sh',
    ['bench/acs/pin.sh', '1', process.execPath, '--import', 'tsx', 'bench/events/writer.ts', JSON.stringify(database), String(EVENTS)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  children.push(writer)
  return new Promise((resolve, reject) => {
    writer.once('message', (m) => resolve(m as { start: number; end: number }))
    writer.once('exit', (code) => reject(new Error(`the event writer exited (${code}) before it finished`)))
  })
}

function quantiles(values: number[]) {
  const s = [...values].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN }
}

/** The control: bare sequential keep-alive POSTs to the receiver from CPU 0 (control-client.ts). */
async function control(): Promise<{ rate: number; ms: number }> {
  const client = spawn('sh', ['bench/acs/pin.sh', '0', process.execPath, '--import', 'tsx', 'bench/events/control-client.ts', String(receiverPort)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const answer = await new Promise<{ rate: number; ms: number }>((resolve) => client.once('message', (m) => resolve(m as { rate: number; ms: number })))
  await new Promise((r) => (client.exitCode !== null ? r(null) : client.once('exit', r)))
  return answer
}
const controlBefore = await control()

// Warm the server's routes first, then its usual latency with nothing to deliver.
const warm = probe()
await new Promise((r) => setTimeout(r, 1_000))
await warm()
const stopBaseline = probe()
await new Promise((r) => setTimeout(r, BASELINE_MS))
const baseline = await stopBaseline()

const done = nextMessage<Done>()
const { start: writeStart, end: writeEnd } = await writeEvents()
const stopProbe = probe()
const cpuBefore = cpuSeconds(serverPid)
const receiverCpuBefore = cpuSeconds(receiver.pid!)
const ownCpuBefore = process.cpuUsage()
const upAt = performance.timeOrigin + performance.now()
receiver.send('up')
const result = await done
const cpu = cpuSeconds(serverPid) - cpuBefore
const receiverCpu = cpuSeconds(receiver.pid!) - receiverCpuBefore
const ownCpu = process.cpuUsage(ownCpuBefore)
const during = await stopProbe()
const loadEnd = load()
const controlAfter = await control()

// The requests sent between the first and the last arrival: the ones answered while deliveries went out.
const b = quantiles(baseline.latencies)
const d = quantiles(during.latencies.filter((_, i) => during.sentAt[i]! >= result.first && during.sentAt[i]! < result.last))
const seconds = (result.last - result.first) / 1000
console.log(
  `\n${database.dialect}: ${EVENTS} events written in ${fmt((writeEnd - writeStart) / 1000)} s (transactions of 250, by the writer process) while the receiver was down`,
)
console.log(
  `delivered: ${result.distinct} distinct in ${fmt(seconds)} s, first to last arrival = ${fmt(EVENTS / seconds)}/s ` +
    `(the first came ${fmt((result.first - upAt) / 1000)} s after the receiver came up: the worker's retry); duplicates ${result.duplicates}, out of order ${result.outOfOrder}, connections ${result.connections}`,
)
console.log(
  `CPU from the receiver coming up to the last arrival: server ${fmt(cpu)} s (${fmt((cpu * 1000) / EVENTS)} ms per delivery, probe included; ${fmt((100 * cpu) / seconds)} % of its core while delivering), ` +
    `receiver ${fmt(receiverCpu)} s, this process ${fmt((ownCpu.user + ownCpu.system) / 1e6)} s; wall per delivery ${fmt((seconds * 1000) / EVENTS)} ms`,
)
console.log(
  `control (bare sequential keep-alive POSTs to the receiver from CPU 0): before ${fmt(controlBefore.rate)}/s (${fmt(controlBefore.ms)} ms each), after ${fmt(controlAfter.rate)}/s (${fmt(controlAfter.ms)} ms)`,
)
console.log(`GET /api/v1/organizations?limit=20 every ${PROBE_EVERY_MS} ms (ms):`)
console.log(`  idle       n=${b.n} p50 ${fmt(b.p50)} p99 ${fmt(b.p99)} max ${fmt(b.max)} errors ${baseline.errors}`)
console.log(`  delivering n=${d.n} p50 ${fmt(d.p50)} p99 ${fmt(d.p99)} max ${fmt(d.max)} errors ${during.errors}`)
console.log(`load average at end: ${loadEnd}`)
if (result.duplicates > 0 || result.outOfOrder > 0 || baseline.errors + during.errors > 0) {
  console.error(`errors in the run: see ${join(dir, 'gatehouse.log')}`)
  console.error(readFileSync(join(dir, 'gatehouse.log'), 'utf8').slice(-2000))
}
await dropDatabase()
process.exit(0)
