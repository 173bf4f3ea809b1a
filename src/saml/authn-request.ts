/**
 * AuthnRequest out (SAML core §3.4.1) and its two bindings: HTTP-Redirect (bindings §3.4: raw
 * DEFLATE, base64, URL-encoded, optionally signed over the exact query string sent) and HTTP-POST
 * (bindings §3.5: base64 in a form).
 *
 * @example
 * const xml = buildAuthnRequest({ id, issueInstant: now, destination: idp.ssoUrls.redirect, acsUrl, spEntityId })
 * reply.redirect(redirectBindingUrl(idp.ssoUrls.redirect, xml, relayState, { privateKey }))
 */
import { randomBytes, type KeyObject } from 'node:crypto'
import { redirectMessageUrl } from './redirect-binding.js'
import { escapeXml } from './escape-xml.js'

export interface AuthnRequestInput {
  /** Starts with a letter or underscore (xs:ID); use newRequestId(). */
  readonly id: string
  readonly issueInstant: Date
  readonly destination: string
  readonly acsUrl: string
  readonly spEntityId: string
  readonly forceAuthn?: boolean
}

export function newRequestId(): string {
  return `_${randomBytes(20).toString('hex')}`
}

export function buildAuthnRequest(input: AuthnRequestInput): string {
  return (
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
    ` ID="${escapeXml(input.id)}" Version="2.0" IssueInstant="${input.issueInstant.toISOString().replace(/\.\d{3}Z$/, 'Z')}"` +
    ` Destination="${escapeXml(input.destination)}" AssertionConsumerServiceURL="${escapeXml(input.acsUrl)}"` +
    ' ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"' +
    (input.forceAuthn ? ' ForceAuthn="true"' : '') +
    `><saml:Issuer>${escapeXml(input.spEntityId)}</saml:Issuer>` +
    '<samlp:NameIDPolicy AllowCreate="true"/>' +
    '</samlp:AuthnRequest>'
  )
}

export { SIG_ALG_RSA_SHA256 } from './redirect-binding.js'

/**
 * The IdP URL carrying the request. When signing, the signature covers exactly the
 * `SAMLRequest=…&RelayState=…&SigAlg=…` octets that are sent (bindings §3.4.4.1), each value
 * URL-encoded once by encodeURIComponent, so IdPs that re-encode strictly agree.
 */
export function redirectBindingUrl(ssoUrl: string, requestXml: string, relayState: string | undefined, signing?: { privateKey: string | KeyObject }): string {
  return redirectMessageUrl(ssoUrl, 'SAMLRequest', requestXml, relayState, signing)
}

/** The fields of an HTTP-POST binding form (the page posts them to the IdP). */
export function postBindingFields(requestXml: string, relayState: string | undefined): Record<string, string> {
  return {
    SAMLRequest: Buffer.from(requestXml, 'utf8').toString('base64'),
    ...(relayState === undefined ? {} : { RelayState: relayState }),
  }
}
