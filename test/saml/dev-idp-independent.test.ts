/**
 * The development IdP's output checked by tools that share no code with it: libxml2's schema
 * validator against the OASIS SAML 2.0 schemas, and xmlsec1 (the C XML-DSig stack behind pysaml2
 * and Shibboleth) verifying its signature — a pair: its response verifies, a tampered copy does not.
 * Skipped, saying so, where xmllint, xmlsec1 or the schemas are missing.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildIdpMetadata } from '../../src/saml/idp-metadata-out.js'
import { createIdpResponse, type IdpResponseInput } from '../../src/saml/idp-response.js'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import { createTestIdp } from '../helpers/test-idp.js'

const SCHEMAS = '/usr/share/simplesamlphp/schemas'
const METADATA_XSD = join(SCHEMAS, 'saml-schema-metadata-2.0.xsd')
const PROTOCOL_XSD = join(SCHEMAS, 'saml-schema-protocol-2.0.xsd')
const runs = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0
const available = runs('xmllint') && runs('xmlsec1') && existsSync(METADATA_XSD) && existsSync(PROTOCOL_XSD)
if (!available) console.log('development IdP independent checks skipped: install with apt-get install -y simplesamlphp libxml2-utils xmlsec1')

let scratch: string
let idp: KeyPair
let sp: KeyPair

function file(text: string): string {
  const path = join(scratch, `doc-${Math.random().toString(36).slice(2)}.xml`)
  writeFileSync(path, text)
  return path
}
function schemaErrors(xml: string, xsd: string): string {
  const run = spawnSync('xmllint', ['--nonet', '--noout', '--schema', xsd, file(xml)], { encoding: 'utf8' })
  return run.status === 0 ? '' : `${run.stderr}`.trim()
}
/** xmlsec1's verdict on the Assertion's signature, with the IdP certificate as the only trusted key. */
function xmlsecVerifies(xml: string): boolean {
  const cert = file(idp.certificatePem)
  const run = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', cert, '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion', file(xml)], {
    encoding: 'utf8',
  })
  return run.status === 0
}

const input: IdpResponseInput = {
  issuer: 'http://gatehouse.test/dev/idp',
  acsUrl: 'http://gatehouse.test/saml/acme/acs',
  audience: 'http://gatehouse.test/saml/acme',
  inResponseTo: '_req1',
  now: new Date('2026-11-23T12:00:00Z'),
  nameId: 'max@acme.test',
  attributes: [
    { name: 'email', values: ['max@acme.test'] },
    { name: 'groups', values: ['Engineering', 'Support'] },
  ],
}

describe.runIf(available)('the development IdP, checked by libxml2 and xmlsec1', () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-devidp-'))
    idp = await createTestIdp('dev-idp-independent')
    sp = await generateKeyPair({ commonName: 'SP', notBefore: new Date('2020-01-01T00:00:00Z'), years: 30 })
  })
  afterAll(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
  })

  it('its metadata is valid saml-schema-metadata-2.0', () => {
    expect(schemaErrors(buildIdpMetadata({ entityId: input.issuer, ssoUrl: `${input.issuer}/sso`, certificatePem: idp.certificatePem }), METADATA_XSD)).toBe('')
  })

  it.each([
    { name: 'Assertion signed', options: {} },
    { name: 'Assertion and Response signed', options: { signResponse: true } },
    { name: 'IdP-initiated', options: {}, extra: { inResponseTo: undefined } },
    { name: 'Assertion encrypted, Response signed', options: { signResponse: true, encrypt: true } },
  ])('its response ($name) is valid saml-schema-protocol-2.0', async ({ options, extra }) => {
    const xml = await createIdpResponse(
      { ...input, ...extra },
      { signer: idp, signResponse: options.signResponse, encryptFor: 'encrypt' in options ? sp.certificatePem : undefined },
    )
    expect(schemaErrors(xml, PROTOCOL_XSD)).toBe('')
  })

  it('xmlsec1 verifies its Assertion signature, and refuses a copy with another NameID', async () => {
    const xml = await createIdpResponse(input, { signer: idp })
    expect(xmlsecVerifies(xml)).toBe(true)
    expect(xmlsecVerifies(xml.replace('>max@acme.test</saml2:NameID>', '>olivia@acme.test</saml2:NameID>'))).toBe(false)
  })
})
