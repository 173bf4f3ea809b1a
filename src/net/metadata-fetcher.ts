/**
 * Fetches IdP metadata server-side: 10 s timeout, 10 MiB cap, no redirects followed blindly. In
 * production only https, and never to a loopback, private, link-local or otherwise internal address
 * (SSRF); outside production plain http and loopback are allowed so local IdPs work (DESIGN §2.3).
 */
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { SsoError } from '../core/sso-error.js'
import type { MetadataFetcher } from '../core/deps.js'

const MAX_BYTES = 10 * 1024 * 1024

const internal = new BlockList()
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  internal.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  internal.addSubnet(net, prefix, 'ipv6')
}

export function isInternalAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped !== null) return isInternalAddress(mapped[1]!)
  const family = isIP(address)
  if (family === 0) return true
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export function createMetadataFetcher(options: { production: boolean; timeoutMs?: number }): MetadataFetcher {
  return async (raw) => {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw new SsoError('metadata_url_forbidden', 'The metadata URL is not a valid URL.', undefined, 'metadataUrl')
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !options.production)) {
      throw new SsoError('metadata_url_forbidden', options.production ? 'The metadata URL must use https.' : 'The metadata URL must use http or https.', undefined, 'metadataUrl')
    }
    if (options.production) {
      const host = url.hostname.replace(/^\[|\]$/g, '')
      const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address)
      if (addresses.length === 0) throw new SsoError('metadata_fetch_failed', `The metadata host ${host} does not resolve.`, undefined, 'metadataUrl')
      if (addresses.some(isInternalAddress)) {
        throw new SsoError('metadata_url_forbidden', 'The metadata URL points at an internal address, which is not allowed.', undefined, 'metadataUrl')
      }
    }
    let response: Response
    try {
      response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs ?? 10_000), headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } })
    } catch (error) {
      throw new SsoError('metadata_fetch_failed', `Could not fetch the metadata URL: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}.`, undefined, 'metadataUrl')
    }
    if (!response.ok) throw new SsoError('metadata_fetch_failed', `The metadata URL answered HTTP ${response.status}.`, undefined, 'metadataUrl')
    const declared = Number(response.headers.get('content-length') ?? '0')
    if (declared > MAX_BYTES) throw new SsoError('metadata_fetch_failed', 'The metadata is larger than 10 MiB.', undefined, 'metadataUrl')
    const reader = response.body?.getReader()
    const chunks: Uint8Array[] = []
    let total = 0
    try {
      while (reader !== undefined) {
        const { done, value } = await reader.read()
        if (done) break
        total += value.byteLength
        if (total > MAX_BYTES) {
          await reader.cancel()
          throw new SsoError('metadata_fetch_failed', 'The metadata is larger than 10 MiB.', undefined, 'metadataUrl')
        }
        chunks.push(value)
      }
    } catch (error) {
      if (error instanceof SsoError) throw error
      throw new SsoError('metadata_fetch_failed', `Could not read the metadata: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}.`, undefined, 'metadataUrl')
    }
    return Buffer.concat(chunks).toString('utf8')
  }
}
