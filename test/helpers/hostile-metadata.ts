/**
 * IdP metadata shaped to the limits (src/saml/idp-metadata.ts METADATA_LIMITS): a real IdP
 * EntityDescriptor (accepted when parsed) padded with exactly as much of one thing as asked, for the
 * limit tests (at the limit: accepted; one more: refused) and the stall bench
 * (bench/metadata-stall.ts), which posts the slowest of `hostileMetadataShapes`.
 */
import { METADATA_LIMITS } from '../../src/saml/idp-metadata.js'

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata'
const DS = 'http://www.w3.org/2000/09/xmldsig#'

export interface MetadataShape {
  /** Elements in the whole document. */
  readonly elements?: number
  /** Attributes in the whole document, namespace declarations included. */
  readonly attributes?: number
  /** The deepest element's depth (the root is 1). */
  readonly depth?: number
  /** Comments and processing instructions, the XML declaration included. */
  readonly otherMarkup?: number
  /** EntityDescriptors: the IdP's and SP-only ones, in an EntitiesDescriptor when more than one. */
  readonly entityDescriptors?: number
  /** Signing certificates in the IdP's IDPSSODescriptor (the same one repeated). */
  readonly signingCertificates?: number
  /** UTF-8 bytes of the document (padded with whitespace). */
  readonly bytes?: number
  /** Raw padding inside the IdP's md:Extensions, counted by the caller. */
  readonly padding?: string
  /** Raw attributes on the root element, counted by the caller. */
  readonly rootAttributes?: string
}

export const HOSTILE_ENTITY_ID = 'https://idp.example.test/hostile'

export function shapedIdpMetadata(certificateBase64: string, shape: MetadataShape = {}): string {
  const certificates = shape.signingCertificates ?? 1
  const entities = shape.entityDescriptors ?? 1
  const wrapped = entities > 1
  const key = `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
  // What the skeleton holds: root (+ EntitiesDescriptor), Extensions, IDPSSODescriptor, 4 per
  // certificate, SingleSignOnService, 1 per SP-only EntityDescriptor.
  const skeletonElements = 4 + 4 * certificates + (wrapped ? 1 + (entities - 1) : 0)
  const skeletonAttributes = 3 + 1 + certificates + 2 + (wrapped ? entities - 1 : 0)
  let padding = shape.padding ?? ''
  let extensionAttributes = ''
  if (shape.depth !== undefined) {
    const levels = shape.depth - (wrapped ? 3 : 2)
    padding += '<d>'.repeat(levels) + '</d>'.repeat(levels)
  }
  if (shape.elements !== undefined)
    padding += '<a/>'.repeat(shape.elements - skeletonElements - (shape.depth === undefined ? 0 : shape.depth - (wrapped ? 3 : 2)))
  if (shape.attributes !== undefined) {
    for (let i = 0; i < shape.attributes - skeletonAttributes; i++) extensionAttributes += ` a${i}=""`
  }
  if (shape.otherMarkup !== undefined) padding += '<!--c-->'.repeat(shape.otherMarkup - 1)
  const idp =
    `<md:EntityDescriptor${wrapped ? '' : ` xmlns:md="${MD}" xmlns:ds="${DS}"`} entityID="${HOSTILE_ENTITY_ID}"${wrapped ? '' : (shape.rootAttributes ?? '')}>` +
    `<md:Extensions${extensionAttributes}>${padding}</md:Extensions>` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${key.repeat(certificates)}` +
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>' +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  let sps = ''
  for (let i = 1; i < entities; i++) sps += `<md:EntityDescriptor entityID="https://sp${i}.example.test"/>`
  // Wrapped: the EntitiesDescriptor carries the two namespace declarations the IdP's root did, and
  // one attribute fewer is on the IdP (its entityID stays): 3 + … still holds.
  let xml = wrapped
    ? `<?xml version="1.0"?><md:EntitiesDescriptor xmlns:md="${MD}" xmlns:ds="${DS}"${shape.rootAttributes ?? ''}>${sps}${idp}</md:EntitiesDescriptor>`
    : `<?xml version="1.0"?>${idp}`
  if (shape.bytes !== undefined) xml = xml.replace('</md:Extensions>', `${' '.repeat(shape.bytes - Buffer.byteLength(xml))}</md:Extensions>`)
  return xml
}

const L = METADATA_LIMITS
/** Room left for padding elements and attributes beside a skeleton with the most certificates. */
const elementRoom = L.elements - (4 + 4 * L.signingCertificates)
const attributeRoom = L.attributes - (6 + L.signingCertificates)

/** Fills the rest of the byte limit with whitespace, so every shape is as large as allowed. */
function full(certificateBase64: string, shape: MetadataShape): string {
  return shapedIdpMetadata(certificateBase64, { signingCertificates: L.signingCertificates, ...shape, bytes: L.bytes })
}

/** The costliest documents the limits let through: each is accepted, after all the parser's work. */
export const hostileMetadataShapes: Record<string, (certificateBase64: string) => string> = {
  /** The most elements, each with one attribute. */
  flatElements: (cert) => full(cert, { padding: '<a b=""/>'.repeat(Math.min(elementRoom, attributeRoom)) }),
  /** Groups nested to the depth limit, each level declaring its own prefix (xmldom's costliest nesting). */
  deepPrefixes: (cert) => {
    const levels = L.depth - 2
    let open = ''
    let close = ''
    for (let i = 0; i < levels; i++) {
      open += `<p${i}:a xmlns:p${i}="urn:p${i}">`
      close = `</p${i}:a>${close}`
    }
    return full(cert, { padding: (open + close).repeat(Math.floor(Math.min(elementRoom, attributeRoom) / levels)) })
  },
  /** Every attribute a namespace declaration on the root, every element using the last one declared. */
  wideNamespaces: (cert) => {
    let declarations = ''
    for (let i = 0; i < attributeRoom; i++) declarations += ` xmlns:n${i}="urn:n${i}"`
    return full(cert, { rootAttributes: declarations, padding: `<n${attributeRoom - 1}:e/>`.repeat(elementRoom) })
  },
  /** The most attributes on the fewest elements (duplicate-attribute checks). */
  manyAttributes: (cert) => {
    let element = '<a'
    for (let i = 0; i < 1_000; i++) element += ` a${i}=""`
    element += '/>'
    const crowded = Math.floor(attributeRoom / 1_000)
    return full(cert, { padding: element.repeat(crowded) + '<a/>'.repeat(elementRoom - crowded) })
  },
  /** The most elements and the most comments. */
  elementsAndComments: (cert) => full(cert, { padding: '<a/>'.repeat(elementRoom) + '<!--c-->'.repeat(L.otherMarkup - 1) }),
  /** Character references to the byte limit. */
  characterReferences: (cert) =>
    shapedIdpMetadata(cert, { signingCertificates: L.signingCertificates, padding: '&#x41;&amp;'.repeat(Math.floor((L.bytes - 20_000) / 11)) }),
}
