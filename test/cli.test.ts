/**
 * The `gatehouse` CLI: help, one-line config errors, `migrate`, `create-owner`, and the real
 * process (`node bin/gatehouse.js start`) as `npm start` runs it.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import SqliteDatabase from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { addMember } from '../src/core/members.js'
import { hashSecretToken } from '../src/core/secret-token.js'
import { buildApp } from '../src/http/app.js'
import { createLogger } from '../src/http/logging.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { generateKeyPair } from '../src/saml/key-pair.js'
import { browser } from './helpers/browser.js'
import { ensureBuilt, freePort, spawnCli as spawnBuiltCli, within } from './helpers/built-cli.js'
import { HOSTILE_ENTITY_ID, shapedIdpMetadata } from './helpers/hostile-metadata.js'

const SECRET_KEY = '22'.repeat(32)
const BASE_URL = 'http://gatehouse.test'
const PASSWORD = 'correct horse battery'
const COMMANDS = ['start', 'migrate', 'create-owner', 'backup'] as const

const temps: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'))
  temps.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Runs main() and collects what it prints, split into lines. */
async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; lines: string[]; text: string }> {
  const printed: string[] = []
  const code = await main(argv, env, (line) => printed.push(line))
  const text = printed.join('\n')
  return { code, lines: text.split('\n'), text }
}

describe('help', () => {
  it('gatehouse --help lists every command and returns 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const { code, text } = await run([flag])
      expect(code).toBe(0)
      expect(text).toMatch(/^Usage: gatehouse <command>/)
      for (const command of COMMANDS) expect(text).toContain(command)
    }
  })

  it('gatehouse with no command prints the usage and returns 1', async () => {
    const { code, text } = await run([])
    expect(code).toBe(1)
    expect(text).toMatch(/^Usage: gatehouse <command>/)
  })

  it.each(COMMANDS)("gatehouse %s --help prints that command's usage and returns 0, whatever the environment", async (command) => {
    for (const flag of ['--help', '-h']) {
      // A bad environment does not matter: help needs no config, and opens nothing.
      const { code, text } = await run([command, flag], { GATEHOUSE_PORT: 'nonsense' })
      expect(code).toBe(0)
      expect(text.startsWith(`Usage: gatehouse ${command}`)).toBe(true)
    }
  })

  it('create-owner --help names its options', async () => {
    const { text } = await run(['create-owner', '--help'])
    expect(text).toContain('--org SLUG')
    expect(text).toContain('--email EMAIL')
  })

  it.each(['serve', 'main', '--port'])('an unknown command "%s" returns 1 and says so', async (command) => {
    const { code, lines, text } = await run([command])
    expect(code).toBe(1)
    expect(lines[0]).toBe(`gatehouse: unknown command "${command}"`)
    expect(text).toContain('Usage: gatehouse <command>')
  })
})

describe('configuration errors', () => {
  it.each(COMMANDS)('%s with a bad GATEHOUSE_PORT prints one line and returns 1', async (command) => {
    const dir = tempDir()
    const { code, lines } = await run(command === 'create-owner' ? [command, '--org', 'acme', '--email', 'o@acme.test'] : [command], {
      GATEHOUSE_PORT: '80a',
      GATEHOUSE_SECRET_KEY: SECRET_KEY,
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'x.db')}`,
    })
    expect(code).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^gatehouse: GATEHOUSE_PORT: .*"80a"/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('prints every bad variable, one line each, and returns 1', async () => {
    const dir = tempDir()
    const { code, lines } = await run(['migrate'], {
      GATEHOUSE_PORT: '80a',
      GATEHOUSE_LOG_LEVEL: 'loud',
      GATEHOUSE_SECRET_KEY: 'short',
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'x.db')}`,
    })
    expect(code).toBe(1)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^gatehouse: GATEHOUSE_PORT: .*"80a"/)
    expect(lines[1]).toMatch(/^gatehouse: GATEHOUSE_LOG_LEVEL: .*"loud"/)
    expect(lines[2]).toMatch(/^gatehouse: GATEHOUSE_SECRET_KEY: expected 32 random bytes/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('NODE_ENV=production without secrets names the missing ones in one line', async () => {
    const { code, lines } = await run(['migrate'], { NODE_ENV: 'production' })
    expect(code).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^gatehouse: GATEHOUSE_BASE_URL: required when NODE_ENV=production/)
    for (const name of ['GATEHOUSE_SECRET_KEY', 'GATEHOUSE_ADMIN_TOKEN', 'GATEHOUSE_SMTP_URL']) expect(lines[0]).toContain(name)
  })
})

describe('gatehouse migrate', () => {
  it('applies the migrations to a new SQLite file, then says it is up to date', async () => {
    const dir = tempDir()
    const file = join(dir, 'nested', 'x.db')
    const env = { GATEHOUSE_DATABASE_URL: `sqlite:${file}`, GATEHOUSE_SECRET_KEY: SECRET_KEY }

    const first = await run(['migrate'], env)
    expect(first.code).toBe(0)
    expect(first.lines).toHaveLength(1)
    expect(first.lines[0]).toMatch(/^gatehouse: applied \d{4}_\d\d_\d\d_\d{4}_\w+/)
    expect(existsSync(file)).toBe(true)

    const sqlite = new SqliteDatabase(file, { readonly: true })
    const tables = (sqlite.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((t) => t.name)
    const migrated = (sqlite.prepare('select name from kysely_migration').all() as { name: string }[]).map((m) => m.name)
    sqlite.close()
    expect(tables).toEqual(expect.arrayContaining(['organizations', 'users', 'members', 'one_time_tokens']))
    expect(first.lines[0]).toBe(`gatehouse: applied ${migrated.join(', ')}`)

    const second = await run(['migrate'], env)
    expect(second).toMatchObject({ code: 0, lines: ['gatehouse: the database is up to date'] })
  })

  it('an unreachable PostgreSQL stops it with one line and returns 1', async () => {
    // 0: one try (retrying with back-off is test/store/pg-outage.test.ts's and database-unavailable.test.ts's).
    const { code, lines } = await run(['migrate'], {
      GATEHOUSE_DATABASE_URL: 'postgres://gatehouse@127.0.0.1:1/gatehouse',
      GATEHOUSE_SECRET_KEY: SECRET_KEY,
      GATEHOUSE_DATABASE_START_TIMEOUT: '0',
    })
    expect(code).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^gatehouse: .*ECONNREFUSED/)
  })
})

describe('gatehouse create-owner', () => {
  let dir: string
  let env: Record<string, string>
  const opened: Runtime[] = []

  beforeAll(() => {
    dir = tempDir()
    env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'x.db')}`, GATEHOUSE_SECRET_KEY: SECRET_KEY, GATEHOUSE_BASE_URL: BASE_URL }
  })
  afterEach(async () => {
    for (const runtime of opened.splice(0)) await runtime.close()
  })

  /** The CLI's database, opened the way the server opens it (cheap hashing for the test). */
  async function open(): Promise<Runtime> {
    const config = { ...loadConfig(env), passwordHashing: { memoryCost: 1024, timeCost: 1 } }
    const runtime = await createRuntime(config, { logger: createLogger('silent') })
    opened.push(runtime)
    return runtime
  }

  it('creates the organization and the owner, and prints a set-password link whose token works', async () => {
    const { code, lines, text } = await run(['create-owner', '--org', 'acme', '--email', 'o@acme.test'], env)
    expect(code).toBe(0)
    expect(lines[0]).toBe('Created organization acme; o@acme.test is an owner (new user).')
    const link = /(https?:\/\/\S+\/reset-password\?token=\S+)/.exec(text)?.[1]
    expect(link).toBeDefined()
    expect(link!.startsWith(`${BASE_URL}/reset-password?token=`)).toBe(true)
    const token = new URL(link!).searchParams.get('token')!

    const runtime = await open()
    const { store } = runtime.deps
    const org = await store.orgs.findBySlug('acme')
    expect(org).toMatchObject({ slug: 'acme', name: 'acme' })
    const user = await store.users.findByEmail('o@acme.test')
    expect(user).toMatchObject({ email: 'o@acme.test', hasPassword: false })
    expect(await store.members.findByUser(org!.id, user!.id)).toMatchObject({ role: 'owner' })
    // Only the token's hash is stored, bound to that user.
    const row = await runtime.db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', hashSecretToken(token)).executeTakeFirst()
    expect(row).toMatchObject({ purpose: 'password_reset', user_id: user!.id })
    expect(JSON.stringify(await runtime.db.selectFrom('one_time_tokens').selectAll().execute())).not.toContain(token)

    // The link, served by the app on the same database: set a password with it, then sign in.
    const app = await buildApp(loadConfig(env), runtime.deps)
    try {
      const b = browser(app)
      const path = link!.slice(BASE_URL.length)
      const form = await b.get(path)
      expect(form.statusCode).toBe(200)
      expect(form.body).toContain('name="password"')
      const reset = await b.post('/reset-password', { token, password: PASSWORD })
      expect(reset.statusCode).toBe(303)
      expect(reset.headers.location).toBe('/login?notice=password-changed')
      const signIn = await b.submit('/login', '/login', { email: 'o@acme.test', password: PASSWORD })
      expect(signIn.statusCode).toBe(303)
      expect(signIn.headers.location).toBe('/dashboard')
      // One use only.
      expect((await b.get(path)).statusCode).toBe(410)
    } finally {
      await app.close()
    }
  })

  it('promotes an existing member to owner, printing no link for a user who has a password', async () => {
    const before = await open()
    const member = await addMember(
      before.deps,
      'acme',
      { email: 'm@acme.test', firstName: 'Mia', lastName: 'Member', role: 'member', password: PASSWORD },
      { kind: 'operator' },
    )
    expect(member.role).toBe('member')
    await before.close()
    opened.splice(opened.indexOf(before), 1)

    const { code, lines } = await run(['create-owner', '--org=acme', '--email=M@acme.test'], env)
    expect(code).toBe(0)
    expect(lines).toEqual(['Found organization acme; promoted m@acme.test from member to owner.'])

    const after = await open()
    const org = await after.deps.store.orgs.findBySlug('acme')
    expect(await after.deps.store.members.listByOrg(org!.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'owner', user: expect.objectContaining({ email: 'o@acme.test' }) }),
        expect.objectContaining({ id: member.id, role: 'owner', user: expect.objectContaining({ email: 'm@acme.test' }) }),
      ]),
    )
    expect(await after.deps.store.orgs.count()).toBe(1)
  })

  it('running it again for an owner changes nothing, and says so', async () => {
    const { code, lines } = await run(['create-owner', '--org', 'acme', '--email', 'o@acme.test'], env)
    expect(code).toBe(0)
    expect(lines).toEqual(['Found organization acme; o@acme.test was already an owner: nothing changed.'])
  })

  it('names a new organization with --name', async () => {
    const { code, lines } = await run(['create-owner', '--org', 'globex', '--email', 'o@acme.test', '--name', 'Globex Corp'], env)
    expect(code).toBe(0)
    expect(lines).toEqual(['Created organization globex; o@acme.test is an owner.'])
    const runtime = await open()
    expect(await runtime.deps.store.orgs.findBySlug('globex')).toMatchObject({ name: 'Globex Corp' })
  })

  it.each([
    { label: 'missing --email', args: ['--org', 'acme'], message: '--org and --email are required' },
    { label: 'missing --org', args: ['--email', 'o@acme.test'], message: '--org and --email are required' },
    { label: 'no options', args: [], message: '--org and --email are required' },
    { label: 'a flag without its value', args: ['--org', 'acme', '--email'], message: '--email needs a value' },
    { label: 'an unknown option', args: ['--org', 'acme', '--email', 'o@acme.test', '--role', 'admin'], message: 'unknown option "--role"' },
    { label: 'a stray argument', args: ['acme', '--email', 'o@acme.test'], message: 'unknown option "acme"' },
  ])('$label is a usage error: returns 1 and opens no database', async ({ args, message }) => {
    const file = join(tempDir(), 'x.db')
    const { code, lines, text } = await run(['create-owner', ...args], { ...env, GATEHOUSE_DATABASE_URL: `sqlite:${file}` })
    expect(code).toBe(1)
    expect(lines[0]).toBe(`gatehouse create-owner: ${message}`)
    expect(text).toContain('Usage: gatehouse create-owner --org SLUG --email EMAIL')
    expect(existsSync(file)).toBe(false)
  })

  it.each([
    { label: 'an invalid slug', org: 'Acme_Corp!', email: 'new@initech.test', message: /^gatehouse create-owner: The slug must be 3–63 characters/ },
    { label: 'a too short slug', org: 'ab', email: 'new@initech.test', message: /^gatehouse create-owner: The slug must be/ },
    { label: 'an invalid email', org: 'initech', email: 'not-an-email', message: /^gatehouse create-owner: Enter a valid email address/ },
  ])('$label returns 1 with one clear line and creates nothing', async ({ org, email, message }) => {
    const { code, lines } = await run(['create-owner', '--org', org, '--email', email], env)
    expect(code).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(message)
    const runtime = await open()
    expect(await runtime.deps.store.orgs.count()).toBe(2) // acme and globex from the tests above
    expect(await runtime.deps.store.users.findByEmail(email)).toBeUndefined()
  })
})

describe('the real process: node bin/gatehouse.js', () => {
  const children: ChildProcess[] = []

  beforeAll(() => ensureBuilt(), 180_000)

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })

  /** The shared spawnCli, its child killed after each test. */
  function spawnCli(args: string[], cwd: string, env: Record<string, string>) {
    const cli = spawnBuiltCli(args, cwd, env)
    children.push(cli.child)
    return cli
  }

  it('start: migrates SQLite under ./data, listens, prints the set-up link, and stops cleanly on SIGTERM', async () => {
    const cwd = tempDir()
    const port = await freePort()
    const baseUrl = `http://localhost:${port}`
    const started = performance.now()
    const cli = spawnCli(['start'], cwd, { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: baseUrl })

    const link = await cli.waitFor(/(\S+\/setup\?token=\S+)\s/, 15_000, 'the set-up link')
    const startupMs = performance.now() - started
    console.log(`gatehouse start: spawn to set-up link in ${Math.round(startupMs)} ms`)

    expect(link.startsWith(`${baseUrl}/setup?token=`)).toBe(true)
    expect(await cli.waitFor(/Mail goes to the development outbox: (\S+)\s/, 5_000, 'the outbox line')).toBe(`${baseUrl}/dev/outbox`)
    expect(await cli.waitFor(/Development IdP [^:]*: (\S+)\s/, 5_000, 'the development IdP line')).toBe(`${baseUrl}/dev/idp`)
    const logged = await cli.waitFor(/"startupMs":(\d+)/, 5_000, 'the "gatehouse started" log line')
    console.log(`gatehouse start: ${logged} ms from start() to listening (startupMs in the server's log)`)
    expect(existsSync(join(cwd, 'data', 'gatehouse.db'))).toBe(true)
    expect(existsSync(join(cwd, 'data', 'secret.key'))).toBe(true)
    expect(statSync(join(cwd, 'data', 'secret.key')).mode & 0o777).toBe(0o600)

    const health = await fetch(`${baseUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })

    const setup = await fetch(link)
    expect(setup.status).toBe(200)
    const setupPage = await setup.text()
    expect(setupPage).toContain('<form')
    expect(setupPage).toContain('name="orgSlug"')

    const login = await fetch(`${baseUrl}/login`)
    expect(login.status).toBe(200)
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'")

    cli.child.kill('SIGTERM')
    expect(await within(cli.exited, 5_000, 'the exit after SIGTERM')).toBe(0)
    expect(cli.stderr()).toBe('')
  }, 30_000)

  it('start: reads IdP metadata in its worker thread from dist/ (dist/saml/metadata-worker.js) and refuses metadata over the limits', async () => {
    const cwd = tempDir()
    const port = await freePort()
    const baseUrl = `http://localhost:${port}`
    const token = 'cli-test-admin-token-0123456789abcdef'
    const cli = spawnCli(['start'], cwd, { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: baseUrl, GATEHOUSE_ADMIN_TOKEN: token })
    await cli.waitFor(/(\S+\/setup\?token=\S+)\s/, 15_000, 'the set-up link')
    const api = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, json: await res.json() }
    }
    expect((await api('POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    expect((await api('PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBe(201)
    const pair = await generateKeyPair({ commonName: 'cli idp', notBefore: new Date('2024-01-01T00:00:00Z'), years: 10 })
    const cert = pair.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '')
    const read = await api('PUT', '/organizations/acme/sso/idp', { metadataXml: shapedIdpMetadata(cert) })
    expect(read.status).toBe(200)
    expect(read.json.idp.entityId).toBe(HOSTILE_ENTITY_ID)
    const refused = await api('PUT', '/organizations/acme/sso/idp', { metadataXml: shapedIdpMetadata(cert, { elements: 10_001 }) })
    expect(refused.status).toBe(413)
    expect(refused.json.error.code).toBe('metadata_too_large')
    cli.child.kill('SIGTERM')
    expect(await within(cli.exited, 5_000, 'the exit after SIGTERM')).toBe(0)
  }, 30_000)

  it("start: refuses a secret key that cannot open the database's sealed keys, naming GATEHOUSE_SECRET_KEY; the right key starts again", async () => {
    const cwd = tempDir()
    const port = await freePort()
    const env = { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: `http://localhost:${port}` }
    const first = spawnCli(['start'], cwd, { ...env, GATEHOUSE_SECRET_KEY: SECRET_KEY })
    await first.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect(await first.stop()).toBe(0)

    const wrong = spawnCli(['start'], cwd, { ...env, GATEHOUSE_SECRET_KEY: '33'.repeat(32) })
    expect(await within(wrong.exited, 15_000, 'the refused start')).toBe(1)
    const refusal = wrong
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('gatehouse: '))
    expect(refusal).toHaveLength(1)
    expect(refusal[0]).toMatch(
      /^gatehouse: GATEHOUSE_SECRET_KEY: the secret key in use cannot open the SAML key \S+ sealed in the database: it is not the key this database was set up with\. Start with that key/,
    )
    expect(wrong.stdout()).not.toContain('gatehouse started')
    expect(wrong.stdout() + wrong.stderr()).not.toContain('33'.repeat(32))
    await expect(fetch(`http://localhost:${port}/healthz`)).rejects.toThrow()

    const again = spawnCli(['start'], cwd, { ...env, GATEHOUSE_SECRET_KEY: SECRET_KEY })
    await again.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect((await fetch(`http://localhost:${port}/login`)).status).toBe(200)
    expect(await again.stop()).toBe(0)
  }, 60_000)

  it('start (development): a secret.key made anew beside an older database stops the start, naming the file', async () => {
    const cwd = tempDir()
    const port = await freePort()
    const env = { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: `http://localhost:${port}` }
    const first = spawnCli(['start'], cwd, env)
    await first.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect(await first.stop()).toBe(0)
    const keyFile = join(cwd, 'data', 'secret.key')
    const original = readFileSync(keyFile)
    rmSync(keyFile)

    const fresh = spawnCli(['start'], cwd, env)
    expect(await within(fresh.exited, 15_000, 'the refused start')).toBe(1)
    expect(fresh.stdout()).toContain(
      `gatehouse: GATEHOUSE_SECRET_KEY: the secret key in use (GATEHOUSE_SECRET_KEY is unset, so it was read from ${keyFile}) cannot open the SAML key`,
    )

    writeFileSync(keyFile, original, { mode: 0o600 })
    const restored = spawnCli(['start'], cwd, env)
    await restored.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect(await restored.stop()).toBe(0)
  }, 60_000)

  it('NODE_ENV=production without secrets exits 1 at once with one line naming the missing variables', async () => {
    const cwd = tempDir()
    const started = performance.now()
    const cli = spawnCli(['start'], cwd, { NODE_ENV: 'production', GATEHOUSE_PORT: String(await freePort()) })
    expect(await within(cli.exited, 10_000, 'the exit')).toBe(1)
    console.log(`gatehouse start (production, no secrets): refused in ${Math.round(performance.now() - started)} ms`)
    const output = (cli.stdout() + cli.stderr()).trim()
    expect(output.split('\n')).toHaveLength(1)
    expect(output).toMatch(/^gatehouse: GATEHOUSE_BASE_URL: required when NODE_ENV=production/)
    for (const name of ['GATEHOUSE_SECRET_KEY', 'GATEHOUSE_ADMIN_TOKEN', 'GATEHOUSE_SMTP_URL']) expect(output).toContain(name)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
    expect(readdirSync(cwd)).toEqual([])
  }, 20_000)
})
