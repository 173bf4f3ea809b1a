/**
 * `gatehouse backup --to FILE` (docs/deploy.md): an online copy of a live SQLite database, taken with
 * the built CLI while a server process keeps writing to it, then restored by starting a server on the
 * copy and signing in. PostgreSQL is refused with a pointer to pg_dump; an existing FILE is never
 * overwritten.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, freePort, spawnCli, within, type CliProcess } from './helpers/built-cli.js'
import { httpBrowser } from './helpers/http-browser.js'

const OWNER = 'olivia@acme.test'
const PASSWORD = 'correct horse battery staple'

const running: CliProcess[] = []
const dirs: string[] = []
beforeAll(() => ensureBuilt(), 180_000)
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-backup-'))
  dirs.push(dir)
  return dir
}

async function serve(cwd: string, database: string) {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const server = spawnCli(['start'], cwd, {
    GATEHOUSE_PORT: String(port),
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_BASE_URL: baseUrl,
    GATEHOUSE_DATABASE_URL: `sqlite:${database}`,
    GATEHOUSE_RATE_LIMIT_IP: '1000000',
  })
  running.push(server)
  await server.waitFor(/"(gatehouse started)"/, 20_000, 'gatehouse started')
  return { server, baseUrl }
}

async function signIn(baseUrl: string): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: OWNER, password: PASSWORD, org: 'acme' }),
  })
}

async function backup(cwd: string, database: string, to: string) {
  const cli = spawnCli(['backup', '--to', to], cwd, { GATEHOUSE_DATABASE_URL: database })
  running.push(cli)
  const code = await within(cli.exited, 20_000, 'gatehouse backup to exit')
  return { code, out: cli.stdout() }
}

describe('gatehouse backup --to FILE (SQLite)', () => {
  it('copies a live database while a server writes to it, and a server started on the copy signs the owner in', async () => {
    const dir = tempDir()
    const live = join(dir, 'live.db')
    const { server, baseUrl } = await serve(dir, live)
    // The first owner, through the set-up link the server printed.
    const link = await server.waitFor(/(\S+\/setup\?token=\S+)\s/, 5_000, 'the set-up link')
    const b = httpBrowser(baseUrl)
    await b.navigate(link)
    const done = await b.submit('/setup', {
      orgName: 'Acme',
      orgSlug: 'acme',
      email: OWNER,
      firstName: 'Olivia',
      lastName: 'Owner',
      password: PASSWORD,
      token: new URL(link).searchParams.get('token')!,
    })
    expect(done.url).toMatch(/\/dashboard$/)
    const before = await signIn(baseUrl)
    expect(before.status).toBe(200)
    const { token } = (await before.json()) as { token: string }

    // Sign-ins (each writes a token row) keep going for the whole backup.
    let writing = true
    let writes = 0
    const writer = (async () => {
      while (writing) {
        expect((await signIn(baseUrl)).status).toBe(200)
        writes++
      }
    })()
    while (writes < 3) await new Promise((resolve) => setTimeout(resolve, 10))
    const result = await backup(dir, `sqlite:${live}`, join(dir, 'backup.db'))
    writing = false
    await writer
    expect(result.out).toMatch(/^Backed up .*live\.db to .*backup\.db \(\d+ pages, checked\)/)
    expect(result.code).toBe(0)
    expect(writes).toBeGreaterThan(3)
    expect(existsSync(join(dir, 'backup.db-wal'))).toBe(false)
    expect(await server.stop()).toBe(0)

    // Restore: a server on the copy (same data directory, so the same secret key).
    const restored = await serve(dir, join(dir, 'backup.db'))
    expect(restored.server.stdout()).not.toContain('/setup?token=') // the org is there: no set-up link
    expect((await signIn(restored.baseUrl)).status).toBe(200)
    const me = await fetch(`${restored.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ email: OWNER, org: 'acme', orgRole: 'owner' })
  }, 60_000)

  it('refuses a FILE that exists and leaves it as it was', async () => {
    const dir = tempDir()
    const live = join(dir, 'live.db')
    const { server } = await serve(dir, live)
    await server.stop()
    const target = join(dir, 'taken.db')
    writeFileSync(target, 'an earlier backup')
    const result = await backup(dir, `sqlite:${live}`, target)
    expect(result.code).toBe(1)
    expect(result.out).toContain('exists already')
    expect(readFileSync(target, 'utf8')).toBe('an earlier backup')
  }, 30_000)

  it('refuses a database that is not there, and PostgreSQL with a pointer to pg_dump', async () => {
    const dir = tempDir()
    const missing = await backup(dir, `sqlite:${join(dir, 'nothing.db')}`, join(dir, 'b.db'))
    expect(missing.code).toBe(1)
    expect(missing.out).toContain('there is no database at')
    expect(existsSync(join(dir, 'b.db'))).toBe(false)
    const postgres = await backup(dir, 'postgres://gatehouse@127.0.0.1:1/gatehouse', join(dir, 'b.db'))
    expect(postgres.code).toBe(1)
    expect(postgres.out).toContain('pg_dump')
    expect(existsSync(join(dir, 'b.db'))).toBe(false)
  }, 30_000)

  it('needs --to', async () => {
    const dir = tempDir()
    const cli = spawnCli(['backup'], dir, {})
    running.push(cli)
    expect(await within(cli.exited, 20_000, 'exit')).toBe(1)
    expect(cli.stdout()).toContain('--to FILE is required')
  }, 30_000)
})
