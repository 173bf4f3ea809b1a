/**
 * Recipes for SAML responses in the security tests: what the IdP puts in (buildResponse params and
 * DOM edits before signing), how it signs and encrypts (real xml-crypto and xml-encryption), and
 * what an attacker does afterwards (DOM edits, text or base64 tampering). A pair is one recipe and
 * the same recipe with one field replaced by the defect, so the accepted message differs from the
 * attack by exactly that defect.
 */
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom'
import { encrypt } from 'xml-encryption'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import type { ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { NS } from '../../src/saml/xml.js'
import { buildResponse, createTestIdp, encryptAssertion, sign, toBase64, type ResponseParams, type TestIdp } from '../helpers/test-idp.js'

/** The fixed clock every test runs at. */
export const NOW = new Date('2026-01-01T00:00:00.000Z')
export const SP_ENTITY_ID = 'https://gatehouse.example.test/saml/acme'
export const ACS_URL = 'https://gatehouse.example.test/saml/acme/acs'
export const REQUEST_ID = '_request0001'
export const NAME_ID = 'alice@example.test'

export interface Parties {
  /** The connection's IdP: its certificate is the only one configured. */
  readonly idp: TestIdp
  /** Someone with a key pair of their own, which they may put in KeyInfo. */
  readonly attacker: TestIdp
  /** This SP's encryption key pair. */
  readonly sp: KeyPair
  /** Another SP's key pair: an assertion encrypted to it is not for us. */
  readonly otherSp: KeyPair
}

export async function createParties(): Promise<Parties> {
  const [idp, attacker, sp, otherSp] = await Promise.all([
    createTestIdp('idp'),
    createTestIdp('attacker', 'https://attacker.example.test/metadata'),
    generateKeyPair({ commonName: 'Gatehouse SP', notBefore: new Date('2025-01-01T00:00:00Z'), years: 5 }),
    generateKeyPair({ commonName: 'Other SP', notBefore: new Date('2025-01-01T00:00:00Z'), years: 5 }),
  ])
  return { idp, attacker, sp, otherSp }
}

export type Edit = (doc: Document) => void

export interface Encryption {
  readonly to?: 'sp' | 'otherSp'
  readonly content?: 'aes256-gcm' | 'aes128-cbc' | 'aes256-cbc'
  readonly keyTransport?: 'rsa-oaep-mgf1p' | 'rsa-1_5'
  /**
   * What is encrypted, given the (signed) Assertion's XML: anyone can encrypt to the SP's public
   * certificate, so the plaintext is attacker-controlled unless the Response is signed.
   */
  readonly plaintext?: (assertionXml: string) => string
}

export interface Recipe {
  readonly params?: Partial<ResponseParams>
  /** What the IdP itself puts in the document before signing. */
  readonly before?: Edit
  /** Which elements the IdP signs. Default: the Assertion, as Entra and Google do. */
  readonly sign?: 'assertion' | 'response' | 'both' | 'none'
  /** Who signs: the connection's IdP unless an attacker re-signs with their own key (cert in KeyInfo). */
  readonly signer?: 'idp' | 'attacker'
  /** Who signs the Response, when it differs from `signer`. */
  readonly responseSigner?: 'idp' | 'attacker'
  readonly algorithm?: 'rsa-sha256' | 'rsa-sha1' | 'rsa-sha512'
  /** Encrypt the (signed) Assertion; null means not encrypted. */
  readonly encrypt?: Encryption | null
  /** What happens to the document after signing (an attacker's DOM edit). */
  readonly after?: Edit
  /** What happens to the XML text after signing. */
  readonly text?: (xml: string) => string
  /** What happens to the base64 form field. */
  readonly base64?: (base64: string) => string
}

/** `base` with the defect's fields replacing its own: the attack differs from the baseline by exactly these. */
export function withDefect(base: Recipe, defect: Recipe): Recipe {
  return { ...base, ...defect, params: { ...base.params, ...defect.params } }
}

export function defaultParams(parties: Parties): ResponseParams {
  return {
    issuer: parties.idp.entityId,
    acsUrl: ACS_URL,
    audience: SP_ENTITY_ID,
    nameId: NAME_ID,
    inResponseTo: REQUEST_ID,
    responseId: '_response0001',
    assertionId: '_assertion0001',
    sessionIndex: '_session0001',
    now: NOW,
  }
}

/** The signed XML a recipe describes, before any text or base64 tampering. */
export async function craftXml(parties: Parties, recipe: Recipe): Promise<string> {
  let xml = buildResponse({ ...defaultParams(parties), ...recipe.params })
  if (recipe.before !== undefined) xml = editXml(xml, recipe.before)
  const signOptions = (who: 'idp' | 'attacker' | undefined) => {
    const key = who === 'attacker' ? parties.attacker : parties.idp
    return { privateKeyPem: key.privateKeyPem, certificatePem: key.certificatePem, algorithm: recipe.algorithm }
  }
  const mode = recipe.sign ?? 'assertion'
  if (mode === 'assertion' || mode === 'both') xml = sign(xml, 'assertion', signOptions(recipe.signer))
  if (recipe.encrypt != null) {
    const to = recipe.encrypt.to === 'otherSp' ? parties.otherSp : parties.sp
    xml =
      recipe.encrypt.plaintext === undefined
        ? await encryptAssertion(xml, to.certificatePem, recipe.encrypt)
        : await encryptPlaintext(xml, to.certificatePem, recipe.encrypt.plaintext)
  }
  if (mode === 'response' || mode === 'both') xml = sign(xml, 'response', signOptions(recipe.responseSigner ?? recipe.signer))
  if (recipe.after !== undefined) xml = editXml(xml, recipe.after)
  return xml
}

/** Replaces the Assertion with an EncryptedAssertion of `plaintext(assertion)`, RSA-OAEP + AES-256-GCM. */
async function encryptPlaintext(xml: string, certificatePem: string, plaintext: (assertionXml: string) => string): Promise<string> {
  const start = xml.indexOf('<saml2:Assertion')
  const end = xml.indexOf('</saml2:Assertion>') + '</saml2:Assertion>'.length
  const encrypted = await new Promise<string>((resolve, reject) => {
    encrypt(
      plaintext(xml.slice(start, end)),
      {
        rsa_pub: certificatePem,
        pem: certificatePem,
        encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
        keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
  return `${xml.slice(0, start)}<saml2:EncryptedAssertion xmlns:saml2="${NS.assertion}">${encrypted}</saml2:EncryptedAssertion>${xml.slice(end)}`
}

/** The SAMLResponse form field a recipe describes. */
export async function craft(parties: Parties, recipe: Recipe): Promise<string> {
  let xml = await craftXml(parties, recipe)
  if (recipe.text !== undefined) xml = recipe.text(xml)
  const base64 = toBase64(xml)
  return recipe.base64 === undefined ? base64 : recipe.base64(base64)
}

export function settingsFor(parties: Parties, overrides: Partial<ResponseValidationSettings> = {}): ResponseValidationSettings {
  return {
    sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL, decryptionKeys: [parties.sp.privateKeyPem] },
    idp: { entityId: parties.idp.entityId, certificates: [parties.idp.certificate], allowSha1: false },
    requireEncryptedAssertion: false,
    now: NOW,
    ...overrides,
  }
}

// --- DOM editing -------------------------------------------------------------------------------

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml')
}

export function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc)
}

export function editXml(xml: string, edit: Edit): string {
  const doc = parse(xml)
  edit(doc)
  return serialize(doc)
}

const PREFIX: Record<string, string> = { [NS.protocol]: 'saml2p', [NS.assertion]: 'saml2', [NS.ds]: 'ds' }

/** The `index`th element (document order) with this local name in the SAML or dsig namespace. */
export function find(root: Document | Element, localName: string, index = 0): Element {
  const matches: Element[] = []
  const walk = (el: Element) => {
    if (el.localName === localName && SEARCHED.has(el.namespaceURI ?? '')) matches.push(el)
    for (let c = el.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1) walk(c as Element)
  }
  walk(root.nodeType === 9 ? root.documentElement! : root)
  const el = matches[index]
  if (el === undefined) throw new Error(`test recipe: no <${localName}> #${index}`)
  return el
}

const SEARCHED = new Set<string>([NS.protocol, NS.assertion, NS.ds])

/** A new element in a SAML/dsig namespace, with the prefix the test IdP uses. */
export function create(doc: Document, ns: string, localName: string, text?: string): Element {
  const el = doc.createElementNS(ns, `${PREFIX[ns] ?? 'x'}:${localName}`)
  if (text !== undefined) el.appendChild(doc.createTextNode(text))
  return el
}

export const setAttribute =
  (localName: string, name: string, value: string, index = 0): Edit =>
  (doc) => {
    find(doc, localName, index).setAttribute(name, value)
  }

export const removeAttribute =
  (localName: string, name: string, index = 0): Edit =>
  (doc) => {
    find(doc, localName, index).removeAttribute(name)
  }

export const setText =
  (localName: string, text: string, index = 0): Edit =>
  (doc) => {
    const el = find(doc, localName, index)
    while (el.firstChild !== null) el.removeChild(el.firstChild)
    el.appendChild(doc.createTextNode(text))
  }

export const remove =
  (localName: string, index = 0): Edit =>
  (doc) => {
    const el = find(doc, localName, index)
    el.parentNode!.removeChild(el)
  }

/** The Response's own Issuer (not the Assertion's). */
export function responseChild(doc: Document, localName: string): Element {
  for (let c = doc.documentElement!.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === localName) return c as Element
  }
  throw new Error(`test recipe: the Response has no <${localName}> child`)
}

/** The Assertion's own Signature (a direct child), as opposed to the Response's. */
export function signatureOf(parent: Element): Element {
  for (let c = parent.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === 'Signature' && (c as Element).namespaceURI === NS.ds) return c as Element
  }
  throw new Error(`test recipe: <${parent.localName}> has no Signature child`)
}

/** A samlp:Extensions element in its schema place (after Issuer and Signature), created if absent. */
export function extensionsOf(doc: Document): Element {
  const root = doc.documentElement!
  for (let c = root.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === 'Extensions') return c as Element
  }
  const extensions = create(doc, NS.protocol, 'Extensions')
  root.insertBefore(extensions, responseChild(doc, 'Status'))
  return extensions
}

export const compose =
  (...edits: Edit[]): Edit =>
  (doc) => {
    for (const edit of edits) edit(doc)
  }

/** `ms` after NOW, in the xs:dateTime form IdPs send. */
export const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString()
export const seconds = (n: number) => n * 1000
export const minutes = (n: number) => n * 60_000
