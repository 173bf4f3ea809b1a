/**
 * The rules for every URL Gatehouse itself fetches or posts to (IdP metadata, webhooks; back-channel
 * logout when it comes), DESIGN §2.3 and §9. In production: https only, no
 * credentials in the URL, and every address the host is or resolves to must be public unicast
 * (outbound-address.ts); the connection goes to the address that was checked (the `lookup` below),
 * never to a second resolution (DNS rebinding). Outside production plain http and loopback stay
 * allowed so local IdPs work. Redirects are the caller's to refuse, or to check again hop by hop.
 */
import { lookup } from 'node:dns/promises'
import { isIP, type LookupFunction } from 'node:net'
import { classifyAddress } from './outbound-address.js'

export type OutboundRefusalReason = 'url_invalid' | 'scheme_not_allowed' | 'credentials_in_url' | 'address_forbidden' | 'unresolvable'

/** Why an outbound URL was refused; `message` is safe to show and names the problem, `detail` is for logs. */
export class OutboundUrlRefusal extends Error {
  override name = 'OutboundUrlRefusal'
  constructor(
    readonly reason: OutboundRefusalReason,
    message: string,
    readonly detail?: string,
  ) {
    super(message)
  }
}

export interface OutboundPolicy {
  readonly production: boolean
}

/** Resolves a host name to every address it has (dns.lookup by default; tests pass their own). */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>

export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true })

/**
 * The URL as it will be fetched, after the checks that need no DNS. The WHATWG parser has already
 * turned every spelling of an IPv4 address (`0x7f.1`, `2130706433`, `017700000001`, `127.1`) into
 * dotted decimal and every IPv6 one into canonical hex, so an address literal is judged here as such.
 */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new OutboundUrlRefusal('url_invalid', 'is not a valid absolute URL.')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.production)) {
    throw new OutboundUrlRefusal('scheme_not_allowed', policy.production ? 'must use https.' : 'must use http or https.')
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundUrlRefusal('credentials_in_url', 'must not contain a user name or password.')
  }
  const literal = url.hostname.replace(/^\[|\]$/g, '')
  if (policy.production && isIP(literal) !== 0) checkAddress(url.hostname, literal)
  return url
}

function checkAddress(host: string, address: string): void {
  const verdict = classifyAddress(address)
  if (!verdict.allowed) {
    throw new OutboundUrlRefusal(
      'address_forbidden',
      'points at an internal or special-purpose address, which is not allowed.',
      `${host} → ${address} (${verdict.range})`,
    )
  }
}

/**
 * The `lookup` the connection itself uses: one resolution, every address checked (in production),
 * and one of those addresses connected to. Checking one resolution and letting the HTTP client
 * resolve again would let DNS rebinding through (a short TTL answering a public address first and an
 * internal one second). One internal address among public ones refuses the host: which one a
 * connection takes is not ours to choose.
 */
export function guardedLookup(policy: OutboundPolicy, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((found) => {
        if (found.length === 0) throw new OutboundUrlRefusal('unresolvable', `${hostname} does not resolve.`, hostname)
        if (policy.production) for (const a of found) checkAddress(hostname, a.address)
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found
        const usable = wanted.length > 0 ? wanted : found
        if (options.all === true) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, usable)
        else callback(null, usable[0]!.address, usable[0]!.family)
      })
      .catch((error: Error) => callback(error as NodeJS.ErrnoException, '', 0))
  }
}
