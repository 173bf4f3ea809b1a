/**
 * TXT lookups for email-domain verification, through the DNS servers of GATEHOUSE_DNS_SERVERS (the
 * system's when unset). A name without TXT records answers `[]`; a lookup that fails (timeout,
 * SERVFAIL, refused) is an error the owner may retry, never a "no record".
 */
import { Resolver } from 'node:dns/promises'
import type { TxtResolver } from '../core/deps.js'
import { SsoError } from '../core/sso-error.js'

/** NXDOMAIN and "no TXT records here": the record is not published (yet). */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA'])

export function createTxtResolver(options: { servers: readonly string[] | undefined; timeoutMs?: number }): TxtResolver {
  const timeoutMs = options.timeoutMs ?? 5000
  return async (name) => {
    // A resolver per lookup: cancel() ends only this lookup's queries.
    const resolver = new Resolver({ timeout: Math.ceil(timeoutMs / 2), tries: 2 })
    if (options.servers !== undefined) resolver.setServers([...options.servers])
    const timer = setTimeout(() => resolver.cancel(), timeoutMs)
    try {
      return await resolver.resolveTxt(name)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (typeof code === 'string' && ABSENT.has(code)) return []
      throw new SsoError(
        'dns_lookup_failed',
        `The DNS lookup of ${name} failed; try again in a few minutes.`,
        `resolveTxt ${name}: ${String(code ?? error)}`,
        'domain',
      )
    } finally {
      clearTimeout(timer)
    }
  }
}
