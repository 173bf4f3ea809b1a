/**
 * The development IdP's protocol code (no HTTP, no storage): reading an AuthnRequest (each bad input
 * refused with its code; ours read back), the Response it signs (accepted by Gatehouse's own
 * validator, plaintext and encrypted; a tampered copy refused; values with markup escaped), and its
 * metadata (read by Gatehouse's own IdP metadata parser).
 */
import { deflateRawSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildAuthnRequest } from '../../src/saml/authn-request.js'
import { parseCertificate } from '../../src/saml/certificate.js'
import { parseIdpMetadata } from '../../src/saml/idp-metadata.js'
import { buildIdpMetadata } from '../../src/saml/idp-metadata-out.js'
import { createIdpResponse, type IdpResponseInput } from '../../src/saml/idp-response.js'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import { AuthnRequestError, MAX_AUTHN_REQUEST_BYTES, readAuthnRequest, type AuthnRequestErrorCode } from '../../src/saml/read-authn-request.js'
import { validateSamlResponse, type ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { createTestIdp } from '../helpers/test-idp.js'

const NOW = new Date('2026-11-23T12:00:00Z')
const IDP = 'http://gatehouse.test/dev/idp'
const SP = 'http://gatehouse.test/saml/acme'
const ACS = 'http://gatehouse.test/saml/acme/acs'

const deflated = (xml: string) => deflateRawSync(Buffer.from(xml)).toString('base64')
const request = (
  attrs = ' AssertionConsumerServiceURL="http://gatehouse.test/saml/acme/acs"',
  issuer = `<saml:Issuer>${SP}</saml:Issuer>`,
  root = 'samlp:AuthnRequest',
) =>
  `<${root} xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0"${attrs}>${issuer}</${root}>`

function refusal(samlRequest: unknown, binding: 'redirect' | 'post'): AuthnRequestErrorCode {
  try {
    readAuthnRequest(samlRequest, binding)
  } catch (error) {
    expect(error).toBeInstanceOf(AuthnRequestError)
    return (error as AuthnRequestError).code
  }
  throw new Error('readAuthnRequest accepted it')
}

describe('readAuthnRequest', () => {
  it('reads our own AuthnRequest from the HTTP-Redirect and the HTTP-POST binding', () => {
    const xml = buildAuthnRequest({ id: '_abc', issueInstant: NOW, destination: `${IDP}/sso`, acsUrl: ACS, spEntityId: SP })
    const expected = { id: '_abc', issuer: SP, acsUrl: ACS, destination: `${IDP}/sso`, issueInstant: '2026-11-23T12:00:00Z' }
    expect(readAuthnRequest(deflated(xml), 'redirect')).toEqual(expected)
    expect(readAuthnRequest(Buffer.from(xml).toString('base64'), 'post')).toEqual(expected)
  })

  const bomb = deflated(request(` AssertionConsumerServiceURL="${'a'.repeat(MAX_AUTHN_REQUEST_BYTES)}"`))
  const cases: { name: string; value: unknown; binding?: 'redirect' | 'post'; code: AuthnRequestErrorCode }[] = [
    { name: 'nothing', value: undefined, code: 'request_missing' },
    { name: 'not base64', value: 'not base64!', code: 'request_not_base64' },
    { name: 'base64 that is not DEFLATE', value: Buffer.from(request()).toString('base64'), code: 'request_not_deflated' },
    { name: 'a small DEFLATE that inflates past the cap (zip bomb)', value: bomb, code: 'request_too_large' },
    { name: 'a DTD', value: deflated(`<!DOCTYPE x [<!ENTITY e "x">]>${request()}`), code: 'request_not_xml' },
    { name: 'not well-formed', value: deflated('<samlp:AuthnRequest'), code: 'request_not_xml' },
    { name: 'a Response instead', value: deflated(request(undefined, undefined, 'samlp:Response')), code: 'not_an_authn_request' },
    { name: 'no ID', value: deflated(request().replace(' ID="_r1"', '')), code: 'request_id_missing' },
    { name: 'no Issuer', value: deflated(request(undefined, '')), code: 'request_issuer_missing' },
    { name: 'an Issuer with markup inside', value: deflated(request(undefined, `<saml:Issuer>${SP}<x/></saml:Issuer>`)), code: 'request_issuer_missing' },
    {
      name: 'the artifact binding asked for',
      value: deflated(request(' ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"')),
      code: 'request_binding_unsupported',
    },
    { name: 'a POST body over the cap', value: 'A'.repeat(MAX_AUTHN_REQUEST_BYTES * 2), binding: 'post', code: 'request_too_large' },
  ]
  it.each(cases)('refuses $name with $code', ({ value, binding, code }) => {
    expect(bomb.length).toBeLessThan(4096)
    expect(refusal(value, binding ?? 'redirect')).toBe(code)
  })

  it('accepts a request without an ACS URL (the IdP then uses the one it knows)', () => {
    expect(readAuthnRequest(deflated(request('')), 'redirect').acsUrl).toBeUndefined()
  })
})

describe('the response it signs', () => {
  let idp: KeyPair
  let sp: KeyPair
  beforeAll(async () => {
    idp = await createTestIdp('dev-idp-protocol')
    sp = await generateKeyPair({ commonName: 'SP', notBefore: new Date('2020-01-01T00:00:00Z'), years: 30 })
  })

  const input = (extra: Partial<IdpResponseInput> = {}): IdpResponseInput => ({
    issuer: IDP,
    acsUrl: ACS,
    audience: SP,
    inResponseTo: '_req1',
    now: NOW,
    nameId: 'max@acme.test',
    attributes: [
      { name: 'email', values: ['max@acme.test'] },
      { name: 'groups', values: ['Engineering', 'R&D <core> "team"'] },
      { name: 'workspace.prod', values: ['editor'] },
    ],
    ...extra,
  })
  const settings = (requireEncryptedAssertion = false): ResponseValidationSettings => ({
    sp: { entityId: SP, acsUrl: ACS, decryptionKeys: [sp.privateKeyPem] },
    idp: { entityId: IDP, certificates: [parseCertificate(idp.certificatePem)], allowSha1: false },
    requireEncryptedAssertion,
    now: NOW,
  })
  const b64 = (xml: string) => Buffer.from(xml).toString('base64')

  it("passes every check of Gatehouse's validator, values with markup read back exactly", async () => {
    const xml = await createIdpResponse(input(), { signer: idp })
    const result = await validateSamlResponse(b64(xml), settings())
    expect(result.ok, JSON.stringify(!result.ok && result.failure)).toBe(true)
    if (!result.ok) return
    expect(result.assertion).toMatchObject({
      nameId: 'max@acme.test',
      inResponseTo: '_req1',
      attributes: { groups: ['Engineering', 'R&D <core> "team"'], 'workspace.prod': ['editor'] },
    })
    // Assertion signed, RSA-SHA256 over exclusive c14n; the Response only when asked.
    expect(xml).toContain('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')
    expect(xml).toContain('http://www.w3.org/2001/10/xml-exc-c14n#')
    expect(xml.match(/<ds:Signature /g)).toHaveLength(1)
    expect((await createIdpResponse(input(), { signer: idp, signResponse: true })).match(/<ds:Signature /g)).toHaveLength(2)
  })

  it('is refused once tampered with: another NameID under the same signature', async () => {
    const xml = await createIdpResponse(input(), { signer: idp })
    const tampered = xml.replace('>max@acme.test</saml2:NameID>', '>olivia@acme.test</saml2:NameID>')
    expect(tampered).not.toBe(xml)
    const result = await validateSamlResponse(b64(tampered), settings())
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.failure.code).toMatch(/^signature_/)
  })

  it("is refused when signed by another key than the IdP's", async () => {
    const stranger = await createTestIdp('dev-idp-protocol-stranger')
    const result = await validateSamlResponse(b64(await createIdpResponse(input(), { signer: stranger })), settings())
    expect(!result.ok && result.failure.code).toBe('signature_invalid')
  })

  it('encrypted for the SP certificate (and the Response signed around it), passes a validator that requires encryption', async () => {
    const xml = await createIdpResponse(input(), { signer: idp, encryptFor: sp.certificatePem, signResponse: true })
    expect(xml).toContain('<saml2:EncryptedAssertion')
    expect(xml).toContain('http://www.w3.org/2009/xmlenc11#aes256-gcm')
    expect(xml).toContain('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p')
    expect(xml).not.toContain('Engineering')
    const result = await validateSamlResponse(b64(xml), settings(true))
    expect(result.ok, JSON.stringify(!result.ok && result.failure)).toBe(true)
    const plaintext = await validateSamlResponse(b64(await createIdpResponse(input(), { signer: idp })), settings(true))
    expect(!plaintext.ok && plaintext.failure.code).toBe('assertion_not_encrypted')
  })

  it('IdP-initiated: no InResponseTo anywhere', async () => {
    const xml = await createIdpResponse(input({ inResponseTo: undefined }), { signer: idp })
    expect(xml).not.toContain('InResponseTo')
    const result = await validateSamlResponse(b64(xml), settings())
    expect(result.ok && result.assertion.inResponseTo).toBeUndefined()
  })
})

describe('its metadata', () => {
  it("is read by Gatehouse's own IdP metadata parser: entity ID, both bindings, the signing certificate, no warnings", async () => {
    const pair = await createTestIdp('dev-idp-protocol')
    const parsed = parseIdpMetadata(buildIdpMetadata({ entityId: IDP, ssoUrl: `${IDP}/sso?x=1&y=2`, certificatePem: pair.certificatePem }), { now: NOW })
    expect(parsed.entityId).toBe(IDP)
    expect(parsed.ssoUrls).toEqual({ redirect: `${IDP}/sso?x=1&y=2`, post: `${IDP}/sso?x=1&y=2` })
    expect(parsed.signingCertificates.map((c) => c.fingerprint)).toEqual([parseCertificate(pair.certificatePem).fingerprint])
    expect(parsed.nameIdFormats).toEqual(['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'])
    expect(parsed.warnings).toEqual([])
  })
})
