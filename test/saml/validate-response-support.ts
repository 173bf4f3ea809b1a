/**
 * Shared by the validate-response*.security.test.ts files (DESIGN §4, one pair per attack): the
 * attack helpers, the settings shapes and `validateWith`, which crafts a response with real
 * xml-crypto signatures by the connection's IdP and validates it. The clock is fixed at NOW.
 */
import { type Document, type Element } from '@xmldom/xmldom'
import { type SamlFailureCode } from '../../src/saml/failure.js'
import { validateSamlResponse, type ResponseValidationSettings, type ValidationResult } from '../../src/saml/validate-response.js'
import { NS } from '../../src/saml/xml.js'
import { craft, create, find, settingsFor, signatureOf, type Edit, type Parties, type Recipe } from './response-recipe.js'

export const MiB = 1024 * 1024
export const OTHER_ACS = 'https://other-sp.example.test/saml/acs'
export const OTHER_SP = 'https://other-sp.example.test/saml/metadata'
export const OTHER_IDP = 'https://evil-idp.example.test/metadata'
export const HOLDER_OF_KEY = 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key'

/** Decided by core with storage (InResponseTo lookup, replay cache), never by the validator. */
export const DECIDED_IN_CORE: readonly SamlFailureCode[] = ['unsolicited_response', 'request_unknown', 'assertion_replayed']

export type SettingsFor = (parties: Parties) => Partial<ResponseValidationSettings>

export interface Pair {
  /** Completes "rejects …". */
  readonly attack: string
  readonly code: SamlFailureCode
  /** The accepted message. Default: the Assertion signed by the IdP, nothing else. */
  readonly base?: Recipe
  /** The fields of `base` the attack replaces. */
  readonly defect: Recipe
  /** Settings for both messages. */
  readonly settings?: SettingsFor
  /** Settings for the attack only (when the defect is in what the connection allows). */
  readonly attackSettings?: SettingsFor
}

export const idpSettings =
  (overrides: { allowSha1?: boolean; certificates?: 'idp' | 'both' }): SettingsFor =>
  (p) => ({
    idp: {
      entityId: p.idp.entityId,
      allowSha1: overrides.allowSha1 ?? false,
      certificates: overrides.certificates === 'both' ? [p.attacker.certificate, p.idp.certificate] : [p.idp.certificate],
    },
  })

/** Pads the XML after its root element (legal trailing whitespace) to exactly `bytes` bytes. */
export const padTo = (bytes: number) => (xml: string) => xml + ' '.repeat(bytes - Buffer.byteLength(xml))

export const statusMessage = (message: string) => (xml: string) =>
  xml.replace('</saml2p:Status>', `<saml2p:StatusMessage>${message}</saml2p:StatusMessage></saml2p:Status>`)

/** The same response as base64 that ends in padding (a newline after the root element when it would not). */
export const withPadding = (b: string): string => {
  const bytes = Buffer.from(b, 'base64')
  return bytes.length % 3 === 0 ? Buffer.concat([bytes, Buffer.from('\n')]).toString('base64') : b
}

export const XXE_DTD = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
export const BILLION_LAUGHS_DTD =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
  ']>'

export const moveAssertionSignatureInto =
  (parent: (doc: Document) => Element): Edit =>
  (doc) => {
    const signature = signatureOf(find(doc, 'Assertion'))
    signature.parentNode!.removeChild(signature)
    parent(doc).appendChild(signature)
  }

export const duplicateSignatureOf =
  (localName: 'Response' | 'Assertion'): Edit =>
  (doc) => {
    const signed = find(doc, localName)
    const signature = signatureOf(signed)
    signed.insertBefore(signature.cloneNode(true), signature.nextSibling)
  }

/**
 * Nests elements `depth` deep (counting the Response and its samlp:Extensions), each declaring a
 * namespace prefix when `declare` is set. Extensions sit in the unsigned envelope of an
 * assertion-signed response, so the signature still holds.
 */
export function nestInExtensions(depth: number, declare = false): (xml: string) => string {
  const open = declare ? '<x:n xmlns:a="urn:a">' : '<x:n>'
  return (xml) =>
    xml.replace(
      '<saml2p:Status>',
      `<saml2p:Extensions xmlns:x="urn:example:x">${open.repeat(depth - 2)}${'</x:n>'.repeat(depth - 2)}</saml2p:Extensions><saml2p:Status>`,
    )
}

/** The signed Assertion encrypted to our certificate, with `plaintext` applied to it first. */
export function encryptedAs(plaintext: (assertionXml: string) => string): Recipe {
  return { encrypt: { plaintext } }
}

export function addAudienceRestriction(audience: string): Recipe['before'] {
  return (doc) => {
    const restriction = create(doc, NS.assertion, 'AudienceRestriction')
    restriction.appendChild(create(doc, NS.assertion, 'Audience', audience))
    find(doc, 'Conditions').appendChild(restriction)
  }
}

export async function validateWith(parties: Parties, recipe: Recipe, settings: Partial<ResponseValidationSettings> = {}): Promise<ValidationResult> {
  return validateSamlResponse(await craft(parties, recipe), settingsFor(parties, settings))
}

/** What a result says, in one comparable value: the NameID, or the failure code. */
export const verdict = (result: ValidationResult) => (result.ok ? { nameId: result.assertion.nameId } : result.failure.code)
