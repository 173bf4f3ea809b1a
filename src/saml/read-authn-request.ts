/**
 * AuthnRequest in (SAML core §3.4.1), for the development IdP: HTTP-Redirect (bindings §3.4.4.1:
 * base64 of raw DEFLATE, inflated with a size cap so a small "zip bomb" stays small) or HTTP-POST
 * (bindings §3.5.4: base64), parsed with the hardened parser (no DTD, size and depth caps), and
 * read for what an IdP needs: ID, Issuer and where the answer should go.
 *
 * @example
 * const request = readAuthnRequest(query.SAMLRequest, 'redirect')
 * request.issuer // 'https://sso.example.com/saml/acme'
 */
import { inflateRawSync } from 'node:zlib'
import { attribute, firstChild, NS, parseXml, plainText, XmlError } from './xml.js'

/** Far above any real AuthnRequest (ours is under 1 KiB). */
export const MAX_AUTHN_REQUEST_BYTES = 64 * 1024

export const BINDING_HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'

export type AuthnRequestErrorCode =
  | 'request_missing'
  | 'request_not_base64'
  | 'request_not_deflated'
  | 'request_too_large'
  | 'request_not_xml'
  | 'not_an_authn_request'
  | 'request_id_missing'
  | 'request_issuer_missing'
  | 'request_binding_unsupported'

export class AuthnRequestError extends Error {
  override name = 'AuthnRequestError'
  constructor(
    readonly code: AuthnRequestErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export interface ReceivedAuthnRequest {
  readonly id: string
  readonly issuer: string
  /** Absent when the SP names its ACS by index or not at all: the IdP then uses the one it knows. */
  readonly acsUrl: string | undefined
  readonly destination: string | undefined
  readonly issueInstant: string | undefined
}

export function readAuthnRequest(samlRequest: unknown, binding: 'redirect' | 'post'): ReceivedAuthnRequest {
  if (typeof samlRequest !== 'string' || samlRequest.trim() === '') throw new AuthnRequestError('request_missing', 'No SAMLRequest was given.')
  // base64 of the cap, deflated or not, is never longer than this.
  if (samlRequest.length > Math.ceil((MAX_AUTHN_REQUEST_BYTES * 4) / 3) + 1024) {
    throw new AuthnRequestError('request_too_large', `The SAMLRequest is larger than ${MAX_AUTHN_REQUEST_BYTES} bytes.`)
  }
  const compact = samlRequest.replace(/[\r\n\t ]+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new AuthnRequestError('request_not_base64', 'The SAMLRequest is not base64.')
  }
  const raw = Buffer.from(compact, 'base64')
  let bytes: Buffer
  if (binding === 'redirect') {
    try {
      bytes = inflateRawSync(raw, { maxOutputLength: MAX_AUTHN_REQUEST_BYTES })
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new AuthnRequestError('request_too_large', `The SAMLRequest inflates to more than ${MAX_AUTHN_REQUEST_BYTES} bytes.`)
      }
      throw new AuthnRequestError('request_not_deflated', 'The SAMLRequest of an HTTP-Redirect must be raw DEFLATE (bindings §3.4.4.1).')
    }
  } else {
    bytes = raw
  }
  let root
  try {
    root = parseXml(bytes.toString('utf8'), MAX_AUTHN_REQUEST_BYTES, 1_000).documentElement!
  } catch (error) {
    if (error instanceof XmlError) throw new AuthnRequestError(error.code === 'xml_too_large' ? 'request_too_large' : 'request_not_xml', error.message)
    throw error
  }
  if (root.namespaceURI !== NS.protocol || root.localName !== 'AuthnRequest') {
    throw new AuthnRequestError('not_an_authn_request', `The SAMLRequest is a ${root.localName ?? '?'}, not a SAML 2.0 AuthnRequest.`)
  }
  const id = attribute(root, 'ID')
  if (id === undefined || !/^[A-Za-z_][\w.-]{0,255}$/.test(id)) throw new AuthnRequestError('request_id_missing', 'The AuthnRequest has no valid ID attribute.')
  const issuerElement = firstChild(root, NS.assertion, 'Issuer')
  const issuer = issuerElement === undefined ? undefined : plainText(issuerElement)?.trim()
  if (issuer === undefined || issuer === '')
    throw new AuthnRequestError('request_issuer_missing', 'The AuthnRequest names no Issuer, so the IdP cannot tell which SP sent it.')
  const protocolBinding = attribute(root, 'ProtocolBinding')
  if (protocolBinding !== undefined && protocolBinding !== BINDING_HTTP_POST) {
    throw new AuthnRequestError(
      'request_binding_unsupported',
      `The AuthnRequest asks for the answer over ${protocolBinding}; this IdP answers over HTTP-POST only.`,
    )
  }
  return {
    id,
    issuer,
    acsUrl: attribute(root, 'AssertionConsumerServiceURL'),
    destination: attribute(root, 'Destination'),
    issueInstant: attribute(root, 'IssueInstant'),
  }
}
