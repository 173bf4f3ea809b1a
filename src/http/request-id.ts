/**
 * The request id: a reverse proxy's `X-Request-Id` (nginx's `$request_id`) is kept when the request
 * came from a proxy Gatehouse trusts (GATEHOUSE_TRUST_PROXY) and the id is well formed, so one id
 * follows a request through the proxy's log and ours. Anything else gets a fresh UUID: a client
 * cannot choose the id its requests are logged and answered under.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'
import type { Config } from '../config.js'

const WELL_FORMED = /^[A-Za-z0-9._-]{8,128}$/

/** proxy-addr's named ranges, as Fastify reads them. */
const NAMED: Record<string, readonly string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
}

/** Whether a connection from `address` is from a proxy GATEHOUSE_TRUST_PROXY trusts. */
export function trustedPeer(trust: Config['trustProxy']): (address: string | undefined) => boolean {
  if (trust === false) return () => false
  // A hop count trusts the nearest hop(s), whoever they are: Gatehouse is only reachable through them.
  if (typeof trust === 'number') return () => trust >= 1
  const list = new BlockList()
  for (const entry of trust.flatMap((e) => NAMED[e] ?? [e])) {
    const [address, prefix] = entry.split('/') as [string, string | undefined]
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(prefix), family)
  }
  return (raw) => {
    if (raw === undefined) return false
    const address = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw
    return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
  }
}

/** Fastify's genReqId: the trusted proxy's well-formed X-Request-Id, else a new UUID. */
export function requestIdGenerator(trust: Config['trustProxy']): (request: IncomingMessage) => string {
  const trusted = trustedPeer(trust)
  return (request) => {
    const offered = request.headers['x-request-id']
    if (typeof offered === 'string' && WELL_FORMED.test(offered) && trusted(request.socket?.remoteAddress)) return offered
    return randomUUID()
  }
}
