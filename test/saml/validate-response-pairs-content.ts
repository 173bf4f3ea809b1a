/** The pairs (see validate-response-pairs.security.test.ts) for encryption and the protocol checks on the verified elements. */
import { NS } from '../../src/saml/xml.js'
import { at, editXml, find, minutes, remove, removeAttribute, setAttribute, setText, SP_ENTITY_ID } from './response-recipe.js'
import {
  duplicateSignatureOf,
  encryptedAs,
  addAudienceRestriction,
  HOLDER_OF_KEY,
  moveAssertionSignatureInto,
  OTHER_ACS,
  OTHER_IDP,
  OTHER_SP,
  type Pair,
} from './validate-response-support.js'

export const CONTENT_PAIRS: readonly Pair[] = [
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
