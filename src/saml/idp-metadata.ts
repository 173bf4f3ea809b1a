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

/**
 * What one IdP's metadata can hold, sized from real documents (docs/saml.md "Metadata limits"): the
 * shared corpus's largest is an unsigned SWAMID test aggregate (148 KB, 1 047 elements, 881
 * attributes, depth 7, 58 EntityDescriptors); the largest single IdPs are AD FS (38 KB, 268
 * elements, depth 9) and Entra (~25 KB, ~250 elements, ~10 certificates over three roles). Each cap
 * is several times those; past them xmldom's time grows with every node (~10 µs each), which is what
 * a hostile owner would pad with.
 */
export const METADATA_LIMITS = {
  bytes: 512 * 1024,
  elements: 10_000,
  attributes: 10_000,
  otherMarkup: 1_000,
  depth: 32,
  entityDescriptors: 100,
  signingCertificates: 10,
} as const
export const MAX_METADATA_BYTES = METADATA_LIMITS.bytes
export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'

export type MetadataErrorCode =
  | 'metadata_not_xml'
  | 'metadata_dtd_forbidden'
  | 'metadata_too_large'
  | 'metadata_too_complex'
  | 'metadata_busy'
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
  constructor(
    readonly code: MetadataErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The IdP's SingleLogoutService (metadata §2.2.2) Gatehouse uses: HTTP-Redirect when offered, else
 * HTTP-POST. `responseUrl` is its ResponseLocation, where LogoutResponses go when it differs.
 */
export interface IdpSingleLogout {
  readonly url: string
  readonly binding: 'redirect' | 'post'
  readonly responseUrl?: string | undefined
}

export interface IdpMetadata {
  readonly entityId: string
  readonly ssoUrls: { readonly redirect?: string; readonly post?: string }
  readonly singleLogout: IdpSingleLogout | undefined
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

const BEYOND_ANY_IDP = 'That is far beyond what any identity provider publishes (limits: docs/saml.md).'

export function parseIdpMetadata(xml: string, options: ParseMetadataOptions): IdpMetadata {
  let root: Element
  try {
    root = parseXml(xml, MAX_METADATA_BYTES, METADATA_LIMITS.elements, {
      maxDepth: METADATA_LIMITS.depth,
      maxAttributes: METADATA_LIMITS.attributes,
      maxOtherMarkup: METADATA_LIMITS.otherMarkup,
    }).documentElement!
  } catch (error) {
    if (error instanceof XmlError) {
      const code =
        error.code === 'xml_dtd_forbidden'
          ? 'metadata_dtd_forbidden'
          : error.code === 'xml_too_large' || error.code === 'xml_too_complex'
            ? 'metadata_too_large'
            : 'metadata_not_xml'
      const message =
        error.code === 'xml_too_complex'
          ? `${error.message.replace(/^The XML/, 'The metadata')} ${BEYOND_ANY_IDP}`
          : error.code === 'xml_malformed'
            ? `This is not XML metadata: ${error.message.replace(/^The XML is not well-formed: /, '')}`
            : error.message
      throw new MetadataError(code, message)
    }
    throw error
  }
  if (root.namespaceURI !== NS.metadata || (root.localName !== 'EntityDescriptor' && root.localName !== 'EntitiesDescriptor')) {
    throw new MetadataError('metadata_no_idp', `The root element is ${root.localName ?? '?'}, not a SAML metadata EntityDescriptor or EntitiesDescriptor.`)
  }

  const all = root.localName === 'EntityDescriptor' ? [root] : descendants(root, NS.metadata, 'EntityDescriptor')
  if (all.length > METADATA_LIMITS.entityDescriptors) {
    throw new MetadataError(
      'metadata_too_large',
      `The metadata holds ${all.length} EntityDescriptors, more than ${METADATA_LIMITS.entityDescriptors}: it is a federation aggregate. Give your IdP's own metadata (its EntityDescriptor or its metadata URL).`,
    )
  }
  const entities = all.filter((e) => childElements(e, NS.metadata, 'IDPSSODescriptor').length > 0)
  if (entities.length === 0)
    throw new MetadataError('metadata_no_idp', 'The metadata has no IDPSSODescriptor: it does not describe an identity provider (is it SP metadata?).')
  let entity: Element
  if (options.entityId !== undefined) {
    const found = entities.find((e) => attribute(e, 'entityID') === options.entityId)
    if (found === undefined) throw new MetadataError('metadata_entity_not_found', `The metadata has no IdP with entity ID "${options.entityId}".`)
    entity = found
  } else if (entities.length > 1) {
    const ids = entities
      .slice(0, 5)
      .map((e) => attribute(e, 'entityID') ?? '(none)')
      .join(', ')
    throw new MetadataError(
      'metadata_ambiguous',
      `The metadata describes ${entities.length} identity providers (${ids}${entities.length > 5 ? ', …' : ''}); name the one to use by its entity ID.`,
    )
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

  const singleLogout = readSingleLogout(descriptor)

  const certificateElements = childElements(descriptor, NS.metadata, 'KeyDescriptor')
    .filter((keyDescriptor) => attribute(keyDescriptor, 'use') === undefined || attribute(keyDescriptor, 'use') === 'signing')
    .flatMap((keyDescriptor) => descendants(keyDescriptor, NS.ds, 'X509Certificate'))
  // Each certificate is a real X.509 parse: a few thousand copies would be seconds of work.
  if (certificateElements.length > METADATA_LIMITS.signingCertificates) {
    throw new MetadataError(
      'metadata_too_large',
      `The IdP lists ${certificateElements.length} signing certificates, more than ${METADATA_LIMITS.signingCertificates}. ${BEYOND_ANY_IDP}`,
    )
  }
  const signingCertificates: Certificate[] = []
  for (const certEl of certificateElements) {
    let cert: Certificate
    try {
      cert = parseCertificate(plainText(certEl) ?? '', { minRsaBits: options.minRsaBits })
    } catch (error) {
      if (error instanceof CertificateError) throw new MetadataError(error.code, `A signing certificate in the metadata: ${error.message}`)
      throw error
    }
    if (!signingCertificates.some((c) => c.fingerprint === cert.fingerprint)) signingCertificates.push(cert)
  }
  if (signingCertificates.length === 0)
    throw new MetadataError('metadata_no_certificate', 'The IdP metadata has no signing certificate (KeyDescriptor use="signing" or without use).')

  const nameIdFormats = childElements(descriptor, NS.metadata, 'NameIDFormat')
    .map((f) => (plainText(f) ?? '').trim())
    .filter((f) => f !== '')
  const validUntil = attribute(entity, 'validUntil') ?? attribute(root, 'validUntil')
  const warnings = [...certificateWarnings(signingCertificates, options.now)]
  if (validUntil !== undefined && Date.parse(validUntil) < options.now.getTime()) {
    warnings.push(`The metadata says it was valid until ${validUntil}; fetch a current copy from the IdP.`)
  }
  return { entityId, ssoUrls, singleLogout, signingCertificates, nameIdFormats: [...new Set(nameIdFormats)], validUntil, warnings }
}

/** The first HTTP-Redirect SingleLogoutService, else the first HTTP-POST one (SOAP and Artifact are not ours). */
function readSingleLogout(descriptor: Element): IdpSingleLogout | undefined {
  const found: { redirect?: IdpSingleLogout; post?: IdpSingleLogout } = {}
  for (const service of childElements(descriptor, NS.metadata, 'SingleLogoutService')) {
    const bindingUri = attribute(service, 'Binding')
    const binding = bindingUri === BINDING_REDIRECT ? 'redirect' : bindingUri === BINDING_POST ? 'post' : undefined
    const url = attribute(service, 'Location')?.trim()
    if (binding === undefined || url === undefined || !/^https?:\/\//i.test(url) || found[binding] !== undefined) continue
    const response = attribute(service, 'ResponseLocation')?.trim()
    const responseUrl = response !== undefined && /^https?:\/\//i.test(response) && response !== url ? response : undefined
    found[binding] = { url, binding, ...(responseUrl === undefined ? {} : { responseUrl }) }
  }
  return found.redirect ?? found.post
}

/** Expired certificates still verify (SAML trusts the key), but the owner should know; so should they 30 days ahead. */
export function certificateWarnings(certificates: readonly Certificate[], now: Date): string[] {
  const warnings: string[] = []
  for (const cert of certificates) {
    const days = Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000)
    if (days < 0)
      warnings.push(
        `The IdP certificate ${cert.fingerprint.slice(0, 23)}… expired on ${cert.notAfter.toISOString().slice(0, 10)}. It still works (SAML trusts the key), but plan to rotate it.`,
      )
    else if (days <= 30)
      warnings.push(
        `The IdP certificate ${cert.fingerprint.slice(0, 23)}… expires in ${days} days (${cert.notAfter.toISOString().slice(0, 10)}): add its successor in the IdP and here.`,
      )
  }
  return warnings
}

function checkMetadataSignature(root: Element, entity: Element, certificates: readonly Certificate[]): void {
  const signed = [root, entity].find((el) => childElements(el, NS.ds, 'Signature').length > 0)
  if (signed === undefined)
    throw new MetadataError('metadata_signature_missing', 'The metadata is not signed, but a signing certificate was given to check it.')
  const result = verifyEnvelopedSignature(
    signed,
    childElements(signed, NS.ds, 'Signature')[0]!,
    certificates.map((c) => c.publicKey),
    { allowSha1: true },
  )
  if ('code' in result)
    throw new MetadataError('metadata_signature_invalid', `The metadata signature does not verify: ${'detail' in result ? result.detail : result.algorithm}.`)
}
