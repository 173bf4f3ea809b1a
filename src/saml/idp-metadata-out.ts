/**
 * IdP metadata out (SAML metadata §2.4.3), for the development IdP: an EntityDescriptor with one
 * IDPSSODescriptor, its signing certificate, its SingleLogoutService if any, NameID format
 * emailAddress, and SingleSignOnService for HTTP-Redirect and HTTP-POST at the same URL. `parseIdpMetadata` reads it like any IdP's.
 *
 * @example
 * buildIdpMetadata({ entityId: 'http://localhost:4000/dev/idp', ssoUrl: 'http://localhost:4000/dev/idp/sso', certificatePem })
 */
import { parseCertificate } from './certificate.js'
import { escapeXml } from './escape-xml.js'
import { BINDING_POST, BINDING_REDIRECT } from './idp-metadata.js'
import { NAMEID_EMAIL } from './sp-metadata.js'

export interface IdpMetadataInput {
  readonly entityId: string
  readonly ssoUrl: string
  readonly certificatePem: string
  /** SingleLogoutService (DESIGN §10): these bindings at `url`, answers to `responseUrl` when given. */
  readonly singleLogout?: { readonly url: string; readonly bindings: readonly ('redirect' | 'post')[]; readonly responseUrl?: string }
}

export function buildIdpMetadata(input: IdpMetadataInput): string {
  const certificate = parseCertificate(input.certificatePem).base64
  const location = escapeXml(input.ssoUrl)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeXml(input.entityId)}">`,
    '  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">',
    `    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    ...(input.singleLogout?.bindings ?? []).map(
      (binding) =>
        `    <md:SingleLogoutService Binding="${binding === 'redirect' ? BINDING_REDIRECT : BINDING_POST}" Location="${escapeXml(input.singleLogout!.url)}"` +
        `${input.singleLogout!.responseUrl === undefined ? '' : ` ResponseLocation="${escapeXml(input.singleLogout!.responseUrl)}"`}/>`,
    ),
    `    <md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>`,
    `    <md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${location}"/>`,
    `    <md:SingleSignOnService Binding="${BINDING_POST}" Location="${location}"/>`,
    '  </md:IDPSSODescriptor>',
    '</md:EntityDescriptor>',
    '',
  ].join('\n')
}
