/**
 * /healthz (liveness, no database) and /readyz (database reachable, migrated and writable), against a
 * working database, a database missing a migration, PostgreSQL down, a read-only database file and a
 * full disk (the last two on SQLite files under a read-only bind mount and a small tmpfs: root only).
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/http/app.js'
import { createLogger } from '../../src/http/logging.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import { DIALECT, TEST_DATABASE_URL } from '../helpers/database.js'
import { createTestContext, testConfig, type TestContext } from '../helpers/test-app.js'
import { Writable } from 'node:stream'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  // Every cleanup runs even if one fails: a mount must never be left behind.
  const failures: unknown[] = []
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup()
    } catch (error) {
      failures.push(error)
    }
  }
  if (failures.length > 0) throw failures[0]
})

/** A runtime and app over the given database, without the test context's checks (it may be down). */
async function appOver(database: Parameters<typeof createRuntime>[0]['database'], options: { migrate?: boolean; waitForDatabase?: boolean } = {}) {
  const lines: string[] = []
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk))
        done()
      },
    }),
  )
  const runtime: Runtime = await createRuntime(
    { ...testConfig(), database },
    { logger, migrate: options.migrate ?? true, waitForDatabase: options.waitForDatabase ?? true, checkpointIntervalMs: 3_600_000 },
  )
  const app = await buildApp(testConfig(), runtime.deps)
  cleanups.push(async () => {
    await app.close()
    await runtime.close()
  })
  return { app, runtime, logs: () => lines.join('') }
}

const canMount = process.getuid?.() === 0

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' })
}

/** Unmounts, lazily if something (another test file's process) still holds a file there: never left behind. */
function unmount(target: string): void {
  try {
    execFileSync('umount', [target], { stdio: 'pipe' })
  } catch {
    execFileSync('umount', ['-l', target], { stdio: 'pipe' })
  }
}

describe('health and readiness', () => {
  let ctx: TestContext | undefined
  afterEach(async () => {
    await ctx?.close()
    ctx = undefined
  })

  it('answers /readyz 200 when the database is reachable, migrated and writable, and writes its probe row', async () => {
    ctx = await createTestContext()
    const res = await ctx.app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ready' })
    const row = await ctx.runtime.db.selectFrom('readiness_probe').selectAll().executeTakeFirstOrThrow()
    expect(row.checked_at).toBe(ctx.clock.now().toISOString())
  })

  it('answers /readyz 503 naming the pending migration when the database lacks one', async () => {
    ctx = await createTestContext()
    await sql`delete from kysely_migration where name = '2026_12_06_1200_ops_ready'`.execute(ctx.runtime.db)
    const res = await ctx.app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual({ status: 'not ready', reason: 'database not migrated: 1 migration(s) pending, the first 2026_12_06_1200_ops_ready' })
  })

  it('logs neither /healthz nor /readyz per call, while other requests are logged', async () => {
    ctx = await createTestContext()
    for (let i = 0; i < 3; i++) {
      expect((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
      expect((await ctx.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    }
    await ctx.app.inject({ method: 'GET', url: '/login' })
    expect(ctx.logs()).not.toContain('/healthz')
    expect(ctx.logs()).not.toContain('/readyz')
    expect(ctx.logs()).toContain('"/login"')
  })
})

describe('PostgreSQL down', () => {
  it('answers /healthz 200 and /readyz 503 "connection refused" without the address or the password', async () => {
    const { app } = await appOver(
      { dialect: 'postgres', url: 'postgres://gatehouse:hunter2-secret@127.0.0.1:1/gatehouse' },
      { migrate: false, waitForDatabase: false },
    )
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual({ status: 'not ready', reason: 'database unreachable: connection refused (ECONNREFUSED)' })
    expect(res.body).not.toMatch(/127\.0\.0\.1|hunter2|gatehouse:/)
  })

  it.skipIf(DIALECT !== 'postgres')('answers /readyz 503 "database does not exist" for a database that is not there', async () => {
    const url = new URL(TEST_DATABASE_URL!)
    url.pathname = '/gatehouse_no_such_database'
    // As after the database went away once Gatehouse was up: start-up would refuse it (pg-outage.test.ts).
    const { app } = await appOver({ dialect: 'postgres', url: url.toString() }, { migrate: false, waitForDatabase: false })
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json().reason).toBe('database unreachable: database does not exist (3D000)')
    expect(res.body).not.toContain('gatehouse_no_such_database')
  })
})

describe.skipIf(!canMount)('SQLite file on a read-only mount or a full disk (needs root for mount)', () => {
  it('answers /readyz 503 "read-only database file" when the file cannot be written, and /healthz 200', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ro-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'gatehouse.db')
    // A migrated database, closed, then its file (not its directory) bind-mounted read-only onto itself.
    const made = await appOver({ dialect: 'sqlite', path: file })
    expect((await made.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    await cleanups.pop()!()
    mount(['--bind', file, file])
    cleanups.push(() => unmount(file))
    mount(['-o', 'remount,bind,ro', file])
    const { app } = await appOver({ dialect: 'sqlite', path: file }, { migrate: false })
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json().reason).toMatch(/^database (not writable|unreachable): read-only database file \(SQLITE_READONLY/)
    expect(res.body).not.toContain(dir)
  })

  it('answers /readyz 503 "disk full" when the disk holding the database is full, and 200 again once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-full-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    mount(['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir])
    cleanups.push(() => unmount(dir))
    const { app, runtime } = await appOver({ dialect: 'sqlite', path: join(dir, 'data', 'gatehouse.db') })
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    // An empty WAL, so the next commit must grow a file: a WAL with room left would take it (and then
    // the database is writable for now: that is not what this test is about).
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(runtime.db)
    // Fill the rest of the tmpfs.
    const filler = join(dir, 'filler')
    const fd = openSync(filler, 'w')
    try {
      const chunk = Buffer.alloc(64 * 1024)
      for (;;) {
        try {
          writeSync(fd, chunk)
        } catch {
          break
        }
      }
      for (;;) {
        try {
          writeSync(fd, Buffer.alloc(512))
        } catch {
          break
        }
      }
    } finally {
      closeSync(fd)
    }
    expect(statfsSync(dir).bavail).toBe(0)
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json().reason).toMatch(/^database not writable: disk full \(SQLITE_FULL\)$/)
    rmSync(filler)
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
  })
})
