/**
 * SP metadata out (SAML metadata §2.4.4): our entity ID, the HTTP-POST ACS, the single logout
 * service (HTTP-Redirect and HTTP-POST), NameID format
 * emailAddress, a signing and an encryption KeyDescriptor per published certificate (several
 * during a key rollover), and the attributes we ask for.
 *
 * @example
 * buildSpMetadata({ entityId: 'https://sso.example.com/saml/acme', acsUrl: '…/acs', certificates: [pem] })
 */
import { parseCertificate } from './certificate.js'
import { escapeXml } from './escape-xml.js'

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'
const ATTRNAME_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic'

export interface SpMetadataInput {
  readonly entityId: string
  readonly acsUrl: string
  /** SingleLogoutService for HTTP-Redirect and HTTP-POST (DESIGN §10); none when absent. */
  readonly sloUrl?: string
  /** PEM certificates, current first; each is published for signing and for encryption. */
  readonly certificates: readonly string[]
  readonly authnRequestsSigned: boolean
  readonly wantAssertionsSigned: boolean
  readonly requestedAttributes?: readonly { name: string; required: boolean }[]
}

export const DEFAULT_REQUESTED_ATTRIBUTES = [
  { name: 'email', required: true },
  { name: 'first_name', required: false },
  { name: 'last_name', required: false },
  { name: 'roles', required: false },
] as const

export function buildSpMetadata(input: SpMetadataInput): string {
  const keyDescriptors = input.certificates.flatMap((pem) => {
    const base64 = parseCertificate(pem).base64
    const keyInfo = `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`
    return [
      `    <md:KeyDescriptor use="signing">${keyInfo}</md:KeyDescriptor>`,
      `    <md:KeyDescriptor use="encryption">${keyInfo}` +
        '<md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>' +
        '<md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/>' +
        '<md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/></md:KeyDescriptor>',
    ]
  })
  const attributes = (input.requestedAttributes ?? DEFAULT_REQUESTED_ATTRIBUTES).map(
    (a) => `      <md:RequestedAttribute Name="${escapeXml(a.name)}" NameFormat="${ATTRNAME_BASIC}" isRequired="${a.required}"/>`,
  )
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeXml(input.entityId)}">`,
    `  <md:SPSSODescriptor AuthnRequestsSigned="${input.authnRequestsSigned}" WantAssertionsSigned="${input.wantAssertionsSigned}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`,
    ...keyDescriptors,
    // SSODescriptorType's order: KeyDescriptor, ArtifactResolutionService, SingleLogoutService, …, NameIDFormat.
    ...(input.sloUrl === undefined
      ? []
      : [
          `    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escapeXml(input.sloUrl)}"/>`,
          `    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${escapeXml(input.sloUrl)}"/>`,
        ]),
    `    <md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>`,
    `    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${escapeXml(input.acsUrl)}" index="0" isDefault="true"/>`,
    '    <md:AttributeConsumingService index="0" isDefault="true">',
    '      <md:ServiceName xml:lang="en">Gatehouse</md:ServiceName>',
    ...attributes,
    '    </md:AttributeConsumingService>',
    '  </md:SPSSODescriptor>',
    '</md:EntityDescriptor>',
    '',
  ].join('\n')
}
