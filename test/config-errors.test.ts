/** loadConfig(env): one-line errors that name the variable, every problem at once, and what production requires. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { ADMIN_TOKEN, configError, HEX_KEY, removeTempDirs, tempDir } from './config-support.js'

afterEach(removeTempDirs)

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
