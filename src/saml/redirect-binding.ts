/**
 * The HTTP-Redirect binding (SAML bindings §3.4) for any message: raw DEFLATE, base64, URL-encoded
 * into `SAMLRequest` or `SAMLResponse`, with an optional RelayState, signed over the query string.
 *
 * Out: the signature covers exactly the `SAMLRequest=…&RelayState=…&SigAlg=…` octets that are sent
 * (bindings §3.4.4.1), each value URL-encoded once by encodeURIComponent.
 * In: the signature is checked over the parameters exactly as they were received, still encoded
 * (bindings §3.4.4.1: "the original URL-encoded values"), never over a re-encoding of decoded values,
 * since senders differ in what they escape (ADFS writes lower-case %2f).
 *
 * @example
 * reply.redirect(redirectMessageUrl(sloUrl, 'SAMLRequest', xml, relayState, { privateKey }))
 * const query = readRedirectQuery(request.raw.url) // then verifyRedirectSignature(query, keys, …)
 */
import { createSign, verify, type KeyObject } from 'node:crypto'
import { deflateRawSync } from 'node:zlib'

export const SIG_ALG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'

// A Map, looked up with the sender's SigAlg: on a plain {} "constructor" would find a function.
const SIG_ALGS = new Map<string, { hash: string; sha1: boolean }>([
  ['http://www.w3.org/2000/09/xmldsig#rsa-sha1', { hash: 'sha1', sha1: true }],
  [SIG_ALG_RSA_SHA256, { hash: 'sha256', sha1: false }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha384', { hash: 'sha384', sha1: false }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', { hash: 'sha512', sha1: false }],
])

export type RedirectParameter = 'SAMLRequest' | 'SAMLResponse'

/** The URL carrying `xml` to `endpoint`; signed with `signing.privateKey` (RSA-SHA256) when given. */
export function redirectMessageUrl(
  endpoint: string,
  parameter: RedirectParameter,
  xml: string,
  relayState: string | undefined,
  signing?: { privateKey: string | KeyObject },
): string {
  const parts = [`${parameter}=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`]
  if (relayState !== undefined) parts.push(`RelayState=${encodeURIComponent(relayState)}`)
  if (signing !== undefined) {
    parts.push(`SigAlg=${encodeURIComponent(SIG_ALG_RSA_SHA256)}`)
    const signature = createSign('RSA-SHA256').update(parts.join('&')).sign(signing.privateKey, 'base64')
    parts.push(`Signature=${encodeURIComponent(signature)}`)
  }
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${parts.join('&')}`
}

/** The binding's parameters as received: `raw` still URL-encoded (what the signature covers), `value` decoded. */
export interface RedirectQuery {
  readonly parameter: RedirectParameter
  readonly message: { readonly raw: string; readonly value: string }
  readonly relayState: { readonly raw: string; readonly value: string } | undefined
  readonly sigAlg: { readonly raw: string; readonly value: string } | undefined
  readonly signature: { readonly raw: string; readonly value: string } | undefined
}

export type RedirectQueryProblem = { code: 'message_missing' } | { code: 'query_invalid'; detail: string }

const BINDING_PARAMETERS = new Set(['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature'])

/**
 * Splits the query of `url` (a request's raw URL) into the binding's parameters, keeping each raw.
 * A parameter of the binding given twice, or both SAMLRequest and SAMLResponse, is refused: which
 * one was signed would be ambiguous. Other parameters are ignored.
 */
export function readRedirectQuery(url: string): RedirectQuery | RedirectQueryProblem {
  const at = url.indexOf('?')
  const query = at === -1 ? '' : url.slice(at + 1).split('#')[0]!
  const found = new Map<string, { raw: string; value: string }>()
  for (const pair of query.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = eq === -1 ? pair : pair.slice(0, eq)
    if (!BINDING_PARAMETERS.has(name)) continue
    if (found.has(name)) return { code: 'query_invalid', detail: `${name} appears more than once` }
    const raw = eq === -1 ? '' : pair.slice(eq + 1)
    let value: string
    try {
      // base64 has no spaces: a "+" there is a plus the sender left unescaped; elsewhere it is a space.
      value = decodeURIComponent(name === 'RelayState' || name === 'SigAlg' ? raw.replace(/\+/g, ' ') : raw)
    } catch {
      return { code: 'query_invalid', detail: `${name} is not valid URL encoding` }
    }
    found.set(name, { raw, value })
  }
  const request = found.get('SAMLRequest')
  const response = found.get('SAMLResponse')
  if (request !== undefined && response !== undefined) return { code: 'query_invalid', detail: 'both SAMLRequest and SAMLResponse are given' }
  const message = request ?? response
  if (message === undefined || message.value === '') return { code: 'message_missing' }
  return {
    parameter: request !== undefined ? 'SAMLRequest' : 'SAMLResponse',
    message,
    relayState: found.get('RelayState'),
    sigAlg: found.get('SigAlg'),
    signature: found.get('Signature'),
  }
}

export type RedirectSignatureResult =
  | { readonly ok: true; readonly sha1: boolean }
  | { readonly ok: false; readonly code: 'signature_missing' | 'signature_invalid' | 'signature_algorithm_forbidden'; readonly detail: string }

/**
 * Bindings §3.4.4.1: the signature over `SAMLRequest=…[&RelayState=…]&SigAlg=…`, in that order, with
 * the values exactly as received, by one of `keys` (the connection's certificates, never one sent).
 */
export function verifyRedirectSignature(query: RedirectQuery, keys: readonly KeyObject[], options: { allowSha1: boolean }): RedirectSignatureResult {
  if (query.signature === undefined || query.sigAlg === undefined) {
    return { ok: false, code: 'signature_missing', detail: 'the query string carries no Signature and SigAlg' }
  }
  const algorithm = SIG_ALGS.get(query.sigAlg.value)
  if (algorithm === undefined || (algorithm.sha1 && !options.allowSha1)) {
    return { ok: false, code: 'signature_algorithm_forbidden', detail: query.sigAlg.value.slice(0, 200) }
  }
  const signed = [`${query.parameter}=${query.message.raw}`]
  if (query.relayState !== undefined) signed.push(`RelayState=${query.relayState.raw}`)
  signed.push(`SigAlg=${query.sigAlg.raw}`)
  const data = Buffer.from(signed.join('&'), 'utf8')
  const signature = Buffer.from(query.signature.value.replace(/\s+/g, ''), 'base64')
  for (const key of keys) {
    try {
      if (verify(algorithm.hash, data, key, signature)) return { ok: true, sha1: algorithm.sha1 }
    } catch {
      // A malformed signature value is simply not a match for this key.
    }
  }
  return { ok: false, code: 'signature_invalid', detail: "the query-string signature does not verify with any of the connection's certificates" }
}
