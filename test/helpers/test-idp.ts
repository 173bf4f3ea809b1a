/**
 * A test IdP: its own key pair, responses built from parameters, signed with xml-crypto (a real
 * XML signature library) and encrypted with xml-encryption — real crypto, never a stubbed validator.
 */
import { parseCertificate, type Certificate } from '../../src/saml/certificate.js'
import { escapeXml } from '../../src/saml/escape-xml.js'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'

export interface TestIdp extends KeyPair {
  readonly entityId: string
  readonly certificate: Certificate
}

const pairs = new Map<string, Promise<KeyPair>>()

/** Key generation is slow-ish (~0.4 s): one pair per name per test file. */
export async function createTestIdp(name = 'idp', entityId = `https://${name}.example.test/metadata`): Promise<TestIdp> {
  let pair = pairs.get(name)
  if (pair === undefined) {
    pair = generateKeyPair({ commonName: `Test IdP ${name}`, notBefore: new Date('2020-01-01T00:00:00Z'), years: 30 })
    pairs.set(name, pair)
  }
  const kp = await pair
  return { ...kp, entityId, certificate: parseCertificate(kp.certificatePem) }
}

export interface ResponseParams {
  readonly issuer: string
  readonly destination?: string | null
  readonly acsUrl: string
  readonly audience?: string | null
  readonly nameId?: string
  readonly nameIdFormat?: string
  readonly inResponseTo?: string | null
  readonly responseId?: string
  readonly assertionId?: string
  readonly now: Date
  readonly notBefore?: Date
  readonly notOnOrAfter?: Date
  readonly statusCode?: string
  readonly attributes?: Readonly<Record<string, readonly string[]>>
  readonly bearer?: boolean
  readonly recipient?: string
  readonly sessionIndex?: string
}

let counter = 0
export const uniqueId = (prefix = 'id') => `_${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`

const iso = (d: Date) => d.toISOString()

/** An unsigned Response with one Assertion, shaped like Okta's (saml2p/saml2 prefixes, xs typed values). */
export function buildResponse(p: ResponseParams): string {
  const notBefore = p.notBefore ?? new Date(p.now.getTime() - 60_000)
  const notOnOrAfter = p.notOnOrAfter ?? new Date(p.now.getTime() + 5 * 60_000)
  const inResponseTo = p.inResponseTo == null ? '' : ` InResponseTo="${escapeXml(p.inResponseTo)}"`
  const destination = p.destination === null ? '' : ` Destination="${escapeXml(p.destination ?? p.acsUrl)}"`
  const attributes = Object.entries(p.attributes ?? {})
    .map(
      ([name, values]) =>
        `<saml2:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
        values
          .map(
            (v) =>
              `<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${escapeXml(v)}</saml2:AttributeValue>`,
          )
          .join('') +
        '</saml2:Attribute>',
    )
    .join('')
  const audience =
    p.audience === null ? '' : `<saml2:AudienceRestriction><saml2:Audience>${escapeXml(p.audience ?? 'urn:unset')}</saml2:Audience></saml2:AudienceRestriction>`
  const confirmation =
    p.bearer === false
      ? ''
      : '<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
        `<saml2:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${iso(notOnOrAfter)}" Recipient="${escapeXml(p.recipient ?? p.acsUrl)}"/>` +
        '</saml2:SubjectConfirmation>'
  return (
    `<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"${destination} ID="${p.responseId ?? uniqueId('r')}"${inResponseTo} IssueInstant="${iso(p.now)}" Version="2.0">` +
    `<saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">${escapeXml(p.issuer)}</saml2:Issuer>` +
    `<saml2p:Status><saml2p:StatusCode Value="${p.statusCode ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></saml2p:Status>` +
    `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="${p.assertionId ?? uniqueId('a')}" IssueInstant="${iso(p.now)}" Version="2.0">` +
    `<saml2:Issuer>${escapeXml(p.issuer)}</saml2:Issuer>` +
    '<saml2:Subject>' +
    `<saml2:NameID Format="${p.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'}">${escapeXml(p.nameId ?? 'alice@example.test')}</saml2:NameID>` +
    confirmation +
    '</saml2:Subject>' +
    `<saml2:Conditions NotBefore="${iso(notBefore)}" NotOnOrAfter="${iso(notOnOrAfter)}">${audience}</saml2:Conditions>` +
    `<saml2:AuthnStatement AuthnInstant="${iso(p.now)}" SessionIndex="${p.sessionIndex ?? uniqueId('s')}"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>` +
    (attributes === '' ? '' : `<saml2:AttributeStatement>${attributes}</saml2:AttributeStatement>`) +
    '</saml2:Assertion>' +
    '</saml2p:Response>'
  )
}

// Signing and encryption live in src/saml (the development IdP uses them too); the tests keep their names.
export { signSamlElement as sign, type SignOptions } from '../../src/saml/sign-xml.js'
export { encryptAssertion } from '../../src/saml/encrypt-assertion.js'

export const toBase64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64')
