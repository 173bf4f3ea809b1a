/**
 * Fetches IdP metadata server-side: 10 s timeout, capped at the metadata byte limit (512 KiB, past
 * which the parser refuses it anyway), no redirects followed. The URL and every address it resolves
 * to follow the outbound rules of outbound-url.ts (SSRF): in production https only and public unicast
 * addresses only; outside production plain http and loopback are allowed so local IdPs work
 * (DESIGN §2.3).
 */
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'
import type { LookupFunction } from 'node:net'
import { SsoError } from '../core/sso-error.js'
import type { MetadataFetcher } from '../core/deps.js'
import { MAX_METADATA_BYTES } from '../saml/idp-metadata.js'
import { checkOutboundUrl, guardedLookup, OutboundUrlRefusal, type Resolve } from './outbound-url.js'

export type { Resolve } from './outbound-url.js'

const MAX_BYTES = MAX_METADATA_BYTES

export function createMetadataFetcher(options: { production: boolean; timeoutMs?: number; resolve?: Resolve }): MetadataFetcher {
  const policy = { production: options.production }
  const lookupFn = guardedLookup(policy, options.resolve)
  return async (raw) => {
    try {
      return await download(checkOutboundUrl(raw, policy), lookupFn, options.timeoutMs ?? 10_000)
    } catch (error) {
      if (error instanceof SsoError) throw error
      if (error instanceof OutboundUrlRefusal && error.reason !== 'unresolvable') {
        throw new SsoError('metadata_url_forbidden', `The metadata URL ${error.message}`, error.detail, 'metadataUrl')
      }
      throw new SsoError('metadata_fetch_failed', `Could not fetch the metadata URL: ${(error as Error).message.replace(/\.$/, '')}.`, undefined, 'metadataUrl')
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
        reject(
          new SsoError(
            'metadata_fetch_failed',
            status >= 300 && status < 400 ? `The metadata URL redirects (HTTP ${status}); give the final URL.` : `The metadata URL answered HTTP ${status}.`,
            undefined,
            'metadataUrl',
          ),
        )
        return
      }
      if (Number(response.headers['content-length'] ?? '0') > MAX_BYTES) {
        response.destroy()
        reject(
          new SsoError(
            'metadata_fetch_failed',
            `The metadata at this URL is larger than ${MAX_BYTES / 1024} KiB, far more than any IdP's own metadata (is it a federation aggregate?).`,
            undefined,
            'metadataUrl',
          ),
        )
        return
      }
      const chunks: Buffer[] = []
      let total = 0
      response.on('data', (chunk: Buffer) => {
        total += chunk.byteLength
        if (total > MAX_BYTES) {
          response.destroy()
          reject(
            new SsoError(
              'metadata_fetch_failed',
              `The metadata at this URL is larger than ${MAX_BYTES / 1024} KiB, far more than any IdP's own metadata (is it a federation aggregate?).`,
              undefined,
              'metadataUrl',
            ),
          )
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
