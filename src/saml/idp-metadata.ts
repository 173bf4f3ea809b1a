/**
 * IdP metadata in: an EntityDescriptor or EntitiesDescriptor (as Okta, Entra, Google, OneLogin,
 * ADFS, Keycloak, Shibboleth and federations publish it) → the one IdP's entity ID, SSO endpoints
 * by binding, signing certificates and NameID formats. Bad input fails with a stable code;
 * an expired certificate or validUntil is a warning, not an error (DESIGN §2 step 3).
 *
 * @example
 * const idp = parseIdpMetadata(xml, { now: new Date() })
 * idp.ssoUrls.redirect // 'https://idp.example.com/sso'
 */
import type { Element } from '@xmldom/xmldom'
import { CertificateError, parseCertificate, type Certificate } from './certificate.js'
import { verifyEnvelopedSignature } from './verify-signature.js'
import { attribute, childElements, descendants, NS, parseXml, plainText, XmlError } from './xml.js'

export const MAX_METADATA_BYTES = 10 * 1024 * 1024
export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'

export type MetadataErrorCode =
  | 'metadata_not_xml'
  | 'metadata_dtd_forbidden'
  | 'metadata_too_large'
  | 'metadata_no_idp'
  | 'metadata_ambiguous'
  | 'metadata_entity_not_found'
  | 'metadata_no_entity_id'
  | 'metadata_no_binding'
  | 'metadata_no_certificate'
  | 'metadata_signature_missing'
  | 'metadata_signature_invalid'
  | 'certificate_unreadable'
  | 'certificate_key_too_small'
  | 'certificate_key_unsupported'

export class MetadataError extends Error {
  override name = 'MetadataError'
  constructor(readonly code: MetadataErrorCode, message: string) {
    super(message)
  }
}

export interface IdpMetadata {
  readonly entityId: string
  readonly ssoUrls: { readonly redirect?: string; readonly post?: string }
  readonly signingCertificates: readonly Certificate[]
  readonly nameIdFormats: readonly string[]
  readonly validUntil: string | undefined
  readonly warnings: readonly string[]
}

export interface ParseMetadataOptions {
  /** Which IdP to take from an EntitiesDescriptor holding several. */
  readonly entityId?: string | undefined
  /** When given, the metadata must carry a signature by one of these. */
  readonly signingCertificates?: readonly Certificate[] | undefined
  readonly now: Date
  /** Only for reading real-world fixtures with legacy 1024-bit keys; never from configuration. */
  readonly minRsaBits?: number
}

export function parseIdpMetadata(xml: string, options: ParseMetadataOptions): IdpMetadata {
  let root: Element
  try {
    root = parseXml(xml, MAX_METADATA_BYTES, 1_000_000).documentElement!
  } catch (error) {
    if (error instanceof XmlError) {
      const code = error.code === 'xml_dtd_forbidden' ? 'metadata_dtd_forbidden' : error.code === 'xml_too_large' ? 'metadata_too_large' : 'metadata_not_xml'
      throw new MetadataError(code, error.code === 'xml_malformed' ? `This is not XML metadata: ${error.message.replace(/^The XML is not well-formed: /, '')}` : error.message)
    }
    throw error
  }
  if (root.namespaceURI !== NS.metadata || (root.localName !== 'EntityDescriptor' && root.localName !== 'EntitiesDescriptor')) {
    throw new MetadataError('metadata_no_idp', `The root element is ${root.localName ?? '?'}, not a SAML metadata EntityDescriptor or EntitiesDescriptor.`)
  }

  const entities = (root.localName === 'EntityDescriptor' ? [root] : descendants(root, NS.metadata, 'EntityDescriptor'))
    .filter((e) => childElements(e, NS.metadata, 'IDPSSODescriptor').length > 0)
  if (entities.length === 0) throw new MetadataError('metadata_no_idp', 'The metadata has no IDPSSODescriptor: it does not describe an identity provider (is it SP metadata?).')
  let entity: Element
  if (options.entityId !== undefined) {
    const found = entities.find((e) => attribute(e, 'entityID') === options.entityId)
    if (found === undefined) throw new MetadataError('metadata_entity_not_found', `The metadata has no IdP with entity ID "${options.entityId}".`)
    entity = found
  } else if (entities.length > 1) {
    const ids = entities.slice(0, 5).map((e) => attribute(e, 'entityID') ?? '(none)').join(', ')
    throw new MetadataError('metadata_ambiguous', `The metadata describes ${entities.length} identity providers (${ids}${entities.length > 5 ? ', …' : ''}); name the one to use by its entity ID.`)
  } else {
    entity = entities[0]!
  }

  const entityId = attribute(entity, 'entityID')?.trim()
  if (entityId === undefined || entityId === '') throw new MetadataError('metadata_no_entity_id', 'The IdP EntityDescriptor has no entityID.')

  if (options.signingCertificates !== undefined) checkMetadataSignature(root, entity, options.signingCertificates)

  const descriptor = childElements(entity, NS.metadata, 'IDPSSODescriptor')[0]!
  const ssoUrls: { redirect?: string; post?: string } = {}
  for (const service of childElements(descriptor, NS.metadata, 'SingleSignOnService')) {
    const binding = attribute(service, 'Binding')
    const location = attribute(service, 'Location')?.trim()
    if (location === undefined || !/^https?:\/\//i.test(location)) continue
    if (binding === BINDING_REDIRECT) ssoUrls.redirect ??= location
    if (binding === BINDING_POST) ssoUrls.post ??= location
  }
  if (ssoUrls.redirect === undefined && ssoUrls.post === undefined) {
    throw new MetadataError('metadata_no_binding', 'The IdP has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding.')
  }

  const signingCertificates: Certificate[] = []
  for (const keyDescriptor of childElements(descriptor, NS.metadata, 'KeyDescriptor')) {
    const use = attribute(keyDescriptor, 'use')
    if (use !== undefined && use !== 'signing') continue
    for (const certEl of descendants(keyDescriptor, NS.ds, 'X509Certificate')) {
      let cert: Certificate
      try {
        cert = parseCertificate(plainText(certEl) ?? '', { minRsaBits: options.minRsaBits })
      } catch (error) {
        if (error instanceof CertificateError) throw new MetadataError(error.code, `A signing certificate in the metadata: ${error.message}`)
        throw error
      }
      if (!signingCertificates.some((c) => c.fingerprint === cert.fingerprint)) signingCertificates.push(cert)
    }
  }
  if (signingCertificates.length === 0) throw new MetadataError('metadata_no_certificate', 'The IdP metadata has no signing certificate (KeyDescriptor use="signing" or without use).')

  const nameIdFormats = childElements(descriptor, NS.metadata, 'NameIDFormat').map((f) => (plainText(f) ?? '').trim()).filter((f) => f !== '')
  const validUntil = attribute(entity, 'validUntil') ?? attribute(root, 'validUntil')
  const warnings = [...certificateWarnings(signingCertificates, options.now)]
  if (validUntil !== undefined && Date.parse(validUntil) < options.now.getTime()) {
    warnings.push(`The metadata says it was valid until ${validUntil}; fetch a current copy from the IdP.`)
  }
  return { entityId, ssoUrls, signingCertificates, nameIdFormats: [...new Set(nameIdFormats)], validUntil, warnings }
}

/** Expired certificates still verify (SAML trusts the key), but the owner should know; so should they 30 days ahead. */
export function certificateWarnings(certificates: readonly Certificate[], now: Date): string[] {
  const warnings: string[] = []
  for (const cert of certificates) {
    const days = Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000)
    if (days < 0) warnings.push(`The IdP certificate ${cert.fingerprint.slice(0, 23)}… expired on ${cert.notAfter.toISOString().slice(0, 10)}. It still works (SAML trusts the key), but plan to rotate it.`)
    else if (days <= 30) warnings.push(`The IdP certificate ${cert.fingerprint.slice(0, 23)}… expires in ${days} days (${cert.notAfter.toISOString().slice(0, 10)}): add its successor in the IdP and here.`)
  }
  return warnings
}

function checkMetadataSignature(root: Element, entity: Element, certificates: readonly Certificate[]): void {
  const signed = [root, entity].find((el) => childElements(el, NS.ds, 'Signature').length > 0)
  if (signed === undefined) throw new MetadataError('metadata_signature_missing', 'The metadata is not signed, but a signing certificate was given to check it.')
  const result = verifyEnvelopedSignature(signed, childElements(signed, NS.ds, 'Signature')[0]!, certificates.map((c) => c.publicKey), { allowSha1: true })
  if ('code' in result) throw new MetadataError('metadata_signature_invalid', `The metadata signature does not verify: ${'detail' in result ? result.detail : result.algorithm}.`)
}
