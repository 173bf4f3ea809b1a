/**
 * loadConfig(env): defaults that make `npm start` work with nothing set, one-line errors that name
 * the variable, what production requires, and that nothing below config.ts reads process.env.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, describeDatabase, loadConfig, type Config } from '../src/config.js'

const ROOT = new URL('..', import.meta.url).pathname
const HEX_KEY = 'ab'.repeat(32)
const ADMIN_TOKEN = 'operator-token-0123456789abcdef'

const temps: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'))
  temps.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** The ConfigError loadConfig throws for `env`, failing the test when it does not throw one. */
function configError(env: Record<string, string>, cwd = tempDir()): ConfigError {
  try {
    loadConfig(env, { cwd })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

describe('development defaults (nothing set)', () => {
  it('listens on port 4000 at http://localhost:4000 with SQLite under ./data', () => {
    const cwd = tempDir()
    const config = loadConfig({}, { cwd })
    expect(config.production).toBe(false)
    expect(config.port).toBe(4000)
    expect(config.baseUrl).toBe('http://localhost:4000')
    expect(config.host).toBe('localhost')
    expect(config.dataDir).toBe(join(cwd, 'data'))
    expect(config.database).toEqual({ dialect: 'sqlite', path: join(cwd, 'data', 'gatehouse.db') })
    expect(config.adminToken).toBeUndefined()
    expect(config.smtp).toBeUndefined()
    expect(config.devOutbox.enabled).toBe(true)
    expect(config.devIdp.enabled).toBe(true)
    expect(config.trustProxy).toBe(false)
    expect(config.logLevel).toBe('info')
    expect(config.workspaceRoles).toEqual(['admin', 'developer', 'editor', 'viewer'])
    expect(config.session).toEqual({ idleMinutes: 480, absoluteHours: 24 })
    expect(config.rateLimit).toEqual({ windowMinutes: 15, perAccount: 10, perIp: 100 })
  })

  it('generates a 32-byte secret key once under ./data/secret.key (mode 0600) and reads the same key back', () => {
    const cwd = tempDir()
    const file = join(cwd, 'data', 'secret.key')
    expect(existsSync(file)).toBe(false)

    const first = loadConfig({}, { cwd })
    expect(first.secretKey).toBeInstanceOf(Buffer)
    expect(first.secretKey.length).toBe(32)
    expect(existsSync(file)).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const written = readFileSync(file, 'utf8')
    expect(written.trim()).toBe(first.secretKey.toString('hex'))

    const second = loadConfig({}, { cwd })
    expect(second.secretKey.equals(first.secretKey)).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe(written)

    // A different data directory gets a different key: the key really is random.
    expect(loadConfig({}, { cwd: tempDir() }).secretKey.equals(first.secretKey)).toBe(false)
  })

  it('does not write a key file when GATEHOUSE_SECRET_KEY is given (hex or base64 of the same bytes)', () => {
    const cwd = tempDir()
    const hex = loadConfig({ GATEHOUSE_SECRET_KEY: HEX_KEY }, { cwd })
    const base64 = loadConfig({ GATEHOUSE_SECRET_KEY: Buffer.from(HEX_KEY, 'hex').toString('base64') }, { cwd })
    expect(hex.secretKey.equals(Buffer.from(HEX_KEY, 'hex'))).toBe(true)
    expect(base64.secretKey.equals(hex.secretKey)).toBe(true)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  it('refuses a damaged secret.key file with one line naming the file', () => {
    const cwd = tempDir()
    mkdirSync(join(cwd, 'data'))
    const file = join(cwd, 'data', 'secret.key')
    writeFileSync(file, 'not a key\n')
    const error = configError({}, cwd)
    expect(error.message.startsWith(`${file}: `)).toBe(true)
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(readFileSync(file, 'utf8')).toBe('not a key\n')
  })

  it('treats empty and blank values as unset', () => {
    const cwd = tempDir()
    const config = loadConfig({ GATEHOUSE_PORT: '', GATEHOUSE_BASE_URL: '  ', GATEHOUSE_SECRET_KEY: HEX_KEY, GATEHOUSE_ADMIN_TOKEN: '' }, { cwd })
    expect(config.port).toBe(4000)
    expect(config.baseUrl).toBe('http://localhost:4000')
    expect(config.adminToken).toBeUndefined()
  })
})

describe('good values', () => {
  const cases: { env: Record<string, string>; check: (config: Config, cwd: string) => void }[] = [
    {
      env: { GATEHOUSE_PORT: '4100' },
      check: (c) => {
        expect(c.port).toBe(4100)
        expect(c.baseUrl).toBe('http://localhost:4100')
      },
    },
    { env: { GATEHOUSE_PORT: ' 65535 ' }, check: (c) => expect(c.port).toBe(65535) },
    { env: { GATEHOUSE_BASE_URL: 'https://sso.example.com/' }, check: (c) => expect(c.baseUrl).toBe('https://sso.example.com') },
    {
      env: { GATEHOUSE_BASE_URL: 'https://example.com/sso/', GATEHOUSE_PORT: '8080' },
      check: (c) => {
        expect(c.baseUrl).toBe('https://example.com/sso')
        expect(c.port).toBe(8080)
      },
    },
    {
      env: { GATEHOUSE_DATABASE_URL: 'sqlite:./db/x.db' },
      check: (c, cwd) => expect(c.database).toEqual({ dialect: 'sqlite', path: join(cwd, 'db', 'x.db') }),
    },
    {
      env: { GATEHOUSE_DATABASE_URL: 'sqlite:/var/lib/gatehouse/x.db' },
      check: (c) => expect(c.database).toEqual({ dialect: 'sqlite', path: '/var/lib/gatehouse/x.db' }),
    },
    {
      env: { GATEHOUSE_DATABASE_URL: 'sqlite:///var/lib/gatehouse/x.db' },
      check: (c) => expect(c.database).toEqual({ dialect: 'sqlite', path: '/var/lib/gatehouse/x.db' }),
    },
    {
      env: { GATEHOUSE_DATABASE_URL: 'postgres://gh:pw@db.internal:5432/gatehouse' },
      check: (c) => expect(c.database).toEqual({ dialect: 'postgres', url: 'postgres://gh:pw@db.internal:5432/gatehouse' }),
    },
    { env: { GATEHOUSE_DATABASE_URL: 'postgresql://db/gatehouse' }, check: (c) => expect(c.database.dialect).toBe('postgres') },
    {
      env: { GATEHOUSE_DATA_DIR: 'state' },
      check: (c, cwd) => {
        expect(c.dataDir).toBe(join(cwd, 'state'))
        expect(c.database).toEqual({ dialect: 'sqlite', path: join(cwd, 'state', 'gatehouse.db') })
      },
    },
    { env: { GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN }, check: (c) => expect(c.adminToken).toBe(ADMIN_TOKEN) },
    {
      env: { GATEHOUSE_SMTP_URL: 'smtps://u:p@mail.example.com:465' },
      check: (c) => expect(c.smtp).toEqual({ url: 'smtps://u:p@mail.example.com:465', from: 'Gatehouse <no-reply@localhost>' }),
    },
    {
      env: { GATEHOUSE_SMTP_URL: 'smtp://mail:25', GATEHOUSE_SMTP_FROM: 'SSO <sso@example.com>' },
      check: (c) => expect(c.smtp).toEqual({ url: 'smtp://mail:25', from: 'SSO <sso@example.com>' }),
    },
    { env: { GATEHOUSE_WORKSPACE_ROLES: 'owner, member ,read_only' }, check: (c) => expect(c.workspaceRoles).toEqual(['owner', 'member', 'read_only']) },
    { env: { GATEHOUSE_TRUST_PROXY: 'no' }, check: (c) => expect(c.trustProxy).toBe(false) },
    { env: { GATEHOUSE_TRUST_PROXY: 'false' }, check: (c) => expect(c.trustProxy).toBe(false) },
    { env: { GATEHOUSE_TRUST_PROXY: '0' }, check: (c) => expect(c.trustProxy).toBe(false) },
    { env: { GATEHOUSE_TRUST_PROXY: '1' }, check: (c) => expect(c.trustProxy).toBe(1) },
    { env: { GATEHOUSE_TRUST_PROXY: ' 2 ' }, check: (c) => expect(c.trustProxy).toBe(2) },
    {
      env: { GATEHOUSE_TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,::1, fd00::/8,loopback' },
      check: (c) => expect(c.trustProxy).toEqual(['10.0.0.0/8', '192.0.2.7', '::1', 'fd00::/8', 'loopback']),
    },
    { env: { GATEHOUSE_LOG_LEVEL: 'debug' }, check: (c) => expect(c.logLevel).toBe('debug') },
    { env: {}, check: (c) => expect(c.databaseStartTimeoutSeconds).toBe(60) },
    { env: { GATEHOUSE_DATABASE_START_TIMEOUT: '0' }, check: (c) => expect(c.databaseStartTimeoutSeconds).toBe(0) },
    { env: { GATEHOUSE_DATABASE_START_TIMEOUT: '300' }, check: (c) => expect(c.databaseStartTimeoutSeconds).toBe(300) },
    { env: { GATEHOUSE_HOST: '127.0.0.1' }, check: (c) => expect(c.host).toBe('127.0.0.1') },
    {
      env: { GATEHOUSE_SESSION_IDLE_MINUTES: '30', GATEHOUSE_SESSION_ABSOLUTE_HOURS: '12' },
      check: (c) => expect(c.session).toEqual({ idleMinutes: 30, absoluteHours: 12 }),
    },
    {
      env: { GATEHOUSE_RATE_LIMIT_ACCOUNT: '5', GATEHOUSE_RATE_LIMIT_IP: '500' },
      check: (c) => expect(c.rateLimit).toEqual({ windowMinutes: 15, perAccount: 5, perIp: 500 }),
    },
    {
      env: { NODE_ENV: 'test' },
      check: (c) => {
        expect(c.production).toBe(false)
        expect(c.devOutbox.enabled).toBe(true)
        expect(c.devIdp.enabled).toBe(true)
      },
    },
    { env: { GATEHOUSE_DEV_IDP: 'off' }, check: (c) => expect(c.devIdp.enabled).toBe(false) },
    { env: { GATEHOUSE_DEV_IDP: 'On' }, check: (c) => expect(c.devIdp.enabled).toBe(true) },
    { env: { GATEHOUSE_DEV_IDP: 'false' }, check: (c) => expect(c.devIdp.enabled).toBe(false) },
    { env: { GATEHOUSE_DNS_SERVERS: '' }, check: (c) => expect(c.dns.servers).toBeUndefined() },
    {
      env: { GATEHOUSE_DNS_SERVERS: '1.1.1.1, 10.0.0.2:5353,2606:4700::1111,[::1]:53' },
      check: (c) => expect(c.dns.servers).toEqual(['1.1.1.1', '10.0.0.2:5353', '2606:4700::1111', '[::1]:53']),
    },
    {
      env: {},
      check: (c) =>
        expect(c.http).toEqual({
          headersMs: 10_000,
          requestMs: 60_000,
          idleMs: 72_000,
          minBodyRate: { bytesPerSecond: 1024, graceMs: 10_000 },
          shutdownMs: 10_000,
        }),
    },
    {
      env: {
        GATEHOUSE_HEADERS_TIMEOUT: '5',
        GATEHOUSE_REQUEST_TIMEOUT: '5',
        GATEHOUSE_IDLE_TIMEOUT: '30',
        GATEHOUSE_MIN_BODY_RATE: '4096',
        GATEHOUSE_SHUTDOWN_TIMEOUT: '0',
      },
      check: (c) =>
        expect(c.http).toEqual({ headersMs: 5000, requestMs: 5000, idleMs: 30_000, minBodyRate: { bytesPerSecond: 4096, graceMs: 10_000 }, shutdownMs: 0 }),
    },
  ]
  it.each(
    cases.map((c) => ({
      ...c,
      label: Object.entries(c.env)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' '),
    })),
  )('accepts $label', ({ env, check }) => {
    const cwd = tempDir()
    check(loadConfig({ GATEHOUSE_SECRET_KEY: HEX_KEY, ...env }, { cwd }), cwd)
  })
})

describe('bad values stop the start with one line naming the variable', () => {
  /** `shows`: the bad value or the rule the message must contain. `secret`: the value must not be echoed. */
  const cases: { name: string; value: string; shows: string | RegExp; secret?: boolean }[] = [
    { name: 'GATEHOUSE_PORT', value: '80a', shows: '"80a"' },
    { name: 'GATEHOUSE_PORT', value: '0', shows: '"0"' },
    { name: 'GATEHOUSE_PORT', value: '70000', shows: '"70000"' },
    { name: 'GATEHOUSE_PORT', value: '-1', shows: '"-1"' },
    { name: 'GATEHOUSE_PORT', value: '4000.5', shows: '"4000.5"' },
    { name: 'GATEHOUSE_PORT', value: '1\n2', shows: /integer 1–65535/ },
    { name: 'GATEHOUSE_BASE_URL', value: 'ftp://x', shows: 'ftp:' },
    { name: 'GATEHOUSE_BASE_URL', value: 'not a url', shows: '"not a url"' },
    { name: 'GATEHOUSE_BASE_URL', value: 'http://x/?q=1', shows: /query/ },
    { name: 'GATEHOUSE_BASE_URL', value: 'http://x/#top', shows: /fragment/ },
    { name: 'GATEHOUSE_BASE_URL', value: 'http://user:pw@x/', shows: /credentials/ },
    { name: 'GATEHOUSE_DATABASE_URL', value: 'mysql://x', shows: /sqlite:PATH or postgres:\/\// },
    { name: 'GATEHOUSE_DATABASE_URL', value: 'sqlite:', shows: /file path/ },
    { name: 'GATEHOUSE_DATABASE_URL', value: 'postgres://', shows: /sqlite:PATH or postgres:\/\// },
    { name: 'GATEHOUSE_DATABASE_URL', value: 'postgres://[bad', shows: /not a valid postgres:\/\/ URL/ },
    { name: 'GATEHOUSE_SECRET_KEY', value: 'short', shows: /32 random bytes/, secret: true },
    { name: 'GATEHOUSE_SECRET_KEY', value: 'zz'.repeat(32), shows: /32 random bytes/, secret: true },
    { name: 'GATEHOUSE_ADMIN_TOKEN', value: 'short', shows: /at least 24 characters/, secret: true },
    { name: 'GATEHOUSE_SMTP_URL', value: 'http://x', shows: /smtp:\/\// },
    { name: 'GATEHOUSE_WORKSPACE_ROLES', value: 'Admin', shows: '"Admin"' },
    { name: 'GATEHOUSE_WORKSPACE_ROLES', value: 'a,a', shows: /twice/ },
    { name: 'GATEHOUSE_WORKSPACE_ROLES', value: 'noaccess', shows: '"noaccess"' },
    { name: 'GATEHOUSE_WORKSPACE_ROLES', value: 'admin,', shows: /a-z, 0-9/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: 'maybe', shows: '"maybe"' },
    { name: 'GATEHOUSE_TRUST_PROXY', value: 'true', shows: /would trust every hop/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: 'yes', shows: /would trust every hop/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '33', shows: /hop count 1–32/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '-1', shows: '"-1"' },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '10.0.0.0/33', shows: /prefix length/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '0.0.0.0/0', shows: /every address/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '::/0', shows: /every address/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '10.0.0.1,', shows: '""' },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '10.0.0.0/255.0.0.0', shows: /prefix length/ },
    { name: 'GATEHOUSE_TRUST_PROXY', value: '300.1.1.1', shows: '"300.1.1.1"' },
    { name: 'GATEHOUSE_TRUST_PROXY', value: 'proxy.internal', shows: '"proxy.internal"' },
    { name: 'GATEHOUSE_LOG_LEVEL', value: 'loud', shows: '"loud"' },
    { name: 'GATEHOUSE_DATABASE_START_TIMEOUT', value: '1m', shows: '"1m"' },
    { name: 'GATEHOUSE_DATABASE_START_TIMEOUT', value: '-5', shows: /integer 0–3600/ },
    { name: 'GATEHOUSE_DATABASE_START_TIMEOUT', value: '3601', shows: '"3601"' },
    { name: 'GATEHOUSE_DEV_IDP', value: 'maybe', shows: '"maybe"' },
    { name: 'GATEHOUSE_SESSION_IDLE_MINUTES', value: '1', shows: '"1"' },
    { name: 'GATEHOUSE_SESSION_ABSOLUTE_HOURS', value: '0', shows: '"0"' },
    { name: 'GATEHOUSE_RATE_LIMIT_ACCOUNT', value: 'ten', shows: '"ten"' },
    { name: 'GATEHOUSE_RATE_LIMIT_IP', value: '0', shows: '"0"' },
    { name: 'GATEHOUSE_DNS_SERVERS', value: 'dns.google', shows: '"dns.google"' },
    { name: 'GATEHOUSE_DNS_SERVERS', value: '1.1.1.1,', shows: '""' },
    { name: 'GATEHOUSE_DNS_SERVERS', value: '1.1.1.1:70000', shows: '"1.1.1.1:70000"' },
    { name: 'GATEHOUSE_DNS_SERVERS', value: '1.1.1.256', shows: /optional :port/ },
    { name: 'GATEHOUSE_DNS_SERVERS', value: '[::1]', shows: '"[::1]"' },
    { name: 'GATEHOUSE_SHUTDOWN_TIMEOUT', value: '10s', shows: '"10s"' },
    { name: 'GATEHOUSE_SHUTDOWN_TIMEOUT', value: '301', shows: /integer 0–300/ },
    { name: 'GATEHOUSE_HEADERS_TIMEOUT', value: '0', shows: '"0"' },
    { name: 'GATEHOUSE_REQUEST_TIMEOUT', value: '5', shows: /at least GATEHOUSE_HEADERS_TIMEOUT \(10 s\)/ },
    { name: 'GATEHOUSE_IDLE_TIMEOUT', value: '-5', shows: '"-5"' },
    { name: 'GATEHOUSE_MIN_BODY_RATE', value: '0', shows: '"0"' },
  ]

  it.each(cases)('$name=$value', ({ name, value, shows, secret }) => {
    const cwd = tempDir()
    // A valid secret key, so the only thing wrong is the value under test (and nothing is written).
    const error = configError({ GATEHOUSE_SECRET_KEY: HEX_KEY, [name]: value }, cwd)
    expect(error.variable).toBe(name)
    expect(error.message.startsWith(`${name}: `)).toBe(true)
    expect(error.message).not.toMatch(/[\r\n]/)
    if (typeof shows === 'string') expect(error.message).toContain(shows)
    else expect(error.message).toMatch(shows)
    if (secret === true) expect(error.message).not.toContain(value)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })
})

describe('every problem at once', () => {
  it('reports each bad variable on its own line, in the order they are read, and writes nothing', () => {
    const cwd = tempDir()
    const error = configError(
      { GATEHOUSE_PORT: '80a', GATEHOUSE_LOG_LEVEL: 'loud', GATEHOUSE_TRUST_PROXY: 'true', GATEHOUSE_SECRET_KEY: 'short', GATEHOUSE_REQUEST_TIMEOUT: '5' },
      cwd,
    )
    expect(error.problems.map((p) => p.variable)).toEqual([
      'GATEHOUSE_PORT',
      'GATEHOUSE_TRUST_PROXY',
      'GATEHOUSE_LOG_LEVEL',
      'GATEHOUSE_REQUEST_TIMEOUT',
      'GATEHOUSE_SECRET_KEY',
    ])
    expect(error.variable).toBe('GATEHOUSE_PORT')
    const lines = error.message.split('\n')
    expect(lines).toHaveLength(5)
    lines.forEach((line, i) => expect(line.startsWith(`${error.problems[i]!.variable}: `)).toBe(true))
    expect(error.message).not.toContain('short')
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  it('does not generate a development key file while another variable is wrong', () => {
    const cwd = tempDir()
    expect(configError({ GATEHOUSE_PORT: '80a' }, cwd).problems).toHaveLength(1)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
    // Fixed, the same environment starts and makes the key.
    loadConfig({}, { cwd })
    expect(existsSync(join(cwd, 'data', 'secret.key'))).toBe(true)
  })

  it('still checks a damaged key file beside another problem', () => {
    const cwd = tempDir()
    mkdirSync(join(cwd, 'data'))
    writeFileSync(join(cwd, 'data', 'secret.key'), 'not a key\n')
    expect(configError({ GATEHOUSE_PORT: '80a' }, cwd).problems.map((p) => p.variable)).toEqual(['GATEHOUSE_PORT', join(cwd, 'data', 'secret.key')])
  })

  it('names the missing production variables and the bad values together', () => {
    const error = configError({ NODE_ENV: 'production', GATEHOUSE_PORT: '80a', GATEHOUSE_DEV_IDP: 'on' })
    expect(error.problems.map((p) => p.variable)).toEqual(['GATEHOUSE_BASE_URL', 'GATEHOUSE_PORT', 'GATEHOUSE_DEV_IDP'])
    expect(error.problems[0]!.problem).toContain('missing: GATEHOUSE_BASE_URL, GATEHOUSE_SECRET_KEY, GATEHOUSE_ADMIN_TOKEN, GATEHOUSE_SMTP_URL')
  })
})

describe('NODE_ENV=production', () => {
  const REQUIRED = ['GATEHOUSE_BASE_URL', 'GATEHOUSE_SECRET_KEY', 'GATEHOUSE_ADMIN_TOKEN', 'GATEHOUSE_SMTP_URL'] as const
  const ALL: Record<(typeof REQUIRED)[number], string> = {
    GATEHOUSE_BASE_URL: 'https://sso.example.com',
    GATEHOUSE_SECRET_KEY: HEX_KEY,
    GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
    GATEHOUSE_SMTP_URL: 'smtp://user:pw@mail.example.com:587',
  }
  const SENDER = { GATEHOUSE_SMTP_FROM: 'Gatehouse <no-reply@sso.example.com>' }

  it('refuses to start with none of the secrets, naming every missing one, and writes nothing', () => {
    const cwd = tempDir()
    const error = configError({ NODE_ENV: 'production' }, cwd)
    expect(error.message.startsWith('GATEHOUSE_BASE_URL: ')).toBe(true)
    expect(error.message).not.toMatch(/[\r\n]/)
    for (const name of REQUIRED) expect(error.message).toContain(name)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  const subsets = REQUIRED.flatMap((a, i) => [[a], ...REQUIRED.slice(i + 1).map((b) => [a, b])]).map((missing) => ({ missing, label: missing.join(', ') }))
  it.each(subsets)('names exactly the missing $label', ({ missing }) => {
    const env: Record<string, string> = { NODE_ENV: 'production', ...ALL, ...SENDER }
    for (const name of missing) delete env[name]
    const error = configError(env)
    expect(error.variable).toBe(missing[0])
    expect(error.message.startsWith(`${missing[0]}: `)).toBe(true)
    expect(error.message).not.toMatch(/[\r\n]/)
    for (const name of REQUIRED) {
      if (missing.includes(name)) expect(error.message).toContain(name)
      else expect(error.message).not.toContain(name)
    }
  })

  it('counts a blank value as missing', () => {
    const error = configError({ NODE_ENV: 'production', ...ALL, ...SENDER, GATEHOUSE_SECRET_KEY: '   ' })
    expect(error.message.startsWith('GATEHOUSE_SECRET_KEY: ')).toBe(true)
  })

  it('starts with them all set: no dev outbox, listens on 0.0.0.0, generates no key file', () => {
    const cwd = tempDir()
    const config = loadConfig({ NODE_ENV: 'production', ...ALL, ...SENDER }, { cwd })
    expect(config.production).toBe(true)
    expect(config.devOutbox.enabled).toBe(false)
    expect(config.host).toBe('0.0.0.0')
    expect(config.baseUrl).toBe('https://sso.example.com')
    expect(config.adminToken).toBe(ADMIN_TOKEN)
    expect(config.smtp?.url).toBe(ALL.GATEHOUSE_SMTP_URL)
    expect(config.secretKey.equals(Buffer.from(HEX_KEY, 'hex'))).toBe(true)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  it('has the development IdP off, and GATEHOUSE_DEV_IDP=off is accepted', () => {
    expect(loadConfig({ NODE_ENV: 'production', ...ALL, ...SENDER }, { cwd: tempDir() }).devIdp.enabled).toBe(false)
    expect(loadConfig({ NODE_ENV: 'production', ...ALL, ...SENDER, GATEHOUSE_DEV_IDP: 'off' }, { cwd: tempDir() }).devIdp.enabled).toBe(false)
  })

  it.each(['on', 'true', '1', 'yes', 'ON'])('refuses GATEHOUSE_DEV_IDP=%s with one line: it is impossible to enable in production', (value) => {
    const cwd = tempDir()
    const error = configError({ NODE_ENV: 'production', ...ALL, ...SENDER, GATEHOUSE_DEV_IDP: value }, cwd)
    expect(error.variable).toBe('GATEHOUSE_DEV_IDP')
    expect(error.message).toMatch(/^GATEHOUSE_DEV_IDP: cannot be on when NODE_ENV=production/)
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  it.each([
    { label: 'unset (the default no-reply@localhost)', from: undefined, shows: /unset, so mail would come from Gatehouse <no-reply@localhost>/ },
    { label: 'no-reply@localhost', from: 'no-reply@localhost', shows: /"no-reply@localhost" is not a deliverable sender/ },
    { label: 'a name at localhost', from: 'Gatehouse <No-Reply@LOCALHOST>', shows: /not a deliverable sender/ },
    { label: 'a .localhost domain', from: 'gatehouse@mail.localhost', shows: /not a deliverable sender/ },
    { label: 'no domain at all', from: 'gatehouse', shows: /not a deliverable sender/ },
  ])('refuses GATEHOUSE_SMTP_FROM $label when mail goes out over SMTP', ({ from, shows }) => {
    const env: Record<string, string> = { NODE_ENV: 'production', ...ALL, ...(from === undefined ? {} : { GATEHOUSE_SMTP_FROM: from }) }
    const error = configError(env)
    expect(error.problems).toHaveLength(1)
    expect(error.variable).toBe('GATEHOUSE_SMTP_FROM')
    expect(error.message).toMatch(shows)
    expect(error.message).toContain('your own domain')
  })

  it.each(['Gatehouse <no-reply@sso.example.com>', 'no-reply@example.com', '"Acme, Inc." <it@acme.example>'])('accepts the sender %s', (from) => {
    expect(loadConfig({ NODE_ENV: 'production', ...ALL, GATEHOUSE_SMTP_FROM: from }, { cwd: tempDir() }).smtp).toEqual({ url: ALL.GATEHOUSE_SMTP_URL, from })
  })

  it('keeps the localhost default outside production (a local mail catcher takes it)', () => {
    const config = loadConfig({ GATEHOUSE_SECRET_KEY: HEX_KEY, GATEHOUSE_SMTP_URL: 'smtp://localhost:1025' }, { cwd: tempDir() })
    expect(config.smtp).toEqual({ url: 'smtp://localhost:1025', from: 'Gatehouse <no-reply@localhost>' })
  })

  it('still validates each value', () => {
    expect(configError({ NODE_ENV: 'production', ...ALL, ...SENDER, GATEHOUSE_SECRET_KEY: 'short' }).variable).toBe('GATEHOUSE_SECRET_KEY')
    expect(configError({ NODE_ENV: 'production', ...ALL, ...SENDER, GATEHOUSE_PORT: '80a' }).variable).toBe('GATEHOUSE_PORT')
  })
})

describe('the config object', () => {
  it('is frozen, nested settings included', () => {
    const config = loadConfig({ GATEHOUSE_SECRET_KEY: HEX_KEY, GATEHOUSE_SMTP_URL: 'smtp://mail:25' }, { cwd: tempDir() })
    expect(Object.isFrozen(config)).toBe(true)
    for (const part of [
      config.database,
      config.smtp,
      config.workspaceRoles,
      config.session,
      config.passwordHashing,
      config.rateLimit,
      config.devOutbox,
      config.devIdp,
    ]) {
      expect(Object.isFrozen(part)).toBe(true)
    }
    expect(() => {
      ;(config as { port: number }).port = 1
    }).toThrow(TypeError)
    expect(() => {
      ;(config.devOutbox as { enabled: boolean }).enabled = false
    }).toThrow(TypeError)
    expect(() => (config.workspaceRoles as string[]).push('root')).toThrow(TypeError)
    expect(config.port).toBe(4000)
    expect(config.devOutbox.enabled).toBe(true)
  })
})

describe('only config.ts reads the environment', () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return sourceFiles(path)
      return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [path] : []
    })
  }

  /** The code of a file with its comments removed (a comment may talk about process.env). */
  function code(path: string): string {
    const text = readFileSync(path, 'utf8')
    const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, path.endsWith('x') ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard, text)
    let result = ''
    for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
      if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) continue
      result += scanner.getTokenText()
    }
    return result
  }

  const READS_ENV = [
    /\bprocess\s*(\?\.|\.)\s*env\b/, // process.env, process?.env
    /\bprocess\s*(\?\.)?\s*\[\s*['"`]env['"`]\s*\]/, // process['env']
    /\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/, // const { env } = process
    /\bfrom\s*['"](node:)?process['"]/, // import { env } from 'node:process'
    /\brequire\s*\(\s*['"](node:)?process['"]\s*\)/,
  ]

  it('finds the comment stripper sound', () => {
    const dir = tempDir()
    const file = join(dir, 'x.ts')
    writeFileSync(file, "// process.env in a comment\nconst url = 'http://x' // trailing\n/* process.env */ const a = process.env.A\n")
    expect(code(file)).not.toContain('in a comment')
    expect(code(file)).toContain("'http://x'")
    expect(READS_ENV.some((pattern) => pattern.test(code(file)))).toBe(true)
  })

  it('no module under src/ other than config.ts touches process.env', () => {
    const files = sourceFiles(join(ROOT, 'src'))
    expect(files.length).toBeGreaterThan(10)
    const offenders = files
      .filter((file) => relative(ROOT, file) !== join('src', 'config.ts'))
      .filter((file) => READS_ENV.some((pattern) => pattern.test(code(file))))
      .map((file) => relative(ROOT, file))
    expect(offenders).toEqual([])
  })
})

describe('docs/configuration.md', () => {
  it('describes every variable config.ts reads', () => {
    const source = ['config.ts', 'config-values.ts'].map((file) => readFileSync(join(ROOT, 'src', file), 'utf8')).join('\n')
    const names = [...new Set([...source.matchAll(/\b(GATEHOUSE_[A-Z_]+|NODE_ENV)\b/g)].map((m) => m[1]!))]
    expect(names.length).toBeGreaterThan(10)
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')
    expect(names.filter((name) => !doc.includes(`\`${name}\``))).toEqual([])
  })
})

describe('describeDatabase', () => {
  it('names the SQLite file, and a PostgreSQL database without its credentials', () => {
    expect(describeDatabase({ dialect: 'sqlite', path: '/var/lib/gatehouse/gatehouse.db' })).toBe('sqlite:/var/lib/gatehouse/gatehouse.db')
    expect(describeDatabase({ dialect: 'postgres', url: 'postgres://gatehouse:s3cret-pw@db.internal:5432/gatehouse?sslmode=require' })).toBe(
      'postgres://db.internal:5432/gatehouse',
    )
  })
})
