/**
 * What we send is valid against the OASIS SAML 2.0 schemas, checked by libxml2's validator
 * (`xmllint --nonet --noout --schema`), not by our own reading of them. The schemas come from the
 * Debian simplesamlphp package (`apt-get install simplesamlphp libxml2-utils`); without xmllint or
 * the schemas the suite is skipped and says so.
 */
import { buildLogoutRequest, buildLogoutResponse, STATUS_REQUEST_DENIED, STATUS_REQUESTER } from '../../src/saml/logout-message.js'
import { signSamlElement } from '../../src/saml/sign-xml.js'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAuthnRequest } from '../../src/saml/authn-request.js'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import { buildSpMetadata } from '../../src/saml/sp-metadata.js'
import { craftXml, createParties, type Parties, type Recipe } from './response-recipe.js'

const SCHEMAS = '/usr/share/simplesamlphp/schemas'
const METADATA_XSD = join(SCHEMAS, 'saml-schema-metadata-2.0.xsd')
const PROTOCOL_XSD = join(SCHEMAS, 'saml-schema-protocol-2.0.xsd')

const hasXmllint = spawnSync('xmllint', ['--version'], { stdio: 'ignore' }).status === 0
const hasSchemas = existsSync(METADATA_XSD) && existsSync(PROTOCOL_XSD)
const available = hasXmllint && hasSchemas
if (!available) {
  console.log(
    `SAML schema suite skipped: ${hasXmllint ? '' : 'xmllint is not installed; '}${hasSchemas ? '' : `no SAML schemas in ${SCHEMAS}; `}install with: apt-get install -y simplesamlphp libxml2-utils`,
  )
}

let scratch: string
let sp: KeyPair
let spNext: KeyPair
let parties: Parties

/** libxml2's verdict on `xml` against `xsd`: '' when valid, else its messages. */
function schemaErrors(xml: string, xsd: string): string {
  const file = join(scratch, `doc-${Math.random().toString(36).slice(2)}.xml`)
  writeFileSync(file, xml)
  const run = spawnSync('xmllint', ['--nonet', '--noout', '--schema', xsd, file], { encoding: 'utf8' })
  return run.status === 0 ? '' : `${run.stderr}`.trim() || `xmllint exited ${run.status}`
}

describe.runIf(available)('SAML 2.0 schemas (xmllint)', () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-xsd-'))
    ;[sp, spNext, parties] = await Promise.all([
      generateKeyPair({ commonName: 'Gatehouse SP', notBefore: new Date('2025-06-01T00:00:00Z'), years: 5 }),
      generateKeyPair({ commonName: 'Gatehouse SP next', notBefore: new Date('2025-12-01T00:00:00Z'), years: 5 }),
      createParties(),
    ])
  })
  afterAll(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
  })

  const metadataCases = [
    { name: 'one certificate', certificates: () => [sp.certificatePem], signed: true },
    { name: 'two certificates (rollover)', certificates: () => [sp.certificatePem, spNext.certificatePem], signed: false },
  ]
  for (const c of metadataCases) {
    it(`buildSpMetadata with ${c.name} is valid saml-schema-metadata-2.0`, () => {
      const xml = buildSpMetadata({
        entityId: 'https://gatehouse.example.test/saml/acme',
        acsUrl: 'https://gatehouse.example.test/saml/acme/acs',
        sloUrl: 'https://gatehouse.example.test/saml/acme/slo',
        certificates: c.certificates(),
        authnRequestsSigned: c.signed,
        wantAssertionsSigned: true,
      })
      expect(schemaErrors(xml, METADATA_XSD)).toBe('')
    })
  }

  for (const forceAuthn of [false, true]) {
    it(`buildAuthnRequest${forceAuthn ? ' with ForceAuthn' : ''} is valid saml-schema-protocol-2.0`, () => {
      const xml = buildAuthnRequest({
        id: '_9c1e8b8a3f0d4e2b9a7c6d5e4f3a2b1c0d9e8f7a',
        issueInstant: new Date('2026-01-01T00:00:00Z'),
        destination: 'https://idp.example.test/sso',
        acsUrl: 'https://gatehouse.example.test/saml/acme/acs',
        spEntityId: 'https://gatehouse.example.test/saml/acme',
        forceAuthn,
      })
      expect(schemaErrors(xml, PROTOCOL_XSD)).toBe('')
    })
  }

  it('our LogoutRequest and LogoutResponse (single logout) are valid saml-schema-protocol-2.0, signed for HTTP-POST too', () => {
    const request = buildLogoutRequest({
      id: '_9c1e8b8a3f0d4e2b9a7c6d5e4f3a2b1c0d9e8f7b',
      issueInstant: new Date('2026-01-01T00:00:00Z'),
      destination: 'https://idp.example.test/slo',
      issuer: 'https://gatehouse.example.test/saml/acme',
      nameId: {
        value: 'alice@example.test',
        format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        nameQualifier: 'https://idp.example.test',
        spNameQualifier: 'x',
      },
      sessionIndex: '_s1',
      notOnOrAfter: new Date('2026-01-01T00:10:00Z'),
    })
    const response = buildLogoutResponse({
      id: '_9c1e8b8a3f0d4e2b9a7c6d5e4f3a2b1c0d9e8f7c',
      issueInstant: new Date('2026-01-01T00:00:00Z'),
      destination: 'https://idp.example.test/slo',
      issuer: 'https://gatehouse.example.test/saml/acme',
      inResponseTo: '_r1',
      status: STATUS_REQUESTER,
      subStatus: STATUS_REQUEST_DENIED,
      message: 'expired',
    })
    for (const xml of [request, response]) {
      expect(schemaErrors(xml, PROTOCOL_XSD)).toBe('')
      const signed = signSamlElement(xml, xml.includes('LogoutRequest') ? 'logout-request' : 'logout-response', {
        privateKeyPem: sp.privateKeyPem,
        certificatePem: sp.certificatePem,
      })
      expect(schemaErrors(signed, PROTOCOL_XSD)).toBe('')
    }
  })

  // The security tests' baselines must be real SAML, or accepting them proves little.
  const responses: readonly { name: string; recipe: Recipe }[] = [
    { name: 'Assertion signed', recipe: {} },
    { name: 'Response and Assertion signed', recipe: { sign: 'both' } },
    { name: 'Assertion signed and encrypted, Response signed', recipe: { sign: 'both', encrypt: {} } },
  ]
  for (const r of responses) {
    it(`the security tests' baseline response (${r.name}) is valid saml-schema-protocol-2.0`, async () => {
      expect(schemaErrors(await craftXml(parties, r.recipe), PROTOCOL_XSD)).toBe('')
    })
  }

  it('and the validator really rejects what the schema rejects (an AuthnRequest without an ID)', () => {
    const xml = buildAuthnRequest({
      id: '_x',
      issueInstant: new Date('2026-01-01T00:00:00Z'),
      destination: 'https://idp.example.test/sso',
      acsUrl: 'https://gatehouse.example.test/saml/acme/acs',
      spEntityId: 'https://gatehouse.example.test/saml/acme',
    }).replace(' ID="_x"', '')
    expect(schemaErrors(xml, PROTOCOL_XSD)).not.toBe('')
  })
})
