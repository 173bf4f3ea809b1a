/** The pairs (see validate-response-pairs.security.test.ts) for what is refused unread, the shape, and the signatures. */
import { type Element } from '@xmldom/xmldom'
import { NS } from '../../src/saml/xml.js'
import { ACS_URL, create, extensionsOf, find, remove, removeAttribute, setAttribute, setText, signatureOf } from './response-recipe.js'
import {
  BILLION_LAUGHS_DTD,
  duplicateSignatureOf,
  idpSettings,
  MiB,
  moveAssertionSignatureInto,
  nestInExtensions,
  OTHER_ACS,
  padTo,
  statusMessage,
  withPadding,
  XXE_DTD,
  type Pair,
} from './validate-response-support.js'

export const WIRE_PAIRS: readonly Pair[] = [
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
]
