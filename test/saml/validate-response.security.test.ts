/**
 * DESIGN §4, one pair per attack: the response with the defect is refused with its own failure
 * code, and the same response without the defect — correctly signed by the connection's IdP with
 * real xml-crypto signatures — is accepted. Every code validateSamlResponse can return is covered
 * (the coverage test at the end fails when a new code has no pair). The clock is fixed at NOW.
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom'
import { constants as cryptoConstants } from 'node:crypto'
import { createRequire } from 'node:module'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { SAML_FAILURE_CODES, type SamlFailureCode } from '../../src/saml/failure.js'
import { validateSamlResponse, type ResponseValidationSettings, type ValidationResult } from '../../src/saml/validate-response.js'
import { NS } from '../../src/saml/xml.js'
import {
  ACS_URL,
  at,
  compose,
  craft,
  create,
  createParties,
  editXml,
  extensionsOf,
  find,
  minutes,
  NAME_ID,
  NOW,
  remove,
  removeAttribute,
  setAttribute,
  setText,
  settingsFor,
  signatureOf,
  SP_ENTITY_ID,
  withDefect,
  type Edit,
  type Parties,
  type Recipe,
} from './response-recipe.js'

const MiB = 1024 * 1024
const OTHER_ACS = 'https://other-sp.example.test/saml/acs'
const OTHER_SP = 'https://other-sp.example.test/saml/metadata'
const OTHER_IDP = 'https://evil-idp.example.test/metadata'
const HOLDER_OF_KEY = 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key'

/** Decided by core with storage (InResponseTo lookup, replay cache), never by the validator. */
const DECIDED_IN_CORE: readonly SamlFailureCode[] = ['unsolicited_response', 'request_unknown', 'assertion_replayed']

type SettingsFor = (parties: Parties) => Partial<ResponseValidationSettings>

interface Pair {
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

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const idpSettings =
  (overrides: { allowSha1?: boolean; certificates?: 'idp' | 'both' }): SettingsFor =>
  (p) => ({
    idp: {
      entityId: p.idp.entityId,
      allowSha1: overrides.allowSha1 ?? false,
      certificates: overrides.certificates === 'both' ? [p.attacker.certificate, p.idp.certificate] : [p.idp.certificate],
    },
  })

/** Pads the XML after its root element (legal trailing whitespace) to exactly `bytes` bytes. */
const padTo = (bytes: number) => (xml: string) => xml + ' '.repeat(bytes - Buffer.byteLength(xml))

const statusMessage = (message: string) => (xml: string) =>
  xml.replace('</saml2p:Status>', `<saml2p:StatusMessage>${message}</saml2p:StatusMessage></saml2p:Status>`)

/** The same response as base64 that ends in padding (a newline after the root element when it would not). */
const withPadding = (b: string): string => {
  const bytes = Buffer.from(b, 'base64')
  return bytes.length % 3 === 0 ? Buffer.concat([bytes, Buffer.from('\n')]).toString('base64') : b
}

const XXE_DTD = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
const BILLION_LAUGHS_DTD =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
  ']>'

const moveAssertionSignatureInto =
  (parent: (doc: Document) => Element): Edit =>
  (doc) => {
    const signature = signatureOf(find(doc, 'Assertion'))
    signature.parentNode!.removeChild(signature)
    parent(doc).appendChild(signature)
  }

const duplicateSignatureOf =
  (localName: 'Response' | 'Assertion'): Edit =>
  (doc) => {
    const signed = find(doc, localName)
    const signature = signatureOf(signed)
    signed.insertBefore(signature.cloneNode(true), signature.nextSibling)
  }

const PAIRS: readonly Pair[] = [
  // --- Refused unread ----------------------------------------------------------------------------
  { attack: '2 MiB of "A" (valid base64 letters, never decoded)', code: 'response_too_large', defect: { base64: () => 'A'.repeat(2 * MiB) } },
  { attack: '2 MiB of "!" as too large, before its encoding is looked at', code: 'response_too_large', defect: { base64: () => '!'.repeat(2 * MiB) } },
  {
    attack: 'a signed response padded to 1 MiB + 1 byte (the same padded to exactly 1 MiB passes)',
    code: 'response_too_large',
    base: { text: padTo(MiB) },
    defect: { text: padTo(MiB + 1) },
  },
  { attack: 'a form value with a character outside base64', code: 'response_not_base64', defect: { base64: (b) => `${b.slice(0, 40)}!${b.slice(40)}` } },
  { attack: 'a truncated base64 value (length not a multiple of 4)', code: 'response_not_base64', defect: { base64: (b) => b.slice(0, -1) } },
  {
    attack: "the base64url alphabet (- and _), which Node's decoder would take",
    code: 'response_not_base64',
    defect: {
      base64: (b) => {
        if (!/[+/]/.test(b)) throw new Error('no + or / to swap')
        return b.replaceAll('+', '-').replaceAll('/', '_')
      },
    },
  },
  {
    attack: 'padding in the middle (two base64 values run together)',
    code: 'response_not_base64',
    defect: { base64: (b) => `${withPadding(b)}${withPadding(b)}` },
  },
  { attack: 'an empty form value', code: 'response_not_base64', defect: { base64: () => '' } },
  { attack: 'base64 of text that is not XML', code: 'xml_malformed', defect: { text: () => 'this is not XML at all' } },
  { attack: 'a signed response cut short', code: 'xml_malformed', defect: { text: (xml) => xml.slice(0, -25) } },
  {
    attack: 'a DTD declaring an external entity (XXE on file:///etc/passwd)',
    code: 'xml_dtd_forbidden',
    base: { text: statusMessage('signed in') },
    defect: { text: (xml) => XXE_DTD + statusMessage('&e;')(xml) },
  },
  {
    attack: 'a billion-laughs entity expansion',
    code: 'xml_dtd_forbidden',
    base: { text: statusMessage('signed in') },
    defect: { text: (xml) => BILLION_LAUGHS_DTD + statusMessage('&lol9;')(xml) },
  },
  { attack: 'a bare DOCTYPE without entities', code: 'xml_dtd_forbidden', defect: { text: (xml) => `<!DOCTYPE saml2p:Response>${xml}` } },
  {
    // Before the depth limit this threw RangeError (stack overflow) instead of returning a failure.
    attack: 'elements nested 10 000 deep in the Response <Extensions> (70 KB)',
    code: 'xml_malformed',
    base: { text: nestInExtensions(20) },
    defect: { text: nestInExtensions(10_000) },
  },
  {
    attack: 'elements nested 129 deep, one past the limit (128 passes)',
    code: 'xml_malformed',
    base: { text: nestInExtensions(128) },
    defect: { text: nestInExtensions(129) },
  },

  // --- Shape: one Response, one Assertion, signatures where SAML puts them -------------------------
  {
    attack: 'a signed Assertion posted without its Response',
    code: 'not_a_response',
    defect: { text: (xml) => xml.slice(xml.indexOf('<saml2:Assertion'), xml.indexOf('</saml2:Assertion>') + '</saml2:Assertion>'.length) },
  },
  { attack: 'a LogoutResponse root', code: 'not_a_response', defect: { text: (xml) => xml.replace(/saml2p:Response\b/g, 'saml2p:LogoutResponse') } },
  {
    attack: 'a Response in the SAML 1.0 protocol namespace',
    code: 'not_a_response',
    defect: { text: (xml) => xml.replace('xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"', 'xmlns:saml2p="urn:oasis:names:tc:SAML:1.0:protocol"') },
  },
  {
    attack: 'a second Response nested in the first',
    code: 'response_count',
    defect: {
      after: (doc) => {
        const copy = doc.documentElement!.cloneNode(true)
        extensionsOf(doc).appendChild(copy)
      },
    },
  },
  {
    attack: 'a signed Response with Version="1.1"',
    code: 'version_invalid',
    base: { sign: 'response' },
    defect: { before: setAttribute('Response', 'Version', '1.1') },
  },
  {
    attack: 'a signed Response without a Version',
    code: 'version_invalid',
    base: { sign: 'response' },
    defect: { before: removeAttribute('Response', 'Version') },
  },
  { attack: 'a signed Response with no Assertion', code: 'assertion_count', base: { sign: 'response' }, defect: { before: remove('Assertion') } },
  {
    attack: 'a signed Response with two Assertions',
    code: 'assertion_count',
    base: { sign: 'response' },
    defect: {
      before: (doc) => {
        const first = find(doc, 'Assertion')
        const second = first.cloneNode(true) as Element
        second.setAttribute('ID', '_assertion0002')
        const nameId = find(second, 'NameID')
        nameId.replaceChild(doc.createTextNode('mallory@example.test'), nameId.firstChild!)
        first.parentNode!.insertBefore(second, first.nextSibling)
      },
    },
  },

  // --- Signatures --------------------------------------------------------------------------------
  { attack: 'an unsigned response', code: 'signature_missing', defect: { sign: 'none' } },
  { attack: 'a response whose Assertion signature was stripped', code: 'signature_missing', defect: { after: remove('Signature') } },
  { attack: 'a response whose Response signature was stripped', code: 'signature_missing', base: { sign: 'response' }, defect: { after: remove('Signature') } },
  {
    attack: 'the Assertion signature moved into the Response <Extensions>',
    code: 'signature_misplaced',
    defect: { after: moveAssertionSignatureInto((doc) => extensionsOf(doc)) },
  },
  {
    attack: 'the Assertion signature moved into its <Subject>',
    code: 'signature_misplaced',
    defect: { after: moveAssertionSignatureInto((doc) => find(doc, 'Subject')) },
  },
  {
    attack: 'a copy of the Response signature inside a <ds:Object> of that signature',
    code: 'signature_misplaced',
    base: { sign: 'both' },
    defect: {
      after: (doc) => {
        const signature = signatureOf(doc.documentElement!)
        const object = create(doc, NS.ds, 'Object')
        object.appendChild(signature.cloneNode(true))
        signature.appendChild(object)
      },
    },
  },
  { attack: 'two Signatures on the Assertion', code: 'signature_misplaced', defect: { after: duplicateSignatureOf('Assertion') } },
  { attack: 'two Signatures on the Response', code: 'signature_misplaced', base: { sign: 'response' }, defect: { after: duplicateSignatureOf('Response') } },
  { attack: 'a NameID changed after signing', code: 'signature_invalid', defect: { after: setText('NameID', 'ceo@example.test') } },
  {
    attack: 'an attribute value changed after signing',
    code: 'signature_invalid',
    base: { params: { attributes: { role: ['member'] } } },
    defect: { after: setText('AttributeValue', 'owner') },
  },
  {
    attack: 'a changed Assertion re-signed by another key whose certificate is in KeyInfo',
    code: 'signature_invalid',
    defect: { before: setText('NameID', 'ceo@example.test'), signer: 'attacker' },
  },
  {
    attack: 'a Response signed by another key whose certificate is in KeyInfo',
    code: 'signature_invalid',
    base: { sign: 'response' },
    defect: { signer: 'attacker' },
  },
  {
    attack: 'a signed Response for another SP whose Destination was rewritten to our ACS',
    code: 'signature_invalid',
    base: { sign: 'response' },
    defect: { params: { destination: OTHER_ACS }, after: setAttribute('Response', 'Destination', ACS_URL) },
  },
  {
    attack: 'an IdP-signed Assertion in a Response signed by another key (every signature must hold)',
    code: 'signature_invalid',
    base: { sign: 'both' },
    defect: { responseSigner: 'attacker' },
  },
  {
    attack: 'a response whose SignatureValue was altered',
    code: 'signature_invalid',
    defect: {
      after: (doc) => {
        const v = find(doc, 'SignatureValue')
        v.firstChild!.nodeValue = `AAAA${v.firstChild!.nodeValue!.slice(4)}`
      },
    },
  },
  {
    attack: 'an HMAC SignatureMethod (keyed with the public certificate, a classic confusion)',
    code: 'signature_algorithm_forbidden',
    defect: { after: setAttribute('SignatureMethod', 'Algorithm', 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256') },
  },
  {
    attack: 'a CanonicalizationMethod with comments',
    code: 'signature_algorithm_forbidden',
    defect: { after: setAttribute('CanonicalizationMethod', 'Algorithm', 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments') },
  },
  {
    attack: 'an XSLT transform added to the Reference',
    code: 'signature_algorithm_forbidden',
    defect: {
      after: (doc) => {
        const transform = create(doc, NS.ds, 'Transform')
        transform.setAttribute('Algorithm', 'http://www.w3.org/TR/1999/REC-xslt-19991116')
        find(doc, 'Transforms').appendChild(transform)
      },
    },
  },
  {
    attack: 'an MD5 DigestMethod',
    code: 'signature_algorithm_forbidden',
    defect: { after: setAttribute('DigestMethod', 'Algorithm', 'http://www.w3.org/2001/04/xmldsig-more#md5') },
  },
  {
    attack: "a Response carrying the signed Assertion's ID (duplicate ID)",
    code: 'signature_reference_invalid',
    defect: { params: { responseId: '_assertion0001' } },
  },
  {
    attack: 'a Reference URI emptied to mean the whole document',
    code: 'signature_reference_invalid',
    defect: { after: setAttribute('Reference', 'URI', '') },
  },
  {
    attack: 'a Reference URI pointed at the Response',
    code: 'signature_reference_invalid',
    defect: { after: setAttribute('Reference', 'URI', '#_response0001') },
  },
  {
    attack: "an unsigned element carrying the signed Assertion's ID",
    code: 'signature_reference_invalid',
    defect: { after: (doc) => extensionsOf(doc).setAttribute('ID', '_assertion0001') },
  },
  {
    attack: 'an RSA-SHA1 signature when the connection does not allow SHA-1',
    code: 'signature_algorithm_forbidden',
    base: { algorithm: 'rsa-sha1' },
    defect: {},
    settings: idpSettings({ allowSha1: true }),
    attackSettings: idpSettings({ allowSha1: false }),
  },
  {
    attack: 'an RSA-SHA1 Response signature when the connection does not allow SHA-1',
    code: 'signature_algorithm_forbidden',
    base: { algorithm: 'rsa-sha1', sign: 'response' },
    defect: {},
    settings: idpSettings({ allowSha1: true }),
    attackSettings: idpSettings({ allowSha1: false }),
  },

  // --- Encryption --------------------------------------------------------------------------------
  {
    attack: 'a plaintext assertion when the connection requires encryption',
    code: 'assertion_not_encrypted',
    base: { encrypt: {} },
    defect: { encrypt: null },
    settings: () => ({ requireEncryptedAssertion: true }),
  },
  { attack: "an assertion encrypted to another SP's key", code: 'decryption_failed', base: { encrypt: {} }, defect: { encrypt: { to: 'otherSp' } } },
  {
    attack: 'an assertion whose key is wrapped with RSA 1.5 (a padding oracle)',
    code: 'decryption_failed',
    base: { encrypt: {} },
    defect: { encrypt: { keyTransport: 'rsa-1_5' } },
  },
  // Anyone can encrypt to our public certificate: what decrypts is as untrusted as the envelope.
  // And every failure after decryption starts is the one code decryption_failed, so that the
  // outcomes cannot be told apart (no Jager–Somorovsky oracle): decryption-oracle.security.test.ts.
  {
    attack: 'an encrypted payload carrying a DTD',
    code: 'decryption_failed',
    base: encryptedAs((a) => a),
    defect: encryptedAs((a) => `<!DOCTYPE x [<!ENTITY e "e">]>${a}`),
  },
  { attack: 'an encrypted payload that is not XML', code: 'decryption_failed', base: encryptedAs((a) => a), defect: encryptedAs(() => 'not XML') },
  {
    attack: 'an encrypted payload holding two Assertions',
    code: 'decryption_failed',
    base: encryptedAs((a) => a),
    defect: encryptedAs((a) => `<x:Wrap xmlns:x="urn:example:x">${a}${a}</x:Wrap>`),
  },
  {
    attack: 'an encrypted Assertion hiding a Response inside',
    code: 'decryption_failed',
    base: encryptedAs((a) => a),
    defect: encryptedAs((a) =>
      a.replace('</saml2:Assertion>', `<saml2:Advice><saml2p:Response xmlns:saml2p="${NS.protocol}"/></saml2:Advice></saml2:Assertion>`),
    ),
  },
  {
    attack: 'an encrypted Assertion whose Signature was moved into its Subject',
    code: 'decryption_failed',
    base: encryptedAs((a) => a),
    defect: encryptedAs((a) =>
      editXml(
        a,
        moveAssertionSignatureInto((doc) => find(doc, 'Subject')),
      ),
    ),
  },
  {
    attack: 'an encrypted Assertion with two Signatures',
    code: 'decryption_failed',
    base: encryptedAs((a) => a),
    defect: encryptedAs((a) => editXml(a, duplicateSignatureOf('Assertion'))),
  },

  // --- Protocol checks on the verified elements -------------------------------------------------
  {
    attack: 'a signed Response with status Responder',
    code: 'status_not_success',
    base: { sign: 'response' },
    defect: { params: { statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder' } },
  },
  {
    attack: 'an unsigned Response envelope with status Requester',
    code: 'status_not_success',
    defect: { params: { statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Requester' } },
  },
  { attack: 'an Assertion issued by another entity', code: 'issuer_mismatch', defect: { before: setText('Issuer', OTHER_IDP, 1) } },
  {
    attack: 'a signed Response whose Assertion has no Issuer (schema: Issuer is required)',
    code: 'schema_invalid',
    base: { sign: 'response' },
    defect: { before: remove('Issuer', 1) },
  },
  {
    attack: 'a signed Response issued by another entity',
    code: 'issuer_mismatch',
    base: { sign: 'response' },
    defect: { before: setText('Issuer', OTHER_IDP, 0) },
  },
  { attack: 'an unsigned Response envelope whose Issuer was changed', code: 'issuer_mismatch', defect: { after: setText('Issuer', OTHER_IDP, 0) } },
  { attack: 'a Response sent to another ACS', code: 'destination_mismatch', defect: { params: { destination: OTHER_ACS } } },
  { attack: 'a signed Response without a Destination', code: 'destination_mismatch', base: { sign: 'response' }, defect: { params: { destination: null } } },
  { attack: 'a bearer confirmation for another ACS (Recipient)', code: 'recipient_mismatch', defect: { params: { recipient: OTHER_ACS } } },
  {
    attack: 'a bearer confirmation without a Recipient',
    code: 'recipient_mismatch',
    defect: { before: removeAttribute('SubjectConfirmationData', 'Recipient') },
  },
  { attack: 'an Assertion with no SubjectConfirmation', code: 'bearer_confirmation_missing', defect: { params: { bearer: false } } },
  {
    attack: 'a holder-of-key instead of a bearer confirmation',
    code: 'bearer_confirmation_missing',
    defect: { before: setAttribute('SubjectConfirmation', 'Method', HOLDER_OF_KEY) },
  },
  {
    attack: 'a bearer confirmation without NotOnOrAfter',
    code: 'bearer_confirmation_missing',
    defect: { before: removeAttribute('SubjectConfirmationData', 'NotOnOrAfter') },
  },
  {
    attack: 'a bearer confirmation that expired 10 minutes ago',
    code: 'expired',
    defect: { before: setAttribute('SubjectConfirmationData', 'NotOnOrAfter', at(-minutes(10))) },
  },
  {
    attack: 'a bearer confirmation not valid for 10 minutes',
    code: 'not_yet_valid',
    defect: { before: setAttribute('SubjectConfirmationData', 'NotBefore', at(minutes(10))) },
  },
  { attack: 'Conditions that expired 10 minutes ago', code: 'expired', defect: { before: setAttribute('Conditions', 'NotOnOrAfter', at(-minutes(10))) } },
  { attack: 'Conditions not valid for 10 minutes', code: 'not_yet_valid', defect: { before: setAttribute('Conditions', 'NotBefore', at(minutes(10))) } },
  {
    attack: 'a Conditions NotBefore that is not an xs:dateTime',
    code: 'time_invalid',
    defect: { before: setAttribute('Conditions', 'NotBefore', '2025-12-31 23:59:00') },
  },
  {
    attack: 'a bearer NotOnOrAfter that is not an xs:dateTime',
    code: 'time_invalid',
    defect: { before: setAttribute('SubjectConfirmationData', 'NotOnOrAfter', 'tomorrow') },
  },
  { attack: 'an Assertion without an AudienceRestriction', code: 'audience_missing', defect: { params: { audience: null } } },
  { attack: 'an Assertion for another SP (Audience)', code: 'audience_mismatch', defect: { params: { audience: OTHER_SP } } },
  {
    attack: 'two AudienceRestrictions where only one names us',
    code: 'audience_mismatch',
    base: { before: addAudienceRestriction(SP_ENTITY_ID) },
    defect: { before: addAudienceRestriction(OTHER_SP) },
  },
  { attack: 'an Assertion without a NameID', code: 'nameid_missing', defect: { before: remove('NameID') } },
  { attack: 'a NameID of only whitespace', code: 'nameid_missing', defect: { before: setText('NameID', ' \n\t ') } },
  {
    attack: 'a NameID with a child element',
    code: 'value_has_markup',
    defect: { before: (doc) => find(doc, 'NameID').appendChild(doc.createElementNS('urn:example:x', 'x:admin')) },
  },
  {
    attack: 'a SubjectConfirmationData answering another request than the Response',
    code: 'in_response_to_mismatch',
    defect: { before: setAttribute('SubjectConfirmationData', 'InResponseTo', '_request0002') },
  },
  {
    attack: 'an unsigned Response envelope re-pointed at another request',
    code: 'in_response_to_mismatch',
    defect: { after: setAttribute('Response', 'InResponseTo', '_request0002') },
  },
]

/**
 * Nests elements `depth` deep (counting the Response and its samlp:Extensions), each declaring a
 * namespace prefix when `declare` is set. Extensions sit in the unsigned envelope of an
 * assertion-signed response, so the signature still holds.
 */
function nestInExtensions(depth: number, declare = false): (xml: string) => string {
  const open = declare ? '<x:n xmlns:a="urn:a">' : '<x:n>'
  return (xml) =>
    xml.replace(
      '<saml2p:Status>',
      `<saml2p:Extensions xmlns:x="urn:example:x">${open.repeat(depth - 2)}${'</x:n>'.repeat(depth - 2)}</saml2p:Extensions><saml2p:Status>`,
    )
}

/** The signed Assertion encrypted to our certificate, with `plaintext` applied to it first. */
function encryptedAs(plaintext: (assertionXml: string) => string): Recipe {
  return { encrypt: { plaintext } }
}

function addAudienceRestriction(audience: string): Recipe['before'] {
  return (doc) => {
    const restriction = create(doc, NS.assertion, 'AudienceRestriction')
    restriction.appendChild(create(doc, NS.assertion, 'Audience', audience))
    find(doc, 'Conditions').appendChild(restriction)
  }
}

async function validate(recipe: Recipe, settings: Partial<ResponseValidationSettings> = {}): Promise<ValidationResult> {
  return validateSamlResponse(await craft(parties, recipe), settingsFor(parties, settings))
}

/** What a result says, in one comparable value: the NameID, or the failure code. */
const verdict = (result: ValidationResult) => (result.ok ? { nameId: result.assertion.nameId } : result.failure.code)

describe('validateSamlResponse: every check is a pair', () => {
  for (const pair of PAIRS) {
    const base = pair.base ?? {}
    it(`rejects ${pair.attack} with ${pair.code}`, async () => {
      const settings = { ...pair.settings?.(parties), ...pair.attackSettings?.(parties) }
      expect(verdict(await validate(withDefect(base, pair.defect), settings))).toBe(pair.code)
    })
    it(`accepts the same response without that defect (${pair.code} pair)`, async () => {
      expect(verdict(await validate(base, pair.settings?.(parties)))).toEqual({ nameId: NAME_ID })
    })
  }
})

describe('validateSamlResponse: size is checked before anything is read', () => {
  it('refuses 2 MiB of "A" without decoding or parsing it; a smaller input is decoded and parsed', async () => {
    const settings = settingsFor(parties)
    const decode = vi.spyOn(Buffer, 'from')
    const parse = vi.spyOn(DOMParser.prototype, 'parseFromString')
    try {
      expect(verdict(await validateSamlResponse('A'.repeat(2 * MiB), settings))).toBe('response_too_large')
      expect(decode).not.toHaveBeenCalled()
      expect(parse).not.toHaveBeenCalled()
      // Just under the length limit: decoded and handed to the parser, which refuses the bytes.
      expect(verdict(await validateSamlResponse('A'.repeat(1_398_100), settings))).toBe('xml_malformed')
      expect(decode).toHaveBeenCalled()
      expect(parse).toHaveBeenCalled()
    } finally {
      decode.mockRestore()
      parse.mockRestore()
    }
  })

  it('accepts a real response at its normal size', async () => {
    expect(verdict(await validateSamlResponse(await craft(parties, {}), settingsFor(parties)))).toEqual({ nameId: NAME_ID })
  })
})

/**
 * Validity windows (SAML core §2.5.1.2): NotBefore is inclusive, NotOnOrAfter exclusive, both
 * widened by the skew. So NotBefore = now + skew is the last accepted bound (1 ms later is refused),
 * and NotOnOrAfter = now − skew + 1 ms is the last accepted one (now − skew itself is refused).
 * Whatever clockSkewMs asks, the skew is bounded to 5 minutes.
 */
describe('validateSamlResponse: clock skew is applied exactly and bounded', () => {
  const windows = [
    { bound: 'Conditions NotBefore', skew: undefined, effective: minutes(3), element: 'Conditions', attr: 'NotBefore', code: 'not_yet_valid' },
    { bound: 'Conditions NotBefore', skew: minutes(60), effective: minutes(5), element: 'Conditions', attr: 'NotBefore', code: 'not_yet_valid' },
    { bound: 'Conditions NotBefore', skew: 0, effective: 0, element: 'Conditions', attr: 'NotBefore', code: 'not_yet_valid' },
    { bound: 'Conditions NotOnOrAfter', skew: undefined, effective: minutes(3), element: 'Conditions', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'Conditions NotOnOrAfter', skew: minutes(60), effective: minutes(5), element: 'Conditions', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'Conditions NotOnOrAfter', skew: -minutes(10), effective: 0, element: 'Conditions', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'bearer NotOnOrAfter', skew: undefined, effective: minutes(3), element: 'SubjectConfirmationData', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'bearer NotOnOrAfter', skew: minutes(60), effective: minutes(5), element: 'SubjectConfirmationData', attr: 'NotOnOrAfter', code: 'expired' },
  ] as const

  for (const w of windows) {
    const asked = w.skew === undefined ? 'the default skew' : `clockSkewMs ${w.skew}`
    const settings: Partial<ResponseValidationSettings> = w.skew === undefined ? {} : { clockSkewMs: w.skew }
    // Last accepted and first refused bound.
    const [accepted, refused] = w.attr === 'NotBefore' ? [w.effective, w.effective + 1] : [-w.effective + 1, -w.effective]
    it(`rejects a ${w.bound} of now ${sign(refused)} with ${asked} (${w.effective / 1000} s effective) as ${w.code}`, async () => {
      expect(verdict(await validate({ before: setAttribute(w.element, w.attr, at(refused)) }, settings))).toBe(w.code)
    })
    it(`accepts a ${w.bound} of now ${sign(accepted)} with ${asked}`, async () => {
      expect(verdict(await validate({ before: setAttribute(w.element, w.attr, at(accepted)) }, settings))).toEqual({ nameId: NAME_ID })
    })
  }

  function sign(ms: number): string {
    return `${ms < 0 ? '−' : '+'} ${Math.abs(ms)} ms`
  }
})

/** Legitimate shapes real IdPs send: each must pass, or the pairs above prove nothing. */
describe('validateSamlResponse: accepts what real IdPs send', () => {
  const accepted: readonly { shape: string; recipe: Recipe; settings?: SettingsFor }[] = [
    { shape: 'only the Response signed (Okta, ADFS default)', recipe: { sign: 'response' } },
    { shape: 'both Response and Assertion signed', recipe: { sign: 'both' } },
    { shape: 'an RSA-SHA512 signature', recipe: { algorithm: 'rsa-sha512', sign: 'both' } },
    { shape: 'an RSA-SHA1 signature when the connection allows SHA-1', recipe: { algorithm: 'rsa-sha1' }, settings: idpSettings({ allowSha1: true }) },
    { shape: 'an assertion encrypted with AES-256-GCM', recipe: { encrypt: { content: 'aes256-gcm' } }, settings: () => ({ requireEncryptedAssertion: true }) },
    { shape: 'an assertion encrypted with AES-128-CBC', recipe: { encrypt: { content: 'aes128-cbc' } }, settings: () => ({ requireEncryptedAssertion: true }) },
    { shape: 'an assertion encrypted with AES-256-CBC', recipe: { encrypt: { content: 'aes256-cbc' } } },
    { shape: 'an unsigned assertion encrypted inside a signed Response', recipe: { sign: 'response', encrypt: {} } },
    {
      shape: 'a decryption key rollover (the current key listed second)',
      recipe: { encrypt: {} },
      settings: (p) => ({ sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL, decryptionKeys: [p.otherSp.privateKeyPem, p.sp.privateKeyPem] } }),
    },
    { shape: "a signing certificate rollover (the IdP's certificate listed second)", recipe: {}, settings: idpSettings({ certificates: 'both' }) },
    { shape: 'an assertion-signed Response without a Destination', recipe: { params: { destination: null } } },
    { shape: 'an IdP-initiated response (no InResponseTo; core decides)', recipe: { params: { inResponseTo: null } } },
    {
      shape: 'a bearer confirmation among others',
      recipe: {
        before: (doc) => {
          const c = find(doc, 'SubjectConfirmation')
          const hok = c.cloneNode(true) as typeof c
          hok.setAttribute('Method', HOLDER_OF_KEY)
          c.parentNode!.insertBefore(hok, c)
        },
      },
    },
    {
      shape: 'an Audience among several in the one restriction',
      recipe: { before: (doc) => find(doc, 'AudienceRestriction').insertBefore(create(doc, NS.assertion, 'Audience', OTHER_SP), find(doc, 'Audience')) },
    },
    { shape: 'base64 wrapped at 76 columns with CRLF', recipe: { base64: (b) => b.match(/.{1,76}/g)!.join('\r\n') } },
    {
      shape: 'base64 whose last character has non-zero unused bits (decodes to the same bytes)',
      recipe: {
        base64: (b) => {
          const padded = withPadding(b)
          const at = padded.indexOf('=') - 1
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
          const odd = padded.slice(0, at) + alphabet[alphabet.indexOf(padded[at]!) | 1] + padded.slice(at + 1)
          if (odd === padded || Buffer.from(odd, 'base64').toString('base64') === odd) throw new Error('the unused bits did not change')
          return odd
        },
      },
    },
    { shape: 'times with an explicit +01:00 offset', recipe: { before: compose(setAttribute('Conditions', 'NotBefore', '2026-01-01T00:59:00+01:00')) } },
  ]
  for (const a of accepted) {
    it(`accepts ${a.shape}`, async () => {
      expect(verdict(await validate(a.recipe, a.settings?.(parties)))).toEqual({ nameId: NAME_ID })
    })
  }

  it('reports what it verified: signatures, encryption, algorithm, the request answered', async () => {
    const result = await validate({ sign: 'both', encrypt: {} })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.assertion).toMatchObject({
      signed: { response: true, assertion: true },
      encrypted: true,
      inResponseTo: '_request0001',
      assertionId: '_assertion0001',
      issuer: parties.idp.entityId,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      warnings: [],
    })
  })

  it('warns (without failing) when SHA-1 is allowed and used', async () => {
    const result = await validate({ algorithm: 'rsa-sha1' }, idpSettings({ allowSha1: true })(parties))
    expect(result.ok && result.assertion.warnings.length).toBe(1)
  })
})

describe('validateSamlResponse: parse cost is bounded', () => {
  // ~1 MiB of nesting, each level declaring a prefix: xmldom's parse time grows quadratically
  // with it (20 000 levels took 11 s here), so without a depth limit this costs tens of seconds.
  const bomb = nestInExtensions(38_000, true)
  it('refuses 1 MiB of namespace-declaring nesting as xml_malformed, before xmldom is handed it', async () => {
    const base64 = await craft(parties, { text: bomb })
    const parse = vi.spyOn(DOMParser.prototype, 'parseFromString')
    try {
      expect(verdict(await validateSamlResponse(base64, settingsFor(parties)))).toBe('xml_malformed')
      expect(parse).not.toHaveBeenCalled()
    } finally {
      parse.mockRestore()
    }
  })
  it('accepts the same with namespace-declaring nesting of normal depth', async () => {
    expect(verdict(await validate({ text: nestInExtensions(30, true) }))).toEqual({ nameId: NAME_ID })
  })
})

/**
 * RSA PKCS#1 v1.5 key transport is a decryption oracle (Jager, Schinzel, Somorovsky, "Bleichenbacher's
 * attack strikes again: breaking PKCS#1 v1.5 in XML Encryption", ESORICS 2012), so it is refused
 * before any private-key operation — however the EncryptedKey is dressed. xml-encryption picks the
 * EncryptedKey and EncryptionMethod by local name in any namespace; a check that reads only the
 * XML-Enc namespace can be shown a decoy. We watch node:crypto to prove no PKCS#1 v1.5 decryption
 * is even attempted (Node 20 happens to refuse it by default; other builds need not).
 */
describe('validateSamlResponse: RSA 1.5 key transport is refused however it is dressed', () => {
  const XENC = 'http://www.w3.org/2001/04/xmlenc#'
  const OAEP = `${XENC}rsa-oaep-mgf1p`
  const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const firstEncryptedKey = (doc: Document) => doc.getElementsByTagNameNS(XENC, 'EncryptedKey')[0]!
  const keyMethod = (key: Element) => Array.from(key.childNodes).find((n): n is Element => n.nodeType === 1 && (n as Element).localName === 'EncryptionMethod')!
  const oaepMethod = (doc: Document) => {
    const m = doc.createElementNS(XENC, 'xenc:EncryptionMethod')
    m.setAttribute('Algorithm', OAEP)
    return m
  }
  const dressings: readonly { dressing: string; edit: Edit }[] = [
    { dressing: 'as the IdP sent it', edit: () => {} },
    {
      dressing: 'behind an OAEP EncryptionMethod nested first in the EncryptedKey',
      edit: (doc) => {
        const key = firstEncryptedKey(doc)
        const decoy = doc.createElementNS('urn:example:x', 'x:Decoy')
        decoy.appendChild(oaepMethod(doc))
        key.insertBefore(decoy, key.firstChild)
      },
    },
    {
      dressing: 'in a foreign-namespace EncryptionMethod, with an XML-Enc OAEP one after it',
      edit: (doc) => {
        const key = firstEncryptedKey(doc)
        const real = keyMethod(key)
        const foreign = doc.createElementNS('urn:example:x', 'x:EncryptionMethod')
        foreign.setAttribute('Algorithm', real.getAttribute('Algorithm')!)
        key.replaceChild(foreign, real)
        key.insertBefore(oaepMethod(doc), foreign.nextSibling)
      },
    },
    {
      dressing: 'in a foreign-namespace EncryptedKey, with an XML-Enc OAEP EncryptedKey after the EncryptedData',
      edit: (doc) => {
        const key = firstEncryptedKey(doc)
        const decoy = key.cloneNode(true) as Element
        keyMethod(decoy).setAttribute('Algorithm', OAEP)
        const foreign = doc.createElementNS('urn:example:x', 'x:EncryptedKey')
        while (key.firstChild !== null) foreign.appendChild(key.firstChild)
        key.parentNode!.replaceChild(foreign, key)
        find(doc, 'EncryptedAssertion').appendChild(decoy)
      },
    },
  ]

  const pkcs1Decryptions = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.filter(([key]) => (key as { padding?: number }).padding === cryptoConstants.RSA_PKCS1_PADDING).length

  for (const d of dressings) {
    it(`rejects an RSA 1.5 wrapped key ${d.dressing} with decryption_failed, never decrypting it`, async () => {
      const spy = vi.spyOn(nodeCrypto, 'privateDecrypt')
      const result = await validate({ encrypt: { keyTransport: 'rsa-1_5' }, after: d.edit })
      expect(verdict(result)).toBe('decryption_failed')
      expect(pkcs1Decryptions(spy)).toBe(0)
    })
    it(`accepts the same dressing of an RSA-OAEP wrapped key (${d.dressing})`, async () => {
      const spy = vi.spyOn(nodeCrypto, 'privateDecrypt')
      expect(verdict(await validate({ encrypt: { keyTransport: 'rsa-oaep-mgf1p' }, after: d.edit }))).toEqual({ nameId: NAME_ID })
      // The spy sees the library's calls: without this the first test would prove nothing.
      expect(spy).toHaveBeenCalled()
    })
  }
})

/**
 * The replay cache keeps an assertion ID until `validUntil` and may sweep it then (store
 * deleteExpired). So the validator must never accept the assertion at or after `validUntil`, or a
 * swept ID can be replayed in the skew window after NotOnOrAfter.
 */
describe('validateSamlResponse: validUntil covers every instant the assertion is accepted', () => {
  const notOnOrAfter = NOW.getTime() + minutes(5)
  const windows = [
    { skew: undefined, effective: minutes(3) },
    { skew: minutes(60), effective: minutes(5) },
    { skew: 0, effective: 0 },
  ]
  for (const w of windows) {
    const settings = (now: number): Partial<ResponseValidationSettings> => ({ now: new Date(now), ...(w.skew === undefined ? {} : { clockSkewMs: w.skew }) })
    const recipe: Recipe = { params: { notOnOrAfter: new Date(notOnOrAfter) } }
    it(`rejects the assertion at its validUntil (clockSkewMs ${w.skew ?? 'default'}) as expired`, async () => {
      const first = await validate(recipe, settings(NOW.getTime()))
      expect(first.ok).toBe(true)
      if (!first.ok) return
      expect(first.assertion.validUntil).toBe(new Date(notOnOrAfter + w.effective).toISOString())
      expect(verdict(await validate(recipe, settings(Date.parse(first.assertion.validUntil))))).toBe('expired')
    })
    it(`accepts it 1 ms before its validUntil (clockSkewMs ${w.skew ?? 'default'}), still inside the replay window`, async () => {
      const first = await validate(recipe, settings(NOW.getTime()))
      const validUntil = Date.parse(first.ok ? first.assertion.validUntil : '')
      expect(verdict(await validate(recipe, settings(validUntil - 1)))).toEqual({ nameId: NAME_ID })
    })
  }

  it('takes the latest bound of several bearer confirmations and the Conditions, in UTC', async () => {
    const later = (doc: Document) => {
      const c = find(doc, 'SubjectConfirmation')
      const second = c.cloneNode(true) as Element
      find(second, 'SubjectConfirmationData').setAttribute('NotOnOrAfter', '2026-01-01T01:10:00+01:00')
      c.parentNode!.insertBefore(second, c)
    }
    const result = await validate({ before: compose(later, setAttribute('SubjectConfirmation', 'Method', HOLDER_OF_KEY)) })
    expect(result.ok && result.assertion.validUntil).toBe(new Date(NOW.getTime() + minutes(10) + minutes(3)).toISOString())
  })
})

describe('validateSamlResponse: coverage', () => {
  it('has a reject/accept pair for every code the validator can return', () => {
    const covered = new Set<SamlFailureCode>(PAIRS.map((p) => p.code))
    const missing = SAML_FAILURE_CODES.filter((code) => !DECIDED_IN_CORE.includes(code) && !covered.has(code))
    expect(missing).toEqual([])
  })
})
