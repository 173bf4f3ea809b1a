/**
 * Each performance measure, with and without, in one run (issue 16 item 5): the built server as
 * `npm start` runs it ("all"), and beside it one server per measure with only that measure taken out
 * of a copy of dist/ (or of its node flags). All take the same responses (each server has its own
 * SQLite database, so each sees every assertion once), run by run in rotating order, directly and
 * behind Debian's nginx (plain HTTP on loopback, one worker, upstream keep-alive as in
 * docs/deploy/nginx.conf). node-saml (bench/acs/node-saml-server.ts) takes the direct runs too, for
 * the ratio. Servers on CPU 0; autocannon and nginx on CPU 1.
 *
 *   npm run build && npx tsx bench/acs/measures.ts [--rounds 3] [--seconds 3] [--cells small:16,large:64]
 *       [--only acs-queue,form-parser,…] [--no-nginx]
 *
 * What "without" means for each measure is in VARIANTS below. Figures: CPU ms per request (server
 * process, all threads) and p99/p50 are the ones someone else's load moves least; compare a variant
 * with "all" in the same cell, never across runs of this script.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { loadConfig } from '../../src/config.js'
import { RESTART_FLAGS } from '../../src/node-flags.js'
import { activeSpKeys } from '../../src/core/sp-keys.js'
import { createLogger } from '../../src/http/logging.js'
import { createRuntime } from '../../src/runtime.js'
import { createTestIdp } from '../../test/helpers/test-idp.js'
import { FIXTURE_LABEL, type FixtureKind } from './fixtures.js'
import { responsePool } from './pool.js'
import { fmt, median, parseArgs, printTable } from './stats.js'
import { VARIANTS } from './variants.js'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
const args = parseArgs(process.argv.slice(2))
const ROUNDS = Number(args.rounds ?? 3)
const SECONDS = Number(args.seconds ?? 3)
const CELLS = (args.cells ?? 'small:16,large:64').split(',').map((c) => {
  const [kind, connections] = c.split(':')
  return { kind: kind as FixtureKind, connections: Number(connections) }
})
const NGINX = '/usr/sbin/nginx'
const PATHS = args['no-nginx'] === undefined && existsSync(NGINX) ? (['direct', 'nginx'] as const) : (['direct'] as const)
type Path = 'direct' | 'nginx'
const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100
const pinned = (cpu: number, command: string[]) => (HAS_TASKSET ? ['taskset', '-c', String(cpu), ...command] : command)
// `gatehouse start`'s restart flags on the command line: Node 20 cannot re-execute itself with them.
const START_FLAGS: string[] = [...RESTART_FLAGS]

const only = args.only?.split(',')
const variants = VARIANTS.filter((v) => v.name === 'all' || only === undefined || only.includes(v.name))

if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` first')
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-measures-'))
const children: ChildProcess[] = []
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true })
})
process.on('SIGINT', () => process.exit(130))

const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`
const SECRET_KEY = randomBytes(32).toString('hex')
const ports = await Promise.all([...variants, ...variants, 'node-saml'].map(() => freePort()))
const baseUrl = `http://127.0.0.1:${ports[0]}`
const envFor = (name: string, port: number): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  NODE_ENV: 'production',
  GATEHOUSE_BASE_URL: baseUrl,
  GATEHOUSE_HOST: '127.0.0.1',
  GATEHOUSE_PORT: String(port),
  GATEHOUSE_DATA_DIR: join(dir, name, 'data'),
  GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, name, 'data', 'gatehouse.db')}`,
  GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
  GATEHOUSE_SECRET_KEY: SECRET_KEY,
  GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:9',
  GATEHOUSE_LOG_LEVEL: 'info',
})

interface Server {
  name: string
  port: number
  pid: number
}
const servers: Server[] = []
const idp = await createTestIdp('bench-idp', 'https://idp.bench.test/metadata')
let sp: { entityId: string; acsUrl: string; certificatePem: string } | undefined
for (const [index, variant] of variants.entries()) {
  const root = join(dir, variant.name)
  mkdirSync(join(root, 'data'), { recursive: true })
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(root, part), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'))
  symlinkSync(join(ROOT, 'src'), join(root, 'src')) // static assets (src/ui/static)
  await variant.make?.(root)
  const port = ports[index]!
  const flags = variant.flags?.(START_FLAGS) ?? START_FLAGS
  const command = pinned(0, [process.execPath, ...flags, 'bin/gatehouse.js', 'start'])
  const log = openSync(join(root, 'gatehouse.log'), 'a')
  const child = spawn(command[0]!, command.slice(1), { cwd: root, env: envFor(variant.name, port), stdio: ['ignore', log, log] })
  children.push(child)
  await waitHealthy(`http://127.0.0.1:${port}/healthz`, child, variant.name)
  const sso = await setUpOrg(port)
  sp ??= { entityId: sso.sp.entityId, acsUrl: sso.sp.acsUrl, certificatePem: sso.sp.certificate }
  if (sso.sp.acsUrl !== sp.acsUrl) throw new Error(`${variant.name}: another ACS URL`)
  servers.push({ name: variant.name, port, pid: child.pid! })
}
const acsPath = new URL(sp!.acsUrl).pathname

// node-saml, for the ratio (direct only): it needs the SP private key of the first server.
const runtime = await createRuntime(loadConfig(envFor('all', ports[0]!)), { logger: createLogger('silent'), migrate: false })
const [spKey] = await activeSpKeys(runtime.deps)
await runtime.close()
const nsPort = ports.at(-1)!
const nsCommand = pinned(0, [process.execPath, '--import', 'tsx', 'bench/acs/node-saml-server.ts'])
const ns = spawn(nsCommand[0]!, nsCommand.slice(1), {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    NODE_ENV: 'production',
    NODE_SAML_BENCH: JSON.stringify({
      port: nsPort,
      path: acsPath,
      idpCert: idp.certificatePem,
      idpIssuer: idp.entityId,
      entityId: sp!.entityId,
      acsUrl: sp!.acsUrl,
      privateKeyPem: spKey!.privateKeyPem,
    }),
  },
})
children.push(ns)
await waitHealthy(`http://127.0.0.1:${nsPort}/healthz`, ns, 'node-saml')
const targets = [...servers, { name: 'node-saml', port: nsPort, pid: ns.pid! }]

// nginx: one listener per Gatehouse server, each proxying to it as docs/deploy/nginx.conf does.
const nginxPort = new Map<string, number>()
if (PATHS.includes('nginx' as never)) {
  const conf = join(dir, 'nginx')
  mkdirSync(join(conf, 'logs'), { recursive: true })
  const blocks = servers.map((s, i) => {
    nginxPort.set(s.name, ports[variants.length + i]!)
    return `upstream gh_${i} { server 127.0.0.1:${s.port}; keepalive 16; }
  server {
    listen 127.0.0.1:${ports[variants.length + i]};
    client_max_body_size 4m; client_body_buffer_size 4m;
    location / {
      proxy_pass http://gh_${i}; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-Id $request_id; proxy_read_timeout 60s;
    }
  }`
  })
  writeFileSync(
    join(conf, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${conf}/nginx.pid; error_log ${conf}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off; client_body_temp_path ${conf}/body; proxy_temp_path ${conf}/proxy; fastcgi_temp_path ${conf}/fcgi; uwsgi_temp_path ${conf}/uwsgi; scgi_temp_path ${conf}/scgi;
  ${blocks.join('\n  ')}
}
`,
  )
  const command = pinned(1, [NGINX, '-p', conf, '-c', join(conf, 'nginx.conf'), '-e', join(conf, 'logs/error.log')])
  const nginx = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] })
  children.push(nginx)
  await waitHealthy(`http://127.0.0.1:${nginxPort.get('all')}/healthz`, nginx, 'nginx')
}

console.log(
  `${servers.length} Gatehouse servers (${HAS_TASKSET ? 'CPU 0' : 'unpinned'}), node-saml, paths: ${PATHS.join(', ')}; ${ROUNDS} rounds × ${SECONDS} s; node ${process.version}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)

interface Result {
  cell: string
  path: Path
  server: string
  rps: number
  cpuMs: number
  p50: number
  p99: number
  failures: number
  rssMb: number
}
const results: Result[] = []
for (const { kind, connections } of CELLS) {
  const pool = await responsePool(kind, idp, sp!)
  const cell = `${FIXTURE_LABEL[kind]} × ${connections}`
  let offset = 0
  const bodies = async (count: number) => pool.bodies(count, { userOffset: (offset += count) - count })
  // Warm-up: --warmup (8) segments of ~1 s each at `connections`, every server the same bodies; then one run's size from the "all" rate.
  let rate = 200
  for (let segment = 0; segment < Number(args.warmup ?? 8); segment++) {
    const count = Math.max(2 * connections, Math.round(rate))
    const batch = await bodies(count + connections)
    for (const target of targets) {
      const r = await cannon(`http://127.0.0.1:${target.port}${acsPath}`, connections, batch, count, target.pid)
      if (target.name === 'all') rate = Math.max(50, r.rps)
    }
  }
  const amount = Math.max(100, 2 * connections, Math.round(rate * SECONDS))
  console.log(`${cell}: warm, ~${fmt(rate)} req/s, ${amount} requests a run (load ${loadavg()[0]!.toFixed(2)})`)
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of PATHS) {
      const batch = await bodies(amount + connections)
      const list = path === 'direct' ? targets : servers
      const order = list.map((_, i) => list[(i + round) % list.length]!)
      for (const target of order) {
        const port = path === 'direct' ? target.port : nginxPort.get(target.name)!
        const r = await cannon(`http://127.0.0.1:${port}${acsPath}`, connections, batch, amount, target.pid)
        results.push({ cell, path, server: target.name, ...r })
      }
    }
  }
  report(cell)
  if (process.env.BENCH_JSON)
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, rounds: ROUNDS, seconds: SECONDS, results }, null, 2))
}

process.exit(0)

function report(cell: string) {
  for (const path of PATHS) {
    const of = (server: string) => results.filter((r) => r.cell === cell && r.path === path && r.server === server)
    const m = (rs: Result[], key: 'rps' | 'cpuMs' | 'p50' | 'p99') => median(rs.map((r) => r[key]))
    const base = of('all')
    const rows = [...variants.map((v) => v.name), ...(path === 'direct' ? ['node-saml'] : [])].map((name) => {
      const rs = of(name)
      return [
        name === 'all' ? 'all measures' : name === 'node-saml' ? 'node-saml' : `without ${name}`,
        fmt(m(rs, 'rps')),
        fmt(m(rs, 'cpuMs')),
        name === 'all' ? '' : `${((m(rs, 'cpuMs') / m(base, 'cpuMs') - 1) * 100).toFixed(0)} %`,
        fmt(m(rs, 'p50')),
        fmt(m(rs, 'p99')),
        (m(rs, 'p99') / m(rs, 'p50')).toFixed(2),
        rs.map((r) => (r.p99 / r.p50).toFixed(1)).join(' '),
        name === 'node-saml' ? '' : `${Math.max(...rs.map((r) => r.rssMb)).toFixed(0)} MB`,
        String(rs.reduce((s, r) => s + r.failures, 0)),
        name === 'node-saml' ? `÷ ${(m(base, 'rps') / m(rs, 'rps')).toFixed(1)}` : '',
      ]
    })
    console.log(
      `${cell}, ${path}: medians over ${ROUNDS} runs; CPU = server CPU ms per request (all threads), Δ CPU against "all" (load average now ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    )
    printTable(['server', 'req/s', 'CPU ms', 'Δ CPU', 'p50', 'p99', 'p99/p50', 'each run', 'peak RSS', 'fail', 'all ÷ node-saml'], rows)
  }
}

async function cannon(url: string, connections: number, bodies: Buffer[], amount: number, pid: number) {
  await settle()
  let next = 0
  let last = 0
  const rss = rssSampler(pid)
  const cpu0 = cpuSeconds(pid)
  const started = performance.now()
  const result = await autocannon({
    url,
    connections,
    amount,
    sampleInt: 100,
    timeout: 60,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => ({ ...request, body: bodies[next++ % bodies.length] }),
        onResponse: () => {
          last = performance.now()
        },
      },
    ],
  })
  const statuses = result.statusCodeStats as Record<string, { count: number }>
  const ok = Object.entries(statuses)
    .filter(([c]) => c === '303')
    .reduce((s, [, v]) => s + v.count, 0)
  const all = Object.values(statuses).reduce((s, v) => s + v.count, 0)
  const cpuMs = ((cpuSeconds(pid) - cpu0) * 1000) / Math.max(1, all)
  return {
    rps: ok / ((last - started) / 1000),
    cpuMs,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: all - ok + result.errors + result.timeouts,
    rssMb: rss.stop(),
  }
}

/** Until no server process uses CPU any more (two quiet 50 ms samples, 10 s at most): autocannon drops requests in flight at `amount`. */
async function settle() {
  const pids = targets.map((t) => t.pid)
  const deadline = Date.now() + 10_000
  let previous = pids.map(cpuSeconds)
  for (let quiet = 0; quiet < 2 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 50))
    const now = pids.map(cpuSeconds)
    quiet = now.every((v, i) => v === previous[i]) ? quiet + 1 : 0
    previous = now
  }
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

function rssSampler(pid: number) {
  let peak = 0
  const sample = () => {
    peak = Math.max(peak, Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024)
  }
  sample()
  const timer = setInterval(sample, 50)
  return { stop: () => (clearInterval(timer), sample(), peak) }
}

async function setUpOrg(port: number) {
  const operator = async (method: string, path: string, payload: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return text === '' ? undefined : (JSON.parse(text) as unknown)
  }
  await operator('POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator('PUT', '/organizations/acme/sso', { ssoName: 'acme' })
  await operator('PUT', '/organizations/acme/sso/idp', { ssoUrl: 'https://idp.bench.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] })
  await operator('PATCH', '/organizations/acme/sso/policy', { allowIdpInitiated: true, provisioning: 'just-in-time' })
  return (await operator('POST', '/organizations/acme/sso/enable', { skipTest: true })) as { sp: { entityId: string; acsUrl: string; certificate: string } }
}

async function waitHealthy(url: string, child: ChildProcess, name: string) {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} (logs in ${dir}; BENCH_KEEP=1 keeps them)`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${name} did not become healthy within 30 s`)
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}
