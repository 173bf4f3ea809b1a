/**
 * An IdP's answer (SAML core §3.3.3, profiles §4.1.4.2), as the development IdP sends it: a Response
 * with Issuer, Destination, InResponseTo when it answers a request, Status Success, and one
 * Assertion with the bearer SubjectConfirmation (Recipient, NotOnOrAfter, InResponseTo), Conditions
 * with an AudienceRestriction, an AuthnStatement and Basic-name-format attributes. The Assertion is
 * always signed; the Response optionally; the Assertion optionally encrypted for the SP.
 *
 * @example
 * const xml = await createIdpResponse({ ...ids, issuer, acsUrl, audience, now, nameId, attributes }, { signer })
 * fields.SAMLResponse = Buffer.from(xml).toString('base64')
 */
import { randomBytes } from 'node:crypto'
import { encryptAssertion } from './encrypt-assertion.js'
import { escapeXml } from './escape-xml.js'
import { signSamlElement } from './sign-xml.js'
import { NAMEID_EMAIL } from './sp-metadata.js'

const ATTRNAME_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic'
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer'
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

/** How long the assertion may be used: long enough for a slow browser, short for a bearer token. */
export const RESPONSE_LIFETIME_MS = 5 * 60_000

export interface IdpAttribute {
  readonly name: string
  readonly values: readonly string[]
}

export interface IdpResponseInput {
  readonly issuer: string
  /** Destination of the Response and Recipient of the bearer confirmation. */
  readonly acsUrl: string
  /** The SP entity ID, named in the AudienceRestriction. */
  readonly audience: string
  /** The AuthnRequest ID when answering one; absent for an IdP-initiated (unsolicited) response. */
  readonly inResponseTo?: string | undefined
  readonly now: Date
  readonly nameId: string
  readonly nameIdFormat?: string
  readonly attributes: readonly IdpAttribute[]
  /** xs:ID values; fresh random ones when absent. */
  readonly responseId?: string
  readonly assertionId?: string
}

/** A fresh xs:ID (starts with a letter or underscore; 160 random bits). */
export function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`
}

const instant = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The unsigned Response. Every value from outside is escaped. */
export function buildIdpResponse(input: IdpResponseInput): string {
  const issued = instant(input.now)
  const notOnOrAfter = instant(new Date(input.now.getTime() + RESPONSE_LIFETIME_MS))
  const inResponseTo = input.inResponseTo === undefined ? '' : ` InResponseTo="${escapeXml(input.inResponseTo)}"`
  const issuer = escapeXml(input.issuer)
  const attributes = input.attributes
    .filter((a) => a.values.length > 0)
    .map(
      (a) =>
        `<saml2:Attribute Name="${escapeXml(a.name)}" NameFormat="${ATTRNAME_BASIC}">` +
        a.values.map((v) => `<saml2:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml2:AttributeValue>`).join('') +
        '</saml2:Attribute>',
    )
    .join('')
  return (
    `<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" ID="${escapeXml(input.responseId ?? newSamlId())}" Version="2.0" IssueInstant="${issued}"` +
    ` Destination="${escapeXml(input.acsUrl)}"${inResponseTo}>` +
    `<saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">${issuer}</saml2:Issuer>` +
    `<saml2p:Status><saml2p:StatusCode Value="${SUCCESS}"/></saml2p:Status>` +
    `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
    ` ID="${escapeXml(input.assertionId ?? newSamlId())}" Version="2.0" IssueInstant="${issued}">` +
    `<saml2:Issuer>${issuer}</saml2:Issuer>` +
    '<saml2:Subject>' +
    `<saml2:NameID Format="${escapeXml(input.nameIdFormat ?? NAMEID_EMAIL)}">${escapeXml(input.nameId)}</saml2:NameID>` +
    `<saml2:SubjectConfirmation Method="${BEARER}">` +
    `<saml2:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXml(input.acsUrl)}"/>` +
    '</saml2:SubjectConfirmation>' +
    '</saml2:Subject>' +
    `<saml2:Conditions NotBefore="${issued}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml2:AudienceRestriction><saml2:Audience>${escapeXml(input.audience)}</saml2:Audience></saml2:AudienceRestriction>` +
    '</saml2:Conditions>' +
    `<saml2:AuthnStatement AuthnInstant="${issued}" SessionIndex="${newSamlId()}">` +
    '<saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml2:AuthnContextClassRef></saml2:AuthnContext>' +
    '</saml2:AuthnStatement>' +
    (attributes === '' ? '' : `<saml2:AttributeStatement>${attributes}</saml2:AttributeStatement>`) +
    '</saml2:Assertion>' +
    '</saml2p:Response>'
  )
}

export interface IdpResponseSigning {
  readonly signer: { readonly privateKeyPem: string; readonly certificatePem: string }
  /** Sign the Response too (after encryption), as ADFS and Keycloak can. */
  readonly signResponse?: boolean
  /** The SP certificate to encrypt the signed Assertion for; plaintext when absent. */
  readonly encryptFor?: string | undefined
}

/** Builds, signs (Assertion, then optionally the Response) and optionally encrypts the answer. */
export async function createIdpResponse(input: IdpResponseInput, options: IdpResponseSigning): Promise<string> {
  let xml = signSamlElement(buildIdpResponse(input), 'assertion', options.signer)
  if (options.encryptFor !== undefined) xml = await encryptAssertion(xml, options.encryptFor)
  if (options.signResponse === true) xml = signSamlElement(xml, 'response', options.signer)
  return xml
}
