/**
 * Can an owner's metadata stall the service? The built server (`node bin/gatehouse.js start` from
 * dist/, SQLite in a temp dir, loopback only) gets an org, its owner and an SSO connection through
 * the operator API; then a few clients post the largest permitted hostile IdP metadata
 * (test/helpers/hostile-metadata.ts; the slowest shape, picked by posting each) to
 * `PUT /api/v1/organizations/{org}/sso/idp` again and again for --seconds, while one more client
 * polls `/healthz` every ~10 ms. Prints healthz p50/p99/max (target p99 < 100 ms) and the hostile
 * requests' latency and outcomes. Every loop is bounded by --seconds; nothing leaves 127.0.0.1.
 *
 *   npm run build && npx tsx bench/metadata-stall.ts [--seconds 20] [--clients 3] [--shape slowest|NAME|old-limits|refused-at-limit]
 *       [--server-dir DIR]
 *
 * --server-dir runs another checkout's built server (e.g. the code before the metadata worker, built
 * in a temporary checkout) with this checkout's bench. --shape old-limits posts what the old limits
 * allowed through the API: 1 MiB of JSON body filled with empty elements; --shape refused-at-limit
 * posts 512 KiB that the worker refuses at once (a DTD), a flood of the largest body. BENCH_JSON=path writes the
 * figures as JSON too; BENCH_GATEHOUSE_NODE_ARGS are node flags for the server process only.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateKeyPair } from '../src/saml/key-pair.js'
import { hostileMetadataShapes as HOSTILE_SHAPES } from '../test/helpers/hostile-metadata.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '3' },
    shape: { type: 'string', default: 'slowest' },
    'server-dir': { type: 'string' },
  },
})
const SECONDS = Number(args.seconds)
const CLIENTS = Number(args.clients)
const ROOT = resolve(args['server-dir'] ?? resolve(fileURLToPath(import.meta.url), '../..'))
const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`
if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error(`${ROOT}/dist is missing: run \`npm run build\` there first`)

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-stall-'))
let server: ChildProcess | undefined = undefined
process.on('exit', (code) => {
  if (server?.exitCode === null) server.kill('SIGTERM')
  if (code !== 0) console.error(`kept ${dir} (database and gatehouse.log)`)
  else rmSync(dir, { recursive: true, force: true })
})
process.on('SIGINT', () => process.exit(130))

const port = await freePort()
const base = `http://127.0.0.1:${port}`
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  NODE_ENV: 'production',
  GATEHOUSE_BASE_URL: base,
  GATEHOUSE_HOST: '127.0.0.1',
  GATEHOUSE_PORT: String(port),
  GATEHOUSE_DATA_DIR: dir,
  GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
  GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
  GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
  GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:9',
  GATEHOUSE_SMTP_FROM: 'Gatehouse <no-reply@bench.example>',
  GATEHOUSE_LOG_LEVEL: 'warn',
}
const log = openSync(join(dir, 'gatehouse.log'), 'a')
// BENCH_GATEHOUSE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") are node flags for the server only.
const nodeArgs = (process.env.BENCH_GATEHOUSE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
// The server runs as `npm start` runs it: the same node flags (package.json scripts.start).
const startScript = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
const startFlags =
  /^node((?:\s+--\S+)*)\s+bin\/gatehouse\.js start$/
    .exec(startScript)?.[1]
    ?.trim()
    .split(/\s+/)
    .filter((f) => f !== '') ?? []
server = spawn(process.execPath, [...startFlags, ...nodeArgs, 'bin/gatehouse.js', 'start'], { cwd: ROOT, env, stdio: ['ignore', log, log] })
await waitHealthy()

await operator('POST', '/organizations', { name: 'Stall', slug: 'stall' })
await operator('POST', '/organizations/stall/members', { email: 'owner@stall.test', role: 'owner', password: 'correct horse battery' })
await operator('PUT', '/organizations/stall/sso', { ssoName: 'stall' })

const pair = await generateKeyPair({ commonName: 'hostile', notBefore: new Date('2024-01-01T00:00:00Z'), years: 10 })
const certificate = pair.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '')

/** One post of the metadata: latency, status and error code. */
async function post(xml: string): Promise<{ ms: number; status: number; code: string }> {
  const started = performance.now()
  const res = await fetch(`${base}/api/v1/organizations/stall/sso/idp`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ metadataXml: xml }),
  })
  const body = await res.text()
  const code = res.ok ? 'accepted' : ((JSON.parse(body) as { error?: { code?: string } }).error?.code ?? String(res.status))
  return { ms: performance.now() - started, status: res.status, code }
}

let shapeName = args.shape
let hostile: string
if (shapeName === 'old-limits') {
  // The most empty elements the API's 1 MiB body took before (10 MiB and 1 000 000 elements allowed).
  hostile = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">${'<a/>'.repeat(Math.floor((1024 * 1024 - 200) / 4))}</md:EntityDescriptor>`
} else if (shapeName === 'refused-at-limit') {
  // The byte limit's worth of metadata the worker refuses at once (a DTD): what a flood costs the event loop itself.
  const padded = HOSTILE_SHAPES.characterReferences!(certificate)
  hostile = `<!DOCTYPE x>${padded}`.slice(0, 512 * 1024)
} else if (shapeName === 'slowest') {
  let slowest = { name: '', ms: -1 }
  for (const [name, make] of Object.entries(HOSTILE_SHAPES)) {
    const xml = make(certificate)
    const times: number[] = []
    let outcome = ''
    for (let i = 0; i < 3; i++) {
      const r = await post(xml)
      times.push(r.ms)
      outcome = `${r.status} ${r.code}`
    }
    const median = times.sort((a, b) => a - b)[1]!
    console.log(`shape ${name.padEnd(20)} ${String(Buffer.byteLength(xml)).padStart(7)} bytes: median ${median.toFixed(0)} ms (${outcome})`)
    if (median > slowest.ms) slowest = { name, ms: median }
  }
  shapeName = slowest.name
  hostile = HOSTILE_SHAPES[shapeName]!(certificate)
} else {
  const make = HOSTILE_SHAPES[shapeName]
  if (make === undefined) throw new Error(`--shape: one of slowest, old-limits, refused-at-limit, ${Object.keys(HOSTILE_SHAPES).join(', ')}`)
  hostile = make(certificate)
}
console.log(`posting ${shapeName} (${Buffer.byteLength(hostile)} bytes) from ${CLIENTS} clients for ${SECONDS} s, polling /healthz every 10 ms`)

const healthz: number[] = []
const healthzFailures: string[] = []
const hostileResults: { ms: number; code: string }[] = []

const poll = async (deadline: number, healthz: number[]) => {
  while (performance.now() < deadline) {
    const started = performance.now()
    try {
      const res = await fetch(`${base}/healthz`)
      await res.text()
      if (!res.ok) healthzFailures.push(String(res.status))
    } catch (error) {
      healthzFailures.push((error as Error).message)
    }
    const ms = performance.now() - started
    healthz.push(ms)
    if (ms < 10) await new Promise((r) => setTimeout(r, 10 - ms))
  }
}
const attack = async (deadline: number) => {
  while (performance.now() < deadline) {
    try {
      const r = await post(hostile)
      hostileResults.push({ ms: r.ms, code: `${r.status} ${r.code}` })
    } catch (error) {
      hostileResults.push({ ms: 0, code: `error ${(error as Error).message}` })
    }
  }
}
// The floor first: /healthz alone for 5 s shows what the machine's own load costs it.
const quiet: number[] = []
await poll(performance.now() + 5_000, quiet)
const deadline = performance.now() + SECONDS * 1000
await Promise.all([poll(deadline, healthz), ...Array.from({ length: CLIENTS }, () => attack(deadline))])

const summary = {
  server: ROOT,
  shape: shapeName,
  bytes: Buffer.byteLength(hostile),
  seconds: SECONDS,
  clients: CLIENTS,
  healthzAlone: { requests: quiet.length, ...percentiles(quiet) },
  healthz: { requests: healthz.length, failures: healthzFailures.length, ...percentiles(healthz) },
  hostile: {
    requests: hostileResults.length,
    outcomes: Object.fromEntries([...new Set(hostileResults.map((r) => r.code))].map((c) => [c, hostileResults.filter((r) => r.code === c).length])),
    ...percentiles(hostileResults.map((r) => r.ms)),
  },
}
console.log(`healthz alone (5 s before): p50 ${summary.healthzAlone.p50} ms, p99 ${summary.healthzAlone.p99} ms, max ${summary.healthzAlone.max} ms`)
console.log(
  `healthz: ${summary.healthz.requests} requests, ${summary.healthz.failures} failed; p50 ${summary.healthz.p50} ms, p99 ${summary.healthz.p99} ms, max ${summary.healthz.max} ms  (target p99 < 100 ms: ${summary.healthz.p99 < 100 ? 'met' : 'NOT met'})`,
)
console.log(
  `hostile: ${summary.hostile.requests} requests ${JSON.stringify(summary.hostile.outcomes)}; p50 ${summary.hostile.p50} ms, p99 ${summary.hostile.p99} ms, max ${summary.hostile.max} ms`,
)
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(summary, null, 2))
// Let the server shut down by itself (a --cpu-prof is written at its exit), at most 10 s.
await new Promise((done) => {
  server.once('exit', done)
  server.kill('SIGTERM')
  setTimeout(done, 10_000).unref()
})
process.exit(0)

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0)
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted[sorted.length - 1] ?? 0) }
}

async function operator(method: string, path: string, payload: unknown): Promise<unknown> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text === '' ? undefined : JSON.parse(text)
}

async function waitHealthy(): Promise<void> {
  const until = Date.now() + 30_000
  while (Date.now() < until) {
    if (server!.exitCode !== null)
      throw new Error(`the server exited with ${server!.exitCode}: ${readFileSync(join(dir, 'gatehouse.log'), 'utf8').slice(-2000)}`)
    try {
      if ((await fetch(`${base}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the server did not become healthy within 30 s')
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => done(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}
