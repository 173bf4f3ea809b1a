/**
 * loadConfig(env): defaults that make `npm start` work with nothing set, and the good values it takes.
 * Errors are in config-errors.test.ts; the config object and who reads the environment in config-sources.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../src/config.js'
import { ADMIN_TOKEN, configError, HEX_KEY, removeTempDirs, tempDir } from './config-support.js'

afterEach(removeTempDirs)

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
