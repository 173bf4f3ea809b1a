/**
 * Single logout messages out (SAML core §3.7): a LogoutRequest naming the subject exactly as the IdP
 * named it at sign-in (NameID with its Format and qualifiers, profiles §4.4.4.1) and the SessionIndex
 * of that sign-in, and a LogoutResponse with a status. Either goes by HTTP-Redirect (signed over the
 * query string, redirect-binding.ts) or by HTTP-POST (an enveloped XML signature, sign-xml.ts).
 *
 * @example
 * const xml = buildLogoutRequest({ id, issueInstant: now, destination: idp.slo.url, issuer: sp.entityId, nameId, sessionIndex })
 * const fields = logoutPostFields('SAMLRequest', xml, relayState, { privateKeyPem }) // or redirectMessageUrl(…)
 */
import { escapeXml } from './escape-xml.js'
import { redirectMessageUrl, type RedirectParameter } from './redirect-binding.js'
import { signSamlElement } from './sign-xml.js'

export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'
export const STATUS_REQUESTER = 'urn:oasis:names:tc:SAML:2.0:status:Requester'
export const STATUS_REQUEST_DENIED = 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied'
export const STATUS_PARTIAL_LOGOUT = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout'

/** The subject of a sign-in, as the IdP's assertion named it. */
export interface SamlNameId {
  readonly value: string
  readonly format?: string | undefined
  readonly nameQualifier?: string | undefined
  readonly spNameQualifier?: string | undefined
}

export interface LogoutRequestInput {
  /** xs:ID: starts with a letter or underscore (newRequestId()). */
  readonly id: string
  readonly issueInstant: Date
  readonly destination: string
  readonly issuer: string
  readonly nameId: SamlNameId
  readonly sessionIndex?: string | undefined
  /** SAML core §3.7.1: after this the recipient may discard the request. */
  readonly notOnOrAfter?: Date | undefined
}

export interface LogoutResponseInput {
  readonly id: string
  readonly issueInstant: Date
  readonly destination: string
  readonly issuer: string
  readonly inResponseTo: string | undefined
  readonly status: string
  readonly subStatus?: string | undefined
  readonly message?: string | undefined
}

const instant = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
const optional = (name: string, value: string | undefined) => (value === undefined ? '' : ` ${name}="${escapeXml(value)}"`)

export function buildLogoutRequest(input: LogoutRequestInput): string {
  const nameId = input.nameId
  return (
    '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
    ` ID="${escapeXml(input.id)}" Version="2.0" IssueInstant="${instant(input.issueInstant)}" Destination="${escapeXml(input.destination)}"` +
    optional('NotOnOrAfter', input.notOnOrAfter && instant(input.notOnOrAfter)) +
    `><saml:Issuer>${escapeXml(input.issuer)}</saml:Issuer>` +
    `<saml:NameID${optional('NameQualifier', nameId.nameQualifier)}${optional('SPNameQualifier', nameId.spNameQualifier)}${optional('Format', nameId.format)}>` +
    `${escapeXml(nameId.value)}</saml:NameID>` +
    (input.sessionIndex === undefined ? '' : `<samlp:SessionIndex>${escapeXml(input.sessionIndex)}</samlp:SessionIndex>`) +
    '</samlp:LogoutRequest>'
  )
}

export function buildLogoutResponse(input: LogoutResponseInput): string {
  const code =
    input.subStatus === undefined
      ? `<samlp:StatusCode Value="${escapeXml(input.status)}"/>`
      : `<samlp:StatusCode Value="${escapeXml(input.status)}"><samlp:StatusCode Value="${escapeXml(input.subStatus)}"/></samlp:StatusCode>`
  return (
    '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
    ` ID="${escapeXml(input.id)}" Version="2.0" IssueInstant="${instant(input.issueInstant)}" Destination="${escapeXml(input.destination)}"` +
    optional('InResponseTo', input.inResponseTo) +
    `><saml:Issuer>${escapeXml(input.issuer)}</saml:Issuer>` +
    `<samlp:Status>${code}${input.message === undefined ? '' : `<samlp:StatusMessage>${escapeXml(input.message)}</samlp:StatusMessage>`}</samlp:Status>` +
    '</samlp:LogoutResponse>'
  )
}

/** Where a logout message goes, and how: a URL to redirect to, or a form to post. */
export type OutgoingMessage =
  { readonly binding: 'redirect'; readonly url: string } | { readonly binding: 'post'; readonly url: string; readonly fields: Readonly<Record<string, string>> }

/**
 * The message signed for its binding: over the query string for HTTP-Redirect, an enveloped XML
 * signature for HTTP-POST (bindings §3.5.4; the POST binding has no other place for one).
 */
export function sendLogoutMessage(
  binding: 'redirect' | 'post',
  endpoint: string,
  parameter: RedirectParameter,
  xml: string,
  relayState: string | undefined,
  signer: { readonly privateKeyPem: string; readonly certificatePem?: string | undefined },
): OutgoingMessage {
  if (binding === 'redirect') return { binding, url: redirectMessageUrl(endpoint, parameter, xml, relayState, { privateKey: signer.privateKeyPem }) }
  const signed = signSamlElement(xml, parameter === 'SAMLRequest' ? 'logout-request' : 'logout-response', {
    privateKeyPem: signer.privateKeyPem,
    ...(signer.certificatePem === undefined ? {} : { certificatePem: signer.certificatePem }),
  })
  return {
    binding,
    url: endpoint,
    fields: { [parameter]: Buffer.from(signed, 'utf8').toString('base64'), ...(relayState === undefined ? {} : { RelayState: relayState }) },
  }
}
