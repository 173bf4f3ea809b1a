/**
 * The one place that reads the environment. `loadConfig(env)` validates every variable and reports
 * every problem at once, one line each; everything below receives the frozen `Config` (or a slice).
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { ConfigError, integer, nonEmpty, oneOf, parseDnsServers, parseTrustProxy, type ConfigProblem, type Env, type TrustProxy } from './config-values.js'

export { ConfigError, type ConfigProblem, type TrustProxy } from './config-values.js'

export type DatabaseConfig = { readonly dialect: 'sqlite'; readonly path: string } | { readonly dialect: 'postgres'; readonly url: string }

export interface Config {
  readonly production: boolean
  readonly baseUrl: string
  readonly host: string
  readonly port: number
  readonly dataDir: string
  readonly database: DatabaseConfig
  /**
   * PostgreSQL: how long start-up keeps retrying a database that does not answer yet (it starts
   * with Gatehouse, or fails over) before giving up (GATEHOUSE_DATABASE_START_TIMEOUT); 0: one try.
   */
  readonly databaseStartTimeoutSeconds: number
  /** Undefined disables the operator API (logged once at start). */
  readonly adminToken: string | undefined
  /** Bearer token of GET /metrics; undefined: /metrics is off (404). */
  readonly metricsToken: string | undefined
  /** 32 bytes; encrypts private keys at rest and keys HMACs (CSRF tokens). */
  readonly secretKey: Buffer
  /** Where the secret key came from: `GATEHOUSE_SECRET_KEY`, or in development the key file's path. */
  readonly secretKeySource: string
  readonly smtp: { readonly url: string; readonly from: string } | undefined
  /** Highest first: a mapping that combines roles keeps the earliest in this list. */
  readonly workspaceRoles: readonly string[]
  readonly session: { readonly idleMinutes: number; readonly absoluteHours: number }
  /**
   * Days a rotated SAML SP key pair is published in metadata before it signs (GATEHOUSE_SP_KEY_PUBLICATION_DAYS):
   * IdPs that pin the SP certificate re-read the metadata meanwhile. 0: a rotation signs at once.
   */
  readonly spKeyPublicationDays: number
  readonly passwordHashing: { readonly memoryCost: number; readonly timeCost: number }
  readonly rateLimit: {
    readonly windowMinutes: number
    readonly perAccount: number
    readonly perIp: number
  }
  readonly devOutbox: { readonly enabled: boolean }
  /** The development IdP under /dev/idp (GATEHOUSE_DEV_IDP): on by default outside production, never in it. */
  readonly devIdp: { readonly enabled: boolean }
  /**
   * Which reverse proxies' `X-Forwarded-*` headers to believe (GATEHOUSE_TRUST_PROXY): false, a hop
   * count, or the proxies' addresses and CIDR ranges. The client is the last address not trusted.
   */
  readonly trustProxy: TrustProxy
  readonly logLevel: string
  /** DNS servers for domain verification (`ip` or `ip:port`, IPv6 as `[ip]:port`); undefined: the system's. */
  readonly dns: { readonly servers: readonly string[] | undefined }
  /** How long the server waits for clients, and for itself when stopping (DESIGN §6): every wait is bounded. */
  readonly http: HttpTimeouts
}

export interface HttpTimeouts {
  /** The request line and headers must arrive within this (GATEHOUSE_HEADERS_TIMEOUT). */
  readonly headersMs: number
  /** The whole request, headers and body (GATEHOUSE_REQUEST_TIMEOUT). */
  readonly requestMs: number
  /** A connection with no traffic, between requests (keep-alive) or before the first (GATEHOUSE_IDLE_TIMEOUT). */
  readonly idleMs: number
  /**
   * Once `graceMs` have passed since a request's headers, its body must have arrived at
   * `bytesPerSecond` on average, or the request is cut off (GATEHOUSE_MIN_BODY_RATE; http/min-body-rate.ts).
   */
  readonly minBodyRate: { readonly bytesPerSecond: number; readonly graceMs: number }
  /** On SIGTERM: how long in-flight requests may take to finish before they are cut off (GATEHOUSE_SHUTDOWN_TIMEOUT). */
  readonly shutdownMs: number
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/

/**
 * Reads and validates the environment. `cwd` anchors relative paths such as `./data`. Every bad or
 * missing variable is reported in one ConfigError (one line each), not just the first.
 */
export function loadConfig(env: Env, options: { cwd?: string } = {}): Config {
  const cwd = options.cwd ?? process.cwd()
  const nodeEnv = env.NODE_ENV ?? 'development'
  const production = nodeEnv === 'production'
  const problems: ConfigProblem[] = []
  /** `parse()`, or `fallback` with its problems noted: the remaining variables are still checked. */
  const read = <T>(parse: () => T, fallback: T): T => {
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      problems.push(...error.problems)
      return fallback
    }
  }

  if (production) {
    const missing = ['GATEHOUSE_BASE_URL', 'GATEHOUSE_SECRET_KEY', 'GATEHOUSE_ADMIN_TOKEN', 'GATEHOUSE_SMTP_URL'].filter(
      (name) => nonEmpty(env, name) === undefined,
    )
    if (missing.length > 0) {
      problems.push({ variable: missing[0]!, problem: `required when NODE_ENV=production (missing: ${missing.join(', ')})` })
    }
  }
  const port = read(() => integer(env, 'GATEHOUSE_PORT', 4000, 1, 65535), 4000)
  const baseUrl = read(() => parseBaseUrl(env, port), `http://localhost:${port}`)
  const dataDir = resolve(cwd, nonEmpty(env, 'GATEHOUSE_DATA_DIR') ?? 'data')
  const database = read(() => parseDatabase(env, cwd, dataDir), { dialect: 'sqlite', path: join(dataDir, 'gatehouse.db') })
  const databaseStartTimeoutSeconds = read(() => integer(env, 'GATEHOUSE_DATABASE_START_TIMEOUT', 60, 0, 3600), 60)

  const adminToken = read(() => token(env, 'GATEHOUSE_ADMIN_TOKEN'), undefined)
  const metricsToken = read(() => token(env, 'GATEHOUSE_METRICS_TOKEN'), undefined)
  const smtp = read(() => parseSmtp(env, production), undefined)
  const workspaceRoles = read(() => parseRoles(env), [])
  const session = {
    idleMinutes: read(() => integer(env, 'GATEHOUSE_SESSION_IDLE_MINUTES', 8 * 60, 5, 7 * 24 * 60), 0),
    absoluteHours: read(() => integer(env, 'GATEHOUSE_SESSION_ABSOLUTE_HOURS', 24, 1, 30 * 24), 0),
  }
  const spKeyPublicationDays = read(() => integer(env, 'GATEHOUSE_SP_KEY_PUBLICATION_DAYS', 7, 0, 90), 7)
  const rateLimit = {
    windowMinutes: 15,
    perAccount: read(() => integer(env, 'GATEHOUSE_RATE_LIMIT_ACCOUNT', 10, 1, 10_000), 0),
    perIp: read(() => integer(env, 'GATEHOUSE_RATE_LIMIT_IP', 100, 1, 1_000_000), 0),
  }
  const trustProxy = read(() => parseTrustProxy(env), false)
  const devIdp = read(() => parseDevIdp(env, production), false)
  const logLevel = read(() => oneOf(env, 'GATEHOUSE_LOG_LEVEL', LOG_LEVELS, 'info'), 'info')
  const dnsServers = read(() => parseDnsServers(env), undefined)
  const http = parseHttpTimeouts(env, read)
  // Last: in development this may write ./data/secret.key, which a bad value elsewhere must not
  // leave behind. With problems already found, a given key (or key file) is only checked.
  const secretKeySource = production || nonEmpty(env, 'GATEHOUSE_SECRET_KEY') !== undefined ? 'GATEHOUSE_SECRET_KEY' : join(dataDir, 'secret.key')
  const secretKey = read(() => parseSecretKey(env, production, dataDir, { generate: problems.length === 0 }), Buffer.alloc(0))
  if (problems.length > 0) {
    const [first, ...others] = problems
    throw new ConfigError(first!.variable, first!.problem, others)
  }
  const config: Config = {
    production,
    baseUrl,
    host: nonEmpty(env, 'GATEHOUSE_HOST') ?? (production ? '0.0.0.0' : 'localhost'),
    port,
    dataDir,
    database,
    databaseStartTimeoutSeconds,
    adminToken,
    metricsToken,
    secretKey,
    secretKeySource,
    smtp,
    workspaceRoles,
    session,
    spKeyPublicationDays,
    passwordHashing: { memoryCost: 19456, timeCost: 2 },
    rateLimit,
    devOutbox: { enabled: !production },
    devIdp: { enabled: devIdp },
    trustProxy,
    logLevel,
    dns: { servers: dnsServers },
    http,
  }
  return deepFreeze(config)
}

type Read = <T>(parse: () => T, fallback: T) => T

/** A bearer token the operator chose: unset, or at least 24 characters (never echoed). */
function token(env: Env, name: string): string | undefined {
  const value = nonEmpty(env, name)
  if (value !== undefined && value.length < 24) throw new ConfigError(name, `expected at least 24 characters, got ${value.length}`)
  return value
}

/**
 * SMTP, or undefined for the development outbox. In production the sender must be a real address:
 * mail from `no-reply@localhost` (the default) is refused or filed as spam by receiving servers, so
 * invitations and password links would silently never arrive.
 */
function parseSmtp(env: Env, production: boolean): Config['smtp'] {
  const url = nonEmpty(env, 'GATEHOUSE_SMTP_URL')
  if (url !== undefined && !/^smtps?:\/\/[^/]+/.test(url)) {
    throw new ConfigError('GATEHOUSE_SMTP_URL', 'expected smtp://user:password@host:port or smtps://…')
  }
  const given = nonEmpty(env, 'GATEHOUSE_SMTP_FROM')
  const from = given ?? DEFAULT_SENDER
  if (production && url !== undefined && isLocalSender(from)) {
    throw new ConfigError(
      'GATEHOUSE_SMTP_FROM',
      `${given === undefined ? `unset, so mail would come from ${DEFAULT_SENDER}` : `${JSON.stringify(given)} is not a deliverable sender`}: in production set an address on your own domain that your SMTP server may send as, e.g. "Gatehouse <no-reply@sso.example.com>"`,
    )
  }
  return url === undefined ? undefined : { url, from }
}

const DEFAULT_SENDER = 'Gatehouse <no-reply@localhost>'

/** True when the sender's domain is localhost (or missing): no receiving server accepts it. */
export function isLocalSender(from: string): boolean {
  const address = /<([^>]*)>\s*$/.exec(from)?.[1] ?? from
  const at = address.lastIndexOf('@')
  const domain =
    at === -1
      ? ''
      : address
          .slice(at + 1)
          .trim()
          .toLowerCase()
          .replace(/\.$/, '')
  return domain === '' || domain === 'localhost' || domain.endsWith('.localhost')
}

/** The database for people to read: `sqlite:PATH`, or a PostgreSQL URL without its user and password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.dialect === 'sqlite') return `sqlite:${database.path}`
  const url = new URL(database.url)
  return `${url.protocol}//${url.host}${url.pathname}`
}

/** Freezes the config and every settings object in it (a Buffer, the secret key, cannot be frozen). */
function deepFreeze<T extends object>(value: T): T {
  for (const part of Object.values(value)) {
    if (typeof part === 'object' && part !== null && !Buffer.isBuffer(part)) deepFreeze(part)
  }
  return Object.freeze(value)
}

/**
 * The development IdP signs anyone in as anyone: `on` by default in development, always off in
 * production, where asking for it stops the start rather than being quietly ignored.
 */
function parseDevIdp(env: Env, production: boolean): boolean {
  const raw = nonEmpty(env, 'GATEHOUSE_DEV_IDP')
  if (raw === undefined) return !production
  const value = raw.toLowerCase()
  const on = ['on', 'true', '1', 'yes'].includes(value)
  if (!on && !['off', 'false', '0', 'no'].includes(value)) {
    throw new ConfigError('GATEHOUSE_DEV_IDP', `expected on or off, got ${JSON.stringify(raw)}`)
  }
  if (on && production) {
    throw new ConfigError('GATEHOUSE_DEV_IDP', 'cannot be on when NODE_ENV=production: the development IdP signs anyone in as anyone')
  }
  return on
}

function parseBaseUrl(env: Env, port: number): string {
  const raw = nonEmpty(env, 'GATEHOUSE_BASE_URL') ?? `http://localhost:${port}`
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('GATEHOUSE_BASE_URL', `expected an absolute http(s) URL, got ${JSON.stringify(raw)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('GATEHOUSE_BASE_URL', `expected http: or https:, got ${JSON.stringify(url.protocol)}`)
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('GATEHOUSE_BASE_URL', 'must not carry a query, fragment or credentials')
  }
  return url.toString().replace(/\/+$/, '')
}

function parseDatabase(env: Env, cwd: string, dataDir: string): DatabaseConfig {
  const raw = nonEmpty(env, 'GATEHOUSE_DATABASE_URL')
  if (raw === undefined) return { dialect: 'sqlite', path: join(dataDir, 'gatehouse.db') }
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path === '') throw new ConfigError('GATEHOUSE_DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:./data/gatehouse.db')
    return { dialect: 'sqlite', path: path === ':memory:' || isAbsolute(path) ? path : resolve(cwd, path) }
  }
  if (/^postgres(ql)?:\/\/./.test(raw)) {
    try {
      new URL(raw)
    } catch {
      throw new ConfigError('GATEHOUSE_DATABASE_URL', 'is not a valid postgres:// URL')
    }
    return { dialect: 'postgres', url: raw }
  }
  throw new ConfigError('GATEHOUSE_DATABASE_URL', 'expected sqlite:PATH or postgres://user@host:port/database')
}

/** A 32-byte key given as 64 hex digits or base64; in development one is made once under the data dir. */
function parseSecretKey(env: Env, production: boolean, dataDir: string, { generate }: { generate: boolean }): Buffer {
  const raw = nonEmpty(env, 'GATEHOUSE_SECRET_KEY')
  if (raw !== undefined) return decodeSecretKey(raw)
  // Production without the key is already reported among the missing variables.
  if (production) return Buffer.alloc(0)
  const file = join(dataDir, 'secret.key')
  if (existsSync(file)) return decodeSecretKey(readFileSync(file, 'utf8').trim(), file)
  if (!generate) return Buffer.alloc(0)
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32)
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
  return key
}

function decodeSecretKey(raw: string, source = 'GATEHOUSE_SECRET_KEY'): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64')
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(raw) && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw))) {
    throw new ConfigError(source, 'expected 32 random bytes as 64 hex digits or base64 (openssl rand -hex 32)')
  }
  return key
}

/** Seconds in the environment, milliseconds in the config. */
function parseHttpTimeouts(env: Env, read: Read): HttpTimeouts {
  const headers = read(() => integer(env, 'GATEHOUSE_HEADERS_TIMEOUT', 10, 1, 300), undefined)
  const request = read(() => integer(env, 'GATEHOUSE_REQUEST_TIMEOUT', 60, 1, 3600), undefined)
  // node refuses a headers timeout above the request timeout.
  read(() => {
    if (headers !== undefined && request !== undefined && request < headers) {
      throw new ConfigError('GATEHOUSE_REQUEST_TIMEOUT', `expected at least GATEHOUSE_HEADERS_TIMEOUT (${headers} s), got ${request}`)
    }
  }, undefined)
  return {
    headersMs: (headers ?? 0) * 1000,
    requestMs: (request ?? 0) * 1000,
    idleMs: read(() => integer(env, 'GATEHOUSE_IDLE_TIMEOUT', 72, 1, 3600), 0) * 1000,
    minBodyRate: { bytesPerSecond: read(() => integer(env, 'GATEHOUSE_MIN_BODY_RATE', 1024, 1, 1024 * 1024 * 1024), 0), graceMs: 10_000 },
    shutdownMs: read(() => integer(env, 'GATEHOUSE_SHUTDOWN_TIMEOUT', 10, 0, 300), 0) * 1000,
  }
}

function parseRoles(env: Env): string[] {
  const raw = nonEmpty(env, 'GATEHOUSE_WORKSPACE_ROLES')
  if (raw === undefined) return ['admin', 'developer', 'editor', 'viewer']
  const roles = raw.split(',').map((role) => role.trim())
  const bad = roles.find((role) => !ROLE_NAME.test(role) || role === 'noaccess')
  if (bad !== undefined) {
    throw new ConfigError(
      'GATEHOUSE_WORKSPACE_ROLES',
      `role ${JSON.stringify(bad)} must be 1–32 of a-z, 0-9, _ or -, starting with a letter, and not "noaccess"`,
    )
  }
  if (new Set(roles).size !== roles.length) throw new ConfigError('GATEHOUSE_WORKSPACE_ROLES', 'lists a role twice')
  return roles
}
