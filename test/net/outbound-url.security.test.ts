/**
 * SSRF (issue 14 item 13): every special-purpose range is refused in production, each beside a
 * public address of the same family that is allowed. Classification only: nothing here connects to
 * anything but 127.0.0.1 servers outside production.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetadataFetcher } from '../../src/net/metadata-fetcher.js'
import { classifyAddress } from '../../src/net/outbound-address.js'
import { checkOutboundUrl, guardedLookup } from '../../src/net/outbound-url.js'

/** [what, refused address, public address of the same shape that is allowed] */
const RANGES: [string, string, string][] = [
  ['IPv4 "this network" 0.0.0.0/8', '0.1.2.3', '8.8.8.8'],
  ['IPv4 private 10/8', '10.1.2.3', '11.1.2.3'],
  ['IPv4 CGNAT 100.64/10', '100.64.0.1', '100.128.0.1'],
  ['IPv4 loopback', '127.0.0.1', '128.0.0.1'],
  ['IPv4 link-local (cloud metadata)', '169.254.169.254', '169.255.169.254'],
  ['IPv4 private 172.16/12', '172.16.0.1', '172.32.0.1'],
  ['IPv4 IETF protocol assignments 192.0.0/24', '192.0.0.1', '192.0.1.1'],
  ['IPv4 documentation 192.0.2/24', '192.0.2.1', '192.0.3.1'],
  ['IPv4 6to4 relay anycast 192.88.99/24', '192.88.99.1', '192.88.98.1'],
  ['IPv4 private 192.168/16', '192.168.1.1', '192.169.1.1'],
  ['IPv4 benchmarking 198.18/15', '198.18.0.1', '198.20.0.1'],
  ['IPv4 documentation 198.51.100/24', '198.51.100.1', '198.51.99.1'],
  ['IPv4 documentation 203.0.113/24', '203.0.113.7', '203.0.114.7'],
  ['IPv4 multicast', '224.0.0.1', '223.255.255.1'],
  ['IPv4 reserved 240/4', '240.0.0.1', '223.0.0.1'],
  ['IPv4 broadcast', '255.255.255.255', '1.1.1.1'],
  ['IPv6 unspecified', '::', '2606:4700::1111'],
  ['IPv6 loopback', '::1', '2606:4700::1111'],
  ['IPv4-compatible ::/96 of loopback, dotted', '::127.0.0.1', '::ffff:8.8.8.8'],
  ['IPv4-compatible ::/96 of loopback, hex', '::7f00:1', '::ffff:808:808'],
  ['IPv4-compatible ::/96 of a public address (deprecated: refused whole)', '::8.8.8.8', '::ffff:8.8.8.8'],
  ['IPv4-mapped loopback', '::ffff:127.0.0.1', '::ffff:8.8.8.8'],
  ['IPv4-mapped private, hex', '::ffff:a00:1', '::ffff:808:808'],
  ['IPv4-translated (RFC 6145) private', '::ffff:0:a00:1', '::ffff:0:808:808'],
  ['NAT64 64:ff9b::/96 of loopback', '64:ff9b::127.0.0.1', '64:ff9b::8.8.8.8'],
  ['NAT64 64:ff9b::/96 of metadata', '64:ff9b::a9fe:a9fe', '64:ff9b::808:808'],
  ['NAT64 local-use 64:ff9b:1::/48', '64:ff9b:1::808:808', '64:ff9b::808:808'],
  ['6to4 2002::/16 of private 10.0.0.1', '2002:a00:1::1', '2002:808:808::1'],
  ['6to4 2002::/16 of loopback', '2002:7f00:1::1', '2002:808:808::1'],
  ['Teredo client (inverted) loopback', '2001:0:808:808::80ff:fffe', '2001:0:808:808::f7f7:f7f7'],
  ['Teredo server private', '2001:0:a00:1::f7f7:f7f7', '2001:0:808:808::f7f7:f7f7'],
  ['IPv6 discard-only 100::/64', '100::1', '2606:4700::1111'],
  ['IPv6 IETF protocol assignments 2001::/23', '2001:2::1', '2606:4700::1111'],
  ['IPv6 ORCHIDv2', '2001:20::1', '2606:4700::1111'],
  ['IPv6 documentation 2001:db8::/32', '2001:db8::1', '2001:4860::8888'],
  ['IPv6 documentation 3fff::/20', '3fff::1', '2001:4860::8888'],
  ['IPv6 unique local fc00::/7', 'fd00::1', '2606:4700::1111'],
  ['IPv6 link-local fe80::/10', 'fe80::1', '2606:4700::1111'],
  ['IPv6 site-local fec0::/10 (deprecated)', 'fec0::1', '2606:4700::1111'],
  ['IPv6 multicast', 'ff02::1', '2606:4700::1111'],
  ['IPv6 outside global unicast 2000::/3', '4000::1', '2606:4700::1111'],
  ['IPv6 segment routing 5f00::/16', '5f00::1', '2606:4700::1111'],
  ['IPv6 with a zone', 'fe80::1%eth0', '2606:4700::1111'],
]

describe('outbound addresses in production', () => {
  for (const [what, refused, allowed] of RANGES) {
    it(`refuses ${what} (${refused}) and allows ${allowed}`, () => {
      expect(classifyAddress(refused)).toMatchObject({ allowed: false })
      expect(classifyAddress(allowed)).toEqual({ allowed: true })
    })
  }
})

/** Every textual form the URL parser accepts for an address literal. */
const LITERALS: [string, string][] = [
  ['https://[::127.0.0.1]/m', 'https://[2606:4700::1111]/m'],
  ['https://[::ffff:7f00:1]/m', 'https://[::ffff:808:808]/m'],
  ['https://[0:0:0:0:0:ffff:127.0.0.1]/m', 'https://[0:0:0:0:0:ffff:8.8.8.8]/m'],
  ['https://0x7f.1/m', 'https://0x8.0x8.0x8.0x8/m'],
  ['https://2130706433/m', 'https://134744072/m'],
  ['https://017700000001/m', 'https://010.010.010.010/m'],
  ['https://0177.0.0.1/m', 'https://8.8.8.8/m'],
  ['https://127.1/m', 'https://8.8.8.8/m'],
  ['https://169.254.169.254./m', 'https://8.8.8.8./m'],
  ['https://[64:ff9b::10.0.0.1]/m', 'https://[64:ff9b::8.8.8.8]/m'],
  ['https://[fe80::1]/m', 'https://[2606:4700::1111]/m'],
]

describe('outbound URLs in production', () => {
  const production = { production: true }
  for (const [refused, allowed] of LITERALS) {
    it(`refuses ${refused} and accepts ${allowed}`, () => {
      expect(() => checkOutboundUrl(refused, production)).toThrow(expect.objectContaining({ reason: 'address_forbidden' }))
      expect(checkOutboundUrl(allowed, production)).toBeInstanceOf(URL)
    })
  }

  it('refuses http, other schemes and credentials, and accepts https with a host name', () => {
    expect(() => checkOutboundUrl('http://idp.example.com/m', production)).toThrow(expect.objectContaining({ reason: 'scheme_not_allowed' }))
    expect(() => checkOutboundUrl('file:///etc/passwd', production)).toThrow(expect.objectContaining({ reason: 'scheme_not_allowed' }))
    expect(() => checkOutboundUrl('gopher://idp.example.com/', production)).toThrow(expect.objectContaining({ reason: 'scheme_not_allowed' }))
    expect(() => checkOutboundUrl('https://user:pw@idp.example.com/m', production)).toThrow(expect.objectContaining({ reason: 'credentials_in_url' }))
    expect(() => checkOutboundUrl('not a url', production)).toThrow(expect.objectContaining({ reason: 'url_invalid' }))
    expect(checkOutboundUrl('https://idp.example.com/m', production).hostname).toBe('idp.example.com')
  })

  it('allows plain http and loopback outside production (local IdPs)', () => {
    expect(checkOutboundUrl('http://[::1]:8080/m', { production: false }).hostname).toBe('[::1]')
    expect(checkOutboundUrl('http://127.0.0.1:8080/m', { production: false }).hostname).toBe('127.0.0.1')
  })
})

/** Runs the guarded lookup as the HTTP client would. */
function lookupWith(resolved: { address: string; family: number }[], production: boolean): Promise<string> {
  const lookup = guardedLookup({ production }, async () => resolved)
  return new Promise((resolve, reject) => {
    lookup('idp.example.test', { all: false }, (error, address) => (error ? reject(error) : resolve(address as string)))
  })
}

describe('host names resolving to special-purpose addresses', () => {
  for (const [what, refused, allowed] of RANGES) {
    it(`refuses a host resolving to ${what} and connects to one resolving to ${allowed}`, async () => {
      await expect(lookupWith([{ address: refused, family: refused.includes(':') ? 6 : 4 }], true)).rejects.toMatchObject({ reason: 'address_forbidden' })
      await expect(lookupWith([{ address: allowed, family: allowed.includes(':') ? 6 : 4 }], true)).resolves.toBe(allowed)
    })
  }

  it('refuses a host with one internal address among public ones', async () => {
    await expect(
      lookupWith(
        [
          { address: '8.8.8.8', family: 4 },
          { address: '::127.0.0.1', family: 6 },
        ],
        true,
      ),
    ).rejects.toMatchObject({ reason: 'address_forbidden' })
    await expect(
      lookupWith(
        [
          { address: '8.8.8.8', family: 4 },
          { address: '2001:4860::8888', family: 6 },
        ],
        true,
      ),
    ).resolves.toBe('8.8.8.8')
  })
})

describe('the metadata fetcher follows the outbound rules', () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('<EntityDescriptor/>'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('refuses in production a host name that resolves to an IPv4-compatible loopback address', async () => {
    const fetcher = createMetadataFetcher({ production: true, resolve: async () => [{ address: '::7f00:1', family: 6 }] })
    await expect(fetcher('https://idp.example.test/metadata')).rejects.toMatchObject({
      code: 'metadata_url_forbidden',
      detail: expect.stringContaining('ipv4Compatible'),
    })
  })

  it('refuses in production a literal [::127.0.0.1] before any connection', async () => {
    const fetcher = createMetadataFetcher({
      production: true,
      resolve: async () => {
        throw new Error('must not resolve')
      },
    })
    await expect(fetcher(`https://[::127.0.0.1]:${port}/metadata`)).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
  })

  it('refuses credentials in the URL, and fetches the same local URL without them outside production', async () => {
    const fetcher = createMetadataFetcher({ production: false })
    await expect(fetcher(`http://user:secret@127.0.0.1:${port}/metadata`)).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
    expect(await fetcher(`http://127.0.0.1:${port}/metadata`)).toBe('<EntityDescriptor/>')
  })
})
