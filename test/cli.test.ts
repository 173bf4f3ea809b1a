/**
 * The `gatehouse` CLI in-process: help, one-line config errors, `migrate`, `create-owner`. The real
 * process (`node bin/gatehouse.js start`) as `npm start` runs it is in cli-process.test.ts.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { addMember } from '../src/core/members.js'
import { hashSecretToken } from '../src/core/secret-token.js'
import { buildApp } from '../src/http/app.js'
import { createLogger } from '../src/http/logging.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { browser } from './helpers/browser.js'
import { BASE_URL, COMMANDS, PASSWORD, removeTempDirs, run, SECRET_KEY, tempDir } from './cli-support.js'

afterAll(removeTempDirs)

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
