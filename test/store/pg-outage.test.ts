/**
 * Database outages are survived (DESIGN §6, issue 15 item 1). The built server runs as a child process
 * on a PostgreSQL cluster of this file's own, which is stopped (fast, immediate), has Gatehouse's
 * connections terminated, under a bounded load of API writes and while idle. The process lives,
 * requests during the outage answer 503 with Retry-After and never the database's address, it
 * recovers by itself, and every write acknowledged with 201 is there afterwards. With the database
 * down at start it retries, and gives up after GATEHOUSE_DATABASE_START_TIMEOUT with one line.
 * Runs in CI's PostgreSQL pass (GATEHOUSE_TEST_DATABASE_URL set); says so otherwise.
 */
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT, spawnCli } from '../helpers/built-cli.js'
import { DIALECT } from '../helpers/database.js'
import { createThrowawayPostgres, postgresBinariesPresent, type ThrowawayPostgres } from '../helpers/throwaway-postgres.js'

const TOKEN = 'outage-admin-token-0123456789abcdef'
const PASSWORD = 'db-pass-w0rd-never-shown'
const run = DIALECT === 'postgres' && postgresBinariesPresent()
if (DIALECT !== 'postgres') console.log('database outage test skipped: it runs in the PostgreSQL pass (GATEHOUSE_TEST_DATABASE_URL=postgres://…)')
else if (!run) console.log('database outage test skipped: PostgreSQL 15 server binaries are absent (apt-get install postgresql-15)')

interface Gatehouse {
  readonly child: ChildProcess
  readonly port: number
  output(): string
  exited: Promise<number | null>
}

function startGatehouse(cluster: ThrowawayPostgres, port: number, env: Record<string, string> = {}): Gatehouse {
  const cli = spawnCli(['start'], ROOT, {
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_BASE_URL: `http://127.0.0.1:${port}`,
    GATEHOUSE_ADMIN_TOKEN: TOKEN,
    GATEHOUSE_SECRET_KEY: '33'.repeat(32),
    GATEHOUSE_DATABASE_URL: cluster.url(PASSWORD),
    GATEHOUSE_LOG_LEVEL: 'warn',
    GATEHOUSE_RATE_LIMIT_IP: '1000000',
    ...env,
  })
  return { child: cli.child, port, output: () => cli.stdout() + cli.stderr(), exited: cli.exited }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The Gatehouse process under test: waiting on it ends at once if it died. */
let watched: ChildProcess | undefined

/** Polls `check` every 25 ms; the bound is only a safety net. */
async function until(what: string, check: () => boolean | Promise<boolean>, safetyMs = 20_000): Promise<void> {
  const end = Date.now() + safetyMs
  while (!(await check())) {
    if (watched !== undefined && watched.exitCode !== null) throw new Error(`Gatehouse exited (code ${watched.exitCode}) while waiting for ${what}`)
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

function api(port: number, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
}

interface Outcome {
  readonly at: number
  readonly status: number | 'no answer'
  readonly slug: string
}

/** Writers creating organizations until stopped (at most `max` each): what each request got. */
function startLoad(port: number, prefix: string, writers = 3, max = 400) {
  const outcomes: Outcome[] = []
  const problems: string[] = []
  let stopped = false
  let n = 0
  const writer = async () => {
    for (let i = 0; i < max && !stopped; i++) {
      const slug = `${prefix}-${n++}`
      let response: Response
      try {
        response = await api(port, '/organizations', { method: 'POST', body: { name: `Org ${slug}`, slug } })
      } catch {
        outcomes.push({ at: Date.now(), status: 'no answer', slug })
        await sleep(20)
        continue
      }
      const body = await response.text()
      outcomes.push({ at: Date.now(), status: response.status, slug })
      if (response.status === 503) {
        problems.push(...answerProblems(response, body, 'application/json'))
        await sleep(20)
      } else if (response.status !== 201) {
        problems.push(`${response.status}: ${body.slice(0, 200)}`)
      }
    }
  }
  const done = Promise.all(Array.from({ length: writers }, writer))
  return {
    outcomes,
    problems,
    acknowledged: () => outcomes.filter((o) => o.status === 201).map((o) => o.slug),
    async stop() {
      stopped = true
      await done
    },
  }
}

let clusterPort = 0

/** What is wrong with a 503 answer: the code, Retry-After, and no database address or secret. */
function answerProblems(response: Response, body: string, type: string): string[] {
  const problems: string[] = []
  if (response.headers.get('retry-after') !== '5') problems.push(`Retry-After ${response.headers.get('retry-after')}`)
  if (!String(response.headers.get('content-type')).startsWith(type)) problems.push(`content-type ${response.headers.get('content-type')}`)
  if (type === 'application/json' && !body.includes('"code":"database_unavailable"')) problems.push(`body ${body.slice(0, 200)}`)
  for (const leak of ['127.0.0.1', String(clusterPort), 'ECONNREFUSED', PASSWORD, 'postgres://', 'terminating connection']) {
    if (body.includes(leak)) problems.push(`body names ${leak}: ${body.slice(0, 300)}`)
  }
  return problems
}

/** Every organization's slug, through the API's pages. */
async function allSlugs(port: number): Promise<Set<string>> {
  const slugs = new Set<string>()
  let after: string | null = null
  do {
    const response: Response = await api(port, `/organizations?limit=200${after === null ? '' : `&after=${after}`}`)
    expect(response.status).toBe(200)
    const page = (await response.json()) as { data: { slug: string }[]; nextCursor: string | null }
    for (const org of page.data) slugs.add(org.slug)
    after = page.nextCursor
  } while (after !== null)
  return slugs
}

describe.runIf(run)('a PostgreSQL outage', () => {
  let cluster: ThrowawayPostgres
  let gatehouse: Gatehouse
  const children: ChildProcess[] = []
  const figures: string[] = []

  beforeAll(async () => {
    ensureBuilt() // the built server is what runs in production
    cluster = await createThrowawayPostgres()
    clusterPort = cluster.port
    await cluster.start()
    gatehouse = startGatehouse(cluster, 5100 + Math.floor(Math.random() * 400))
    children.push(gatehouse.child)
    watched = gatehouse.child
    await until(
      'Gatehouse to answer',
      async () =>
        (await api(gatehouse.port, '/organizations').then(
          (r) => r.status,
          () => 0,
        )) === 200,
    )
  }, 150_000)

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    await cluster?.remove()
    if (figures.length > 0) console.log(`database outage figures:\n  ${figures.join('\n  ')}`)
  })

  /**
   * Load, fault, outage, recovery: the process lives, the outage answers 503 only, the first success
   * after the database is back comes without a restart, and nothing acknowledged is lost.
   */
  async function outageUnderLoad(name: string, fault: () => Promise<void>, restore: () => Promise<void>, down: boolean): Promise<void> {
    const load = startLoad(gatehouse.port, name)
    await until('writes before the fault', () => load.acknowledged().length >= 10)
    await fault()
    const faultAt = Date.now()
    if (down) {
      // Refusals during the outage (whether each is a proper 503 is checked below, with the rest).
      await until('refusals during the outage', () => load.outcomes.filter((o) => o.at > faultAt && o.status !== 201).length >= 5)
      // A page that needs the database (a session cookie to look up) is the usual page, with its headers.
      const page = await fetch(`http://127.0.0.1:${gatehouse.port}/login`, { headers: { cookie: 'gh_session=a'.padEnd(54, 'b') } })
      const html = await page.text()
      expect(page.status).toBe(503)
      expect(answerProblems(page, html, 'text/html')).toEqual([])
      expect(html).toContain('cannot reach its database')
      expect(page.headers.get('content-security-policy')).toContain("form-action 'self';")
      expect(page.headers.get('x-frame-options')).toBe('DENY')
      // The OpenID Connect provider's routes (their storage is the database) answer the same way.
      const authorize = await fetch(
        `http://127.0.0.1:${gatehouse.port}/oidc/auth?client_id=outage-app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.test%2Fcb`,
        { headers: { accept: 'text/html' } },
      )
      const authorizeHtml = await authorize.text()
      expect(authorize.status).toBe(503)
      expect(answerProblems(authorize, authorizeHtml, 'text/html')).toEqual([])
      expect(authorizeHtml).toContain('cannot reach its database')
    }
    await restore()
    const backAt = Date.now()
    await until('a write to succeed after the database is back', () => load.outcomes.some((o) => o.at >= backAt && o.status === 201))
    const firstSuccess = load.outcomes.find((o) => o.at >= backAt && o.status === 201)!.at - backAt
    await until('more writes after recovery', () => load.outcomes.filter((o) => o.at >= backAt && o.status === 201).length >= 10)
    await load.stop()

    expect(gatehouse.child.exitCode).toBeNull()
    expect(load.problems).toEqual([])
    const statuses = new Set(load.outcomes.map((o) => o.status))
    expect([...statuses].sort()).toEqual(down || statuses.has(503) ? [201, 503] : [201])
    const present = await allSlugs(gatehouse.port)
    const lost = load.acknowledged().filter((slug) => !present.has(slug))
    expect(lost).toEqual([])
    const failed = load.outcomes.filter((o) => o.status !== 201).length
    figures.push(
      `${name}: ${load.outcomes.length} writes, ${load.acknowledged().length} acknowledged, ${failed} failed (all 503), first success ${firstSuccess} ms after the database was back, ${lost.length} lost`,
    )
  }

  it('survives a fast shutdown under load: 503 with Retry-After meanwhile, then recovers with nothing acknowledged lost', async () => {
    await outageUnderLoad(
      'fast',
      () => cluster.stop('fast'),
      () => cluster.start(),
      true,
    )
  })

  it('survives an immediate shutdown (a crash) under load the same way', async () => {
    await outageUnderLoad(
      'immediate',
      () => cluster.stop('immediate'),
      () => cluster.start(),
      true,
    )
  })

  it('survives pg_terminate_backend of its connections under load the same way', async () => {
    let terminated = 0
    await outageUnderLoad(
      'terminate',
      async () => {
        terminated = await cluster.terminateBackends()
      },
      async () => {},
      false,
    )
    expect(terminated).toBeGreaterThan(0)
  })

  it('survives a shutdown while idle: the pooled connections fail, are logged without secrets, and are replaced', async () => {
    // Connections left idle in the pool by the writes above.
    expect((await api(gatehouse.port, '/organizations')).status).toBe(200)
    const logged = gatehouse.output().split('a database connection failed').length
    await cluster.stop('fast')
    await until("the idle connections' failure to be logged", () => gatehouse.output().split('a database connection failed').length > logged)
    const response = await api(gatehouse.port, '/organizations')
    const body = await response.text()
    expect(response.status).toBe(503)
    expect(answerProblems(response, body, 'application/json')).toEqual([])
    await cluster.start()
    const backAt = Date.now()
    await until('a read to succeed', async () => (await api(gatehouse.port, '/organizations')).status === 200)
    figures.push(`idle fast shutdown: first success ${Date.now() - backAt} ms after the database was back`)
    expect(gatehouse.child.exitCode).toBeNull()
    expect(gatehouse.output()).not.toContain(PASSWORD)
  })

  it('retries a database that is down at start and starts once it comes up', async () => {
    await cluster.stop('fast')
    const late = startGatehouse(cluster, gatehouse.port + 1, { GATEHOUSE_DATABASE_START_TIMEOUT: '30' })
    children.push(late.child)
    await until('two retries to be logged', () => late.output().split('the database does not answer yet').length > 2)
    expect(late.child.exitCode).toBeNull()
    await cluster.start()
    const backAt = Date.now()
    await until(
      'the late starter to answer',
      async () =>
        (await api(late.port, '/organizations').then(
          (r) => r.status,
          () => 0,
        )) === 200,
    )
    figures.push(`down at start: answered ${Date.now() - backAt} ms after the database was up (retries 0.5 s doubling to 5 s)`)
    expect(late.output()).not.toContain(PASSWORD)
    late.child.kill('SIGTERM')
    expect(await late.exited).toBe(0)
  })

  it('gives up after GATEHOUSE_DATABASE_START_TIMEOUT with one clear line', async () => {
    await cluster.stop('immediate')
    const doomed = startGatehouse(cluster, gatehouse.port + 2, { GATEHOUSE_DATABASE_START_TIMEOUT: '1' })
    children.push(doomed.child)
    expect(await doomed.exited).toBe(1)
    const lines = doomed
      .output()
      .split('\n')
      .filter((line) => line.startsWith('gatehouse:'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^gatehouse: cannot use the database \(GATEHOUSE_DATABASE_URL\): no answer within 1 s \(GATEHOUSE_DATABASE_START_TIMEOUT\) after \d+ tr(y|ies): /,
    )
    expect(doomed.output()).not.toContain(PASSWORD)
    await cluster.start()
  })
})
