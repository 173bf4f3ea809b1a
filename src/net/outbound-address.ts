/**
 * Which IP addresses Gatehouse may connect to in production (SSRF, DESIGN §2.3 and §9): public
 * unicast only. The ranges come from ipaddr.js (a maintained copy of the IANA special-purpose
 * registries, RFC 6890), not from a hand list; on top of it:
 *
 * - an address that carries an IPv4 address is judged by that IPv4 address as well: IPv4-mapped
 *   `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96` (RFC 6145), NAT64 `64:ff9b::/96`
 *   (RFC 6052, its last 32 bits), 6to4 `2002::/16` (bits 16–47) and Teredo `2001::/32` (the server
 *   in bits 32–63 and the client, inverted, in the last 32 bits, RFC 4380 §4);
 * - IPv4-compatible `::/96` (RFC 4291 §2.5.5.1, deprecated) is refused whole: ipaddr.js reads it as
 *   plain unicast, so `[::127.0.0.1]` (which the URL parser writes `[::7f00:1]`) would pass;
 * - the local-use NAT64 prefix `64:ff9b:1::/48` (RFC 8215) is refused whole: where it embeds the
 *   IPv4 address depends on the operator's prefix length;
 * - any other IPv6 address must be global unicast, `2000::/3` (RFC 4291 §2.4): the rest of the
 *   space is unassigned or special, and ipaddr.js calls what it does not list "unicast".
 */
import ipaddr from 'ipaddr.js'
import { isIP } from 'node:net'

export type AddressVerdict = { readonly allowed: true } | { readonly allowed: false; readonly range: string }

const ALLOWED: AddressVerdict = { allowed: true }
const refused = (range: string): AddressVerdict => ({ allowed: false, range })

/** Whether a production Gatehouse may connect to this address (a literal IPv4 or IPv6 address, no brackets). */
export function classifyAddress(address: string): AddressVerdict {
  const family = isIP(address)
  if (family === 4) return classifyIpv4(ipaddr.IPv4.parse(address))
  if (family !== 6) return refused('notAnAddress')
  // The URL parser writes every IPv6 form in its canonical hex form (`::127.0.0.1` → `::7f00:1`);
  // ipaddr.js would read the dotted `::a.b.c.d` as IPv4-mapped, which it is not. A zone (`%eth0`) fails here.
  let canonical: string
  try {
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  } catch {
    return refused('notAnAddress')
  }
  return classifyIpv6(ipaddr.IPv6.parse(canonical))
}

export function isAllowedAddress(address: string): boolean {
  return classifyAddress(address).allowed
}

function classifyIpv4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range()
  return range === 'unicast' ? ALLOWED : refused(range)
}

function ipv4Of(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])
}

/** Both must be allowed: the IPv6 address's own range and the IPv4 address it carries. */
function viaIpv4(range: string, ...embedded: ipaddr.IPv4[]): AddressVerdict {
  for (const ipv4 of embedded) {
    const verdict = classifyIpv4(ipv4)
    if (!verdict.allowed) return refused(`${range}:${verdict.range}`)
  }
  return ALLOWED
}

function classifyIpv6(address: ipaddr.IPv6): AddressVerdict {
  const p = address.parts as [number, number, number, number, number, number, number, number]
  const range = address.range()
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return viaIpv4(range, ipv4Of(p[6], p[7]))
    case 'rfc6052':
      // 64:ff9b::/96 carries the IPv4 address in its last 32 bits; 64:ff9b:1::/48 is local use.
      return p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? viaIpv4(range, ipv4Of(p[6], p[7])) : refused('rfc8215LocalUse')
    case '6to4':
      return viaIpv4(range, ipv4Of(p[1], p[2]))
    case 'teredo':
      return viaIpv4(range, ipv4Of(p[2], p[3]), ipv4Of(p[6] ^ 0xffff, p[7] ^ 0xffff))
    case 'unicast':
      if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) return refused('ipv4Compatible')
      return (p[0] & 0xe000) === 0x2000 ? ALLOWED : refused('notGlobalUnicast')
    default:
      return refused(range)
  }
}
