/**
 * Fetches IdP metadata server-side: 10 s timeout, capped at the metadata byte limit (512 KiB, past
 * which the parser refuses it anyway), no redirects followed blindly. In
 * production only https, and never to a loopback, private, link-local or otherwise internal address
 * (SSRF); outside production plain http and loopback are allowed so local IdPs work (DESIGN §2.3).
 */
import { lookup } from 'node:dns/promises'
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { SsoError } from '../core/sso-error.js'
import type { MetadataFetcher } from '../core/deps.js'
import { MAX_METADATA_BYTES } from '../saml/idp-metadata.js'

const MAX_BYTES = MAX_METADATA_BYTES

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

/** Resolves a host name to every address it has (dns.lookup by default; tests pass their own). */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>

const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true })

class ForbiddenAddress extends Error {}

/**
 * The `lookup` the connection itself uses: one resolution, checked, and that address connected to.
 * Checking one resolution and letting the HTTP client resolve again would let DNS rebinding (a short
 * TTL answering a public address first and an internal one second) through.
 */
function guardedLookup(resolve: Resolve, production: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then((found) => {
      if (found.length === 0) throw new Error(`${hostname} does not resolve`)
      if (production && found.some((a) => isInternalAddress(a.address))) throw new ForbiddenAddress(hostname)
      const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found
      const usable = wanted.length > 0 ? wanted : found
      if (options.all === true) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, usable)
      else callback(null, usable[0]!.address, usable[0]!.family)
    }).catch((error: Error) => callback(error as NodeJS.ErrnoException, '', 0))
  }
}

export function createMetadataFetcher(options: { production: boolean; timeoutMs?: number; resolve?: Resolve }): MetadataFetcher {
  const lookupFn = guardedLookup(options.resolve ?? systemResolve, options.production)
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
    const host = url.hostname.replace(/^\[|\]$/g, '')
    // An address literal is never looked up: judge it here.
    if (options.production && isIP(host) !== 0 && isInternalAddress(host)) {
      throw new SsoError('metadata_url_forbidden', 'The metadata URL points at an internal address, which is not allowed.', undefined, 'metadataUrl')
    }
    try {
      return await download(url, lookupFn, options.timeoutMs ?? 10_000)
    } catch (error) {
      if (error instanceof SsoError) throw error
      if (error instanceof ForbiddenAddress) {
        throw new SsoError('metadata_url_forbidden', 'The metadata URL points at an internal address, which is not allowed.', undefined, 'metadataUrl')
      }
      throw new SsoError('metadata_fetch_failed', `Could not fetch the metadata URL: ${(error as Error).message}.`, undefined, 'metadataUrl')
    }
  }
}

/** GET with the guarded lookup, a deadline for the whole exchange, no redirects and a size cap. */
function download(url: URL, lookupFn: LookupFunction, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet
    const request = get(url, { lookup: lookupFn, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } }, (response) => {
      const status = response.statusCode ?? 0
      if (status < 200 || status >= 300) {
        response.resume()
        reject(new SsoError('metadata_fetch_failed', status >= 300 && status < 400 ? `The metadata URL redirects (HTTP ${status}); give the final URL.` : `The metadata URL answered HTTP ${status}.`, undefined, 'metadataUrl'))
        return
      }
      if (Number(response.headers['content-length'] ?? '0') > MAX_BYTES) {
        response.destroy()
        reject(new SsoError('metadata_fetch_failed', `The metadata at this URL is larger than ${MAX_BYTES / 1024} KiB, far more than any IdP's own metadata (is it a federation aggregate?).`, undefined, 'metadataUrl'))
        return
      }
      const chunks: Buffer[] = []
      let total = 0
      response.on('data', (chunk: Buffer) => {
        total += chunk.byteLength
        if (total > MAX_BYTES) {
          response.destroy()
          reject(new SsoError('metadata_fetch_failed', `The metadata at this URL is larger than ${MAX_BYTES / 1024} KiB, far more than any IdP's own metadata (is it a federation aggregate?).`, undefined, 'metadataUrl'))
          return
        }
        chunks.push(chunk)
      })
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      response.on('error', reject)
    })
    const deadline = setTimeout(() => request.destroy(new Error('timed out')), timeoutMs)
    request.on('error', reject)
    request.on('close', () => clearTimeout(deadline))
  })
}
