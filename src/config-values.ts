/**
 * The pieces of config.ts's environment reading: the error that lists every problem, the value
 * readers (`nonEmpty`, `integer`, `oneOf`), and the two network lists (trusted proxies, DNS servers).
 * Only config.ts calls them, with the environment it was given.
 */
import { isIP } from 'node:net'

/** Never `true`: trusting every hop would let a client name its own address. */
export type TrustProxy = false | number | readonly string[]

export interface ConfigProblem {
  readonly variable: string
  readonly problem: string
}

/**
 * What is wrong with the environment: every problem found, one line each (`VARIABLE: problem`), so an
 * operator fixes them all in one go. `variable` is the first problem's.
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly problems: readonly ConfigProblem[]
  constructor(
    readonly variable: string,
    problem: string,
    others: readonly ConfigProblem[] = [],
  ) {
    const problems = [{ variable, problem }, ...others]
    super(problems.map((p) => `${p.variable}: ${p.problem}`).join('\n'))
    this.problems = problems
  }
}

export type Env = Readonly<Record<string, string | undefined>>

export function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `expected an integer ${min}–${max}, got ${JSON.stringify(raw)}`)
  }
  return value
}

export function oneOf(env: Env, name: string, allowed: string[], fallback: string): string {
  const raw = nonEmpty(env, name)
  if (raw === undefined) return fallback
  if (!allowed.includes(raw)) throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
  return raw
}

/** `1.1.1.1`, `10.0.0.2:5353`, `2606:4700::1111` or `[2606:4700::1111]:53`, comma-separated. */
export function parseDnsServers(env: Env): string[] | undefined {
  const raw = nonEmpty(env, 'GATEHOUSE_DNS_SERVERS')
  if (raw === undefined) return undefined
  const servers = raw.split(',').map((s) => s.trim())
  for (const server of servers) {
    const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(server) ?? /^([^:]+):(\d{1,5})$/.exec(server)
    const ip = match?.[1] ?? server
    const port = match?.[2] === undefined ? 53 : Number(match[2])
    if (isIP(ip) === 0 || port < 1 || port > 65535) {
      throw new ConfigError(
        'GATEHOUSE_DNS_SERVERS',
        `expected IP addresses with an optional :port, separated by commas (1.1.1.1, 10.0.0.2:5353, [2606:4700::1111]:53), got ${JSON.stringify(server)}`,
      )
    }
  }
  return servers
}

/** The named ranges proxy-addr (Fastify's trust-proxy check) knows. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal']
const MAX_HOPS = 32

/**
 * Off (`false`, `no`, `0` or unset), a hop count (`1` for one reverse proxy in front), or the
 * proxies' addresses and CIDR ranges separated by commas. `true` is refused: it would trust every
 * hop, and so the left-most `X-Forwarded-For` entry, which the client writes itself.
 */
export function parseTrustProxy(env: Env): TrustProxy {
  const name = 'GATEHOUSE_TRUST_PROXY'
  const raw = nonEmpty(env, name)
  if (raw === undefined || ['false', 'no', '0'].includes(raw.toLowerCase())) return false
  if (['true', 'yes', 'on'].includes(raw.toLowerCase())) {
    throw new ConfigError(
      name,
      `${JSON.stringify(raw)} would trust every hop, so a client could name its own address: give the number of proxies in front of Gatehouse (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8, ::1)`,
    )
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw)
    if (hops > MAX_HOPS) throw new ConfigError(name, `expected a hop count 1–${MAX_HOPS}, got ${JSON.stringify(raw)}`)
    return hops
  }
  const entries = raw.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    if (NAMED_RANGES.includes(entry)) continue
    const problem = cidrProblem(entry)
    if (problem !== undefined)
      throw new ConfigError(
        name,
        `${JSON.stringify(entry)} ${problem}; expected a hop count or IP addresses/CIDRs separated by commas (10.0.0.0/8, 192.0.2.7, ::1, loopback)`,
      )
  }
  return entries
}

/** Why `entry` is not an IPv4/IPv6 address or CIDR range (undefined if it is). */
function cidrProblem(entry: string): string | undefined {
  const slash = entry.indexOf('/')
  const address = slash === -1 ? entry : entry.slice(0, slash)
  const family = isIP(address)
  if (family === 0) return 'is not an IP address'
  if (slash === -1) return undefined
  const prefix = entry.slice(slash + 1)
  const max = family === 4 ? 32 : 128
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `has a bad prefix length (expected 1–${max})`
  if (Number(prefix) === 0) return 'would trust every address'
  return undefined
}
