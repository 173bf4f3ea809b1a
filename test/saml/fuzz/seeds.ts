/**
 * The fuzzer's seeds: genuinely signed responses (real xml-crypto signatures by the connection's IdP,
 * real xml-encryption to the SP), one per way an IdP signs, and for each exactly what the IdP
 * signed — the identity an accepted mutant must still yield.
 */
import { createPrivateKey } from 'node:crypto'
import { SignedXml } from 'xml-crypto'
import { encrypt } from 'xml-encryption'
import type { ResponseValidationSettings } from '../../../src/saml/validate-response.js'
import { NS } from '../../../src/saml/xml.js'
import { buildResponse, sign } from '../../helpers/test-idp.js'
import { createParties, defaultParams, NAME_ID, REQUEST_ID, settingsFor, type Parties } from '../response-recipe.js'

const SESSION_INDEX = '_session0001'

export interface ExpectedIdentity {
  readonly nameId: string
  readonly issuer: string
  readonly inResponseTo: string
  readonly sessionIndex: string
  readonly assertionId: string
  /** Attribute Name → values, as a Map so that names such as `__proto__` are ordinary keys. */
  readonly attributes: ReadonlyMap<string, readonly string[]>
}

export interface Seed {
  readonly name: string
  /** The whole signed response (with the EncryptedAssertion when encrypted). */
  readonly xml: string
  readonly responseSigned: boolean
  /** For an encrypted seed: the signed plaintext Assertion, and the response around its EncryptedData. */
  readonly encrypted?: { readonly plaintext: string; readonly before: string; readonly after: string }
  readonly expected: ExpectedIdentity
}

export interface FuzzWorld {
  readonly parties: Parties
  readonly seeds: readonly Seed[]
  readonly settings: ResponseValidationSettings
  /** Encrypts `plaintext` to the SP, as anyone holding its public certificate can. */
  readonly encryptToSp: (plaintext: string) => Promise<string>
}

/** Names a naive reader would put on Object.prototype or confuse with its properties. */
export const ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  email: ['alice@example.test'],
  groups: ['admins', 'engineering'],
  displayName: ['Alice Example'],
  constructor: ['not-a-function'],
  toString: ['plain'],
}
/** `__proto__` cannot be an own key of an object literal: it is added by defineProperty. */
export const PROTO_VALUES: readonly string[] = ['polluted']

function attributeParams(): Readonly<Record<string, readonly string[]>> {
  const attributes: Record<string, readonly string[]> = { ...ATTRIBUTES }
  Object.defineProperty(attributes, '__proto__', { value: PROTO_VALUES, enumerable: true, configurable: true, writable: true })
  return attributes
}

type Way = { name: string; assertionSigned: boolean; responseSigned: boolean; encrypted: boolean; inclusive?: true }
const WAYS: readonly Way[] = [
  { name: 'assertion-signed', assertionSigned: true, responseSigned: false, encrypted: false },
  { name: 'response-signed', assertionSigned: false, responseSigned: true, encrypted: false },
  { name: 'both-signed', assertionSigned: true, responseSigned: true, encrypted: false },
  { name: 'encrypted-assertion-signed', assertionSigned: true, responseSigned: false, encrypted: true },
  { name: 'encrypted-both-signed', assertionSigned: true, responseSigned: true, encrypted: true },
  { name: 'encrypted-response-signed', assertionSigned: false, responseSigned: true, encrypted: true },
  // Inclusive c14n (which the verifier also accepts), as some older IdPs sign.
  { name: 'both-signed-inclusive-c14n', assertionSigned: true, responseSigned: true, encrypted: false, inclusive: true },
]

const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'

/** Like signSamlElement, with inclusive canonicalization (xml-crypto, RSA-SHA256). */
function signInclusive(xml: string, target: 'response' | 'assertion', key: { privateKeyPem: string; certificatePem: string }): string {
  const element = target === 'response' ? 'Response' : 'Assertion'
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: C14N,
  })
  sig.addReference({
    xpath: `//*[local-name(.)='${element}']`,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', C14N],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  })
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `//*[local-name(.)='${element}']/*[local-name(.)='Issuer']`, action: 'after' } })
  return sig.getSignedXml()
}

const OPEN = '<saml2:Assertion'
const CLOSE = '</saml2:Assertion>'

export async function createFuzzWorld(): Promise<FuzzWorld> {
  const parties = await createParties()
  const spCertificate = parties.sp.certificatePem
  const encryptToSp = (plaintext: string) =>
    new Promise<string>((resolve, reject) => {
      encrypt(
        plaintext,
        {
          rsa_pub: spCertificate,
          pem: spCertificate,
          encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
          keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      )
    })
  const params = { ...defaultParams(parties), nameId: NAME_ID, inResponseTo: REQUEST_ID, sessionIndex: SESSION_INDEX, attributes: attributeParams() }
  const key = { privateKeyPem: parties.idp.privateKeyPem, certificatePem: parties.idp.certificatePem }
  const seeds: Seed[] = []
  for (const way of WAYS) {
    let xml = buildResponse({ ...params, assertionId: `_assertion-${way.name}`, responseId: `_response-${way.name}` })
    const signWith = way.inclusive === true ? signInclusive : sign
    if (way.assertionSigned) xml = signWith(xml, 'assertion', key)
    let encrypted: Seed['encrypted']
    if (way.encrypted) {
      const start = xml.indexOf(OPEN)
      const end = xml.indexOf(CLOSE) + CLOSE.length
      const plaintext = xml.slice(start, end)
      const before = `${xml.slice(0, start)}<saml2:EncryptedAssertion xmlns:saml2="${NS.assertion}">`
      const after = `</saml2:EncryptedAssertion>${xml.slice(end)}`
      xml = before + (await encryptToSp(plaintext)) + after
      encrypted = { plaintext, before, after }
    }
    if (way.responseSigned) xml = signWith(xml, 'response', key)
    if (encrypted !== undefined && way.responseSigned) {
      // The signed response's own text around its (unchanged) EncryptedData.
      const data = xml.indexOf('<xenc:EncryptedData')
      const dataEnd = xml.indexOf('</xenc:EncryptedData>') + '</xenc:EncryptedData>'.length
      encrypted = { plaintext: encrypted.plaintext, before: xml.slice(0, data), after: xml.slice(dataEnd) }
    }
    seeds.push({
      name: way.name,
      xml,
      responseSigned: way.responseSigned,
      ...(encrypted === undefined ? {} : { encrypted }),
      expected: {
        nameId: NAME_ID,
        issuer: parties.idp.entityId,
        inResponseTo: REQUEST_ID,
        sessionIndex: SESSION_INDEX,
        assertionId: `_assertion-${way.name}`,
        attributes: new Map(Object.entries(params.attributes)),
      },
    })
  }
  const base = settingsFor(parties)
  const settings: ResponseValidationSettings = {
    ...base,
    sp: { ...base.sp, decryptionKeys: [createPrivateKey(parties.sp.privateKeyPem)] },
  }
  return { parties, seeds, settings, encryptToSp }
}
