/**
 * Metadata in (parseIdpMetadata: each bad input refused with its code, the same metadata without the
 * defect accepted), metadata out (buildSpMetadata parsed back). The AuthnRequest we send is in
 * authn-request-redirect.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOMParser, type Element } from '@xmldom/xmldom'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCertificate } from '../../src/saml/certificate.js'
import { BINDING_POST, BINDING_REDIRECT, MetadataError, parseIdpMetadata, type MetadataErrorCode } from '../../src/saml/idp-metadata.js'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import { buildSpMetadata, NAMEID_EMAIL } from '../../src/saml/sp-metadata.js'
import { NS } from '../../src/saml/xml.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

const NOW = new Date('2026-01-01T00:00:00Z')
const DAY = 86_400_000
const IDP_ID = 'https://idp.example.test/metadata'
const SECOND_IDP_ID = 'https://idp2.example.test/metadata'
const SSO_URL = 'https://idp.example.test/sso'
const SP_ENTITY_ID = 'https://gatehouse.example.test/saml/acme'
const ACS_URL = 'https://gatehouse.example.test/saml/acme/acs'
const BINDING_SOAP = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP'
const BINDING_ARTIFACT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact'

let idp: TestIdp
let rollover: TestIdp
let expired: KeyPair
let expiringSoon: KeyPair
let legacy1024Pem: string
let spCurrent: KeyPair
let spNext: KeyPair
let scratch: string

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'gatehouse-metadata-'))
  ;[idp, rollover, expired, expiringSoon, spCurrent, spNext] = await Promise.all([
    createTestIdp('idp', IDP_ID),
    createTestIdp('idp-next', IDP_ID),
    generateKeyPair({ commonName: 'Expired IdP', notBefore: new Date('2020-01-01T00:00:00Z'), years: 1 }),
    // Valid until NOW + 10 days.
    generateKeyPair({ commonName: 'Expiring IdP', notBefore: new Date(Date.UTC(2025, 0, 11)), years: 1 }),
    generateKeyPair({ commonName: 'Gatehouse SP', notBefore: new Date('2025-06-01T00:00:00Z'), years: 5 }),
    generateKeyPair({ commonName: 'Gatehouse SP next', notBefore: new Date('2025-12-01T00:00:00Z'), years: 5 }),
  ])
  legacy1024Pem = selfSignedWithOpenssl(1024)
})

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

/** A legacy IdP certificate: an RSA key from node:crypto, self-signed by `openssl req`. */
function selfSignedWithOpenssl(bits: number): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits })
  const keyFile = join(scratch, `key-${bits}.pem`)
  const certFile = join(scratch, `cert-${bits}.pem`)
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }))
  execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', `/CN=Legacy ${bits}-bit IdP`, '-days', '3650', '-sha256', '-out', certFile], {
    stdio: 'pipe',
  })
  return readFileSync(certFile, 'utf8')
}

const bare = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')

// --- IdP metadata as IdPs publish it -------------------------------------------------------------

interface IdpSpec {
  /** null: no entityID attribute. */
  readonly entityId?: string | null
  readonly keys?: readonly { readonly pem: () => string; readonly use?: 'signing' | 'encryption' }[]
  readonly bindings?: readonly string[]
  /** Also describe an SP role (as some all-in-one products do). */
  readonly alsoSp?: boolean
}

function entityDescriptor(spec: IdpSpec, xmlns = true): string {
  const ns = xmlns ? ` xmlns:md="${NS.metadata}" xmlns:ds="${NS.ds}"` : ''
  const entityId = spec.entityId === null ? '' : ` entityID="${spec.entityId ?? IDP_ID}"`
  const keys = (spec.keys ?? [{ pem: () => idp.certificatePem }])
    .map(
      (k) =>
        `<md:KeyDescriptor${k.use === undefined ? '' : ` use="${k.use}"`}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n${bare(k.pem())
          .match(/.{1,64}/g)!
          .join('\n')}\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('')
  const services = (spec.bindings ?? [BINDING_REDIRECT, BINDING_POST]).map((b) => `<md:SingleSignOnService Binding="${b}" Location="${SSO_URL}"/>`).join('')
  return (
    `<md:EntityDescriptor${ns}${entityId}>` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}` +
    `<md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>${services}</md:IDPSSODescriptor>` +
    '</md:EntityDescriptor>'
  )
}

function entitiesDescriptor(...specs: IdpSpec[]): string {
  return `<md:EntitiesDescriptor xmlns:md="${NS.metadata}" xmlns:ds="${NS.ds}" Name="urn:example:federation">${specs.map((s) => entityDescriptor(s, false)).join('')}</md:EntitiesDescriptor>`
}

const spMetadata = () =>
  buildSpMetadata({ entityId: SP_ENTITY_ID, acsUrl: ACS_URL, certificates: [spCurrent.certificatePem], authnRequestsSigned: true, wantAssertionsSigned: true })

interface MetadataPair {
  readonly defect: string
  readonly code: MetadataErrorCode
  readonly bad: () => string
  readonly good: () => string
  /** The entity ID asked for (ParseMetadataOptions.entityId), for the bad and the good metadata. */
  readonly badEntityId?: string
  readonly goodEntityId?: string
}

const PAIRS: readonly MetadataPair[] = [
  {
    defect: 'text that is not XML',
    code: 'metadata_not_xml',
    bad: () => 'Please download the metadata from the admin console.',
    good: () => entityDescriptor({}),
  },
  { defect: 'truncated XML', code: 'metadata_not_xml', bad: () => entityDescriptor({}).slice(0, -30), good: () => entityDescriptor({}) },
  {
    defect: 'a DTD with an external entity (XXE)',
    code: 'metadata_dtd_forbidden',
    bad: () => `<?xml version="1.0"?><!DOCTYPE md [<!ENTITY e SYSTEM "file:///etc/passwd">]>${entityDescriptor({})}`,
    good: () => `<?xml version="1.0"?>${entityDescriptor({})}`,
  },
  { defect: 'SP-only metadata (ours, pasted back)', code: 'metadata_no_idp', bad: spMetadata, good: () => entityDescriptor({}) },
  { defect: 'a root that is not SAML metadata', code: 'metadata_no_idp', bad: () => '<html><body>Sign in</body></html>', good: () => entityDescriptor({}) },
  {
    defect: 'an EntitiesDescriptor with two IdPs and no entity ID chosen',
    code: 'metadata_ambiguous',
    bad: () => entitiesDescriptor({}, { entityId: SECOND_IDP_ID, keys: [{ pem: () => rollover.certificatePem }] }),
    good: () => entitiesDescriptor({}, { entityId: SECOND_IDP_ID, keys: [{ pem: () => rollover.certificatePem }] }),
    goodEntityId: SECOND_IDP_ID,
  },
  {
    defect: 'an entity ID the metadata does not describe',
    code: 'metadata_entity_not_found',
    bad: () => entitiesDescriptor({}, { entityId: SECOND_IDP_ID }),
    good: () => entitiesDescriptor({}, { entityId: SECOND_IDP_ID }),
    badEntityId: 'https://nobody.example.test/metadata',
    goodEntityId: IDP_ID,
  },
  {
    defect: 'an IdP EntityDescriptor without entityID',
    code: 'metadata_no_entity_id',
    bad: () => entityDescriptor({ entityId: null }),
    good: () => entityDescriptor({}),
  },
  {
    defect: 'an IdP EntityDescriptor with an empty entityID',
    code: 'metadata_no_entity_id',
    bad: () => entityDescriptor({ entityId: ' ' }),
    good: () => entityDescriptor({}),
  },
  {
    defect: 'only SOAP and Artifact SSO bindings (no Redirect or POST)',
    code: 'metadata_no_binding',
    bad: () => entityDescriptor({ bindings: [BINDING_SOAP, BINDING_ARTIFACT] }),
    good: () => entityDescriptor({ bindings: [BINDING_SOAP, BINDING_POST] }),
  },
  {
    defect: 'only an encryption certificate',
    code: 'metadata_no_certificate',
    bad: () => entityDescriptor({ keys: [{ pem: () => idp.certificatePem, use: 'encryption' }] }),
    good: () => entityDescriptor({ keys: [{ pem: () => idp.certificatePem, use: 'signing' }] }),
  },
  {
    defect: 'a signing certificate that is not base64',
    code: 'certificate_unreadable',
    bad: () => entityDescriptor({ keys: [{ pem: () => 'paste-your-certificate-here!' }] }),
    good: () => entityDescriptor({}),
  },
  {
    defect: 'a signing certificate that is base64 but not X.509',
    code: 'certificate_unreadable',
    bad: () => entityDescriptor({ keys: [{ pem: () => Buffer.from('not a certificate at all').toString('base64') }] }),
    good: () => entityDescriptor({}),
  },
  {
    defect: 'a 1024-bit RSA signing certificate',
    code: 'certificate_key_too_small',
    bad: () => entityDescriptor({ keys: [{ pem: () => legacy1024Pem }] }),
    good: () => entityDescriptor({}),
  },
  {
    defect: 'a 1024-bit RSA certificate beside a good one',
    code: 'certificate_key_too_small',
    bad: () => entityDescriptor({ keys: [{ pem: () => idp.certificatePem }, { pem: () => legacy1024Pem }] }),
    good: () => entityDescriptor({ keys: [{ pem: () => idp.certificatePem }, { pem: () => legacy1024Pem, use: 'encryption' }] }),
  },
]

describe('parseIdpMetadata: bad input is refused with its code, the same metadata fixed is read', () => {
  for (const pair of PAIRS) {
    it(`refuses ${pair.defect} with ${pair.code}`, () => {
      expect(() => parseIdpMetadata(pair.bad(), { now: NOW, entityId: pair.badEntityId })).toThrow(
        expect.objectContaining({ name: 'MetadataError', code: pair.code }),
      )
    })
    it(`reads the same metadata without ${pair.defect}`, () => {
      const parsed = parseIdpMetadata(pair.good(), { now: NOW, entityId: pair.goodEntityId })
      expect(parsed.entityId).toBe(pair.goodEntityId ?? IDP_ID)
      expect(parsed.signingCertificates.length).toBeGreaterThan(0)
    })
  }

  it('throws MetadataError instances (the class the UI maps to messages)', () => {
    expect(() => parseIdpMetadata('nope', { now: NOW })).toThrow(MetadataError)
  })
})

describe('parseIdpMetadata: what it takes from good metadata', () => {
  it('reads the entity ID, both SSO bindings, the signing certificate and the NameID format', () => {
    const parsed = parseIdpMetadata(entityDescriptor({}), { now: NOW })
    expect(parsed).toMatchObject({ entityId: IDP_ID, ssoUrls: { redirect: SSO_URL, post: SSO_URL }, nameIdFormats: [NAMEID_EMAIL], warnings: [] })
    expect(parsed.signingCertificates.map((c) => c.fingerprint)).toEqual([idp.certificate.fingerprint])
  })

  it("picks the named IdP out of an EntitiesDescriptor, with that IdP's certificate", () => {
    const xml = entitiesDescriptor({}, { entityId: SECOND_IDP_ID, keys: [{ pem: () => rollover.certificatePem }] })
    expect(parseIdpMetadata(xml, { now: NOW, entityId: IDP_ID }).signingCertificates.map((c) => c.fingerprint)).toEqual([idp.certificate.fingerprint])
    expect(parseIdpMetadata(xml, { now: NOW, entityId: SECOND_IDP_ID }).signingCertificates.map((c) => c.fingerprint)).toEqual([
      rollover.certificate.fingerprint,
    ])
  })

  it('does not take a KeyDescriptor use="encryption" certificate as a signing certificate', () => {
    const parsed = parseIdpMetadata(
      entityDescriptor({
        keys: [
          { pem: () => rollover.certificatePem, use: 'encryption' },
          { pem: () => idp.certificatePem, use: 'signing' },
        ],
      }),
      { now: NOW },
    )
    expect(parsed.signingCertificates.map((c) => c.fingerprint)).toEqual([idp.certificate.fingerprint])
  })

  it('keeps both signing certificates during a rollover, in order, and a repeated one once', () => {
    const parsed = parseIdpMetadata(
      entityDescriptor({
        keys: [{ pem: () => idp.certificatePem, use: 'signing' }, { pem: () => rollover.certificatePem }, { pem: () => idp.certificatePem }],
      }),
      { now: NOW },
    )
    expect(parsed.signingCertificates.map((c) => c.fingerprint)).toEqual([idp.certificate.fingerprint, rollover.certificate.fingerprint])
  })

  it('reads a 1024-bit certificate only when a caller lowers the minimum explicitly (legacy fixtures)', () => {
    const parsed = parseIdpMetadata(entityDescriptor({ keys: [{ pem: () => legacy1024Pem }] }), { now: NOW, minRsaBits: 1024 })
    expect(parsed.signingCertificates[0]!.keyBits).toBe(1024)
  })

  const warnings = [
    { certificate: 'expired in 2021', pem: () => expired.certificatePem, warned: true },
    { certificate: 'expiring in 10 days', pem: () => expiringSoon.certificatePem, warned: true },
    { certificate: 'valid until 2050', pem: () => idp.certificatePem, warned: false },
  ]
  for (const w of warnings) {
    it(`accepts a certificate ${w.certificate}${w.warned ? ' with a warning naming it' : ' without a warning'}`, () => {
      const parsed = parseIdpMetadata(entityDescriptor({ keys: [{ pem: w.pem }] }), { now: NOW })
      const cert = parseCertificate(w.pem())
      expect(parsed.signingCertificates.map((c) => c.fingerprint)).toEqual([cert.fingerprint])
      expect(parsed.warnings).toHaveLength(w.warned ? 1 : 0)
      if (w.warned) expect(parsed.warnings[0]).toContain(cert.fingerprint.slice(0, 23))
    })
  }

  it('the expiring certificate really ends 10 days after now', () => {
    expect(Math.floor((parseCertificate(expiringSoon.certificatePem).notAfter.getTime() - NOW.getTime()) / DAY)).toBe(10)
  })
})

// --- SP metadata out -----------------------------------------------------------------------------

function children(parent: Element, localName: string, ns: string = NS.metadata): Element[] {
  return Array.from(parent.getElementsByTagNameNS(ns, localName)).filter((e) => e.parentNode === parent)
}

describe('buildSpMetadata: parsed back', () => {
  const cases = [
    { name: 'one certificate, signed requests', certificates: () => [spCurrent.certificatePem], signed: true },
    { name: 'two certificates during a key rollover, unsigned requests', certificates: () => [spCurrent.certificatePem, spNext.certificatePem], signed: false },
  ]
  for (const c of cases) {
    it(`describes our SP with ${c.name}`, () => {
      const certificates = c.certificates()
      const xml = buildSpMetadata({ entityId: SP_ENTITY_ID, acsUrl: ACS_URL, certificates, authnRequestsSigned: c.signed, wantAssertionsSigned: true })
      const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!
      expect([root.namespaceURI, root.localName, root.getAttribute('entityID')]).toEqual([NS.metadata, 'EntityDescriptor', SP_ENTITY_ID])

      const [sp, ...others] = children(root, 'SPSSODescriptor')
      expect(others).toHaveLength(0)
      expect(children(root, 'IDPSSODescriptor')).toHaveLength(0)
      expect(sp!.getAttribute('AuthnRequestsSigned')).toBe(String(c.signed))
      expect(sp!.getAttribute('WantAssertionsSigned')).toBe('true')
      expect(sp!.getAttribute('protocolSupportEnumeration')).toBe('urn:oasis:names:tc:SAML:2.0:protocol')

      const acs = children(sp!, 'AssertionConsumerService')
      expect(acs.map((a) => [a.getAttribute('Binding'), a.getAttribute('Location')])).toEqual([[BINDING_POST, ACS_URL]])
      expect(children(sp!, 'NameIDFormat').map((f) => f.textContent)).toEqual([NAMEID_EMAIL])

      // One signing and one encryption KeyDescriptor per certificate.
      const keys = children(sp!, 'KeyDescriptor').map((k) => ({
        use: k.getAttribute('use'),
        cert: k.getElementsByTagNameNS(NS.ds, 'X509Certificate')[0]!.textContent,
      }))
      expect(keys).toHaveLength(2 * certificates.length)
      for (const pem of certificates) {
        expect(
          keys
            .filter((k) => k.cert === bare(pem))
            .map((k) => k.use)
            .sort(),
        ).toEqual(['encryption', 'signing'])
      }
    })
  }

  it('escapes an entity ID and ACS URL with markup characters so they parse back unchanged', () => {
    const entityId = 'https://gatehouse.example.test/saml/a&b"<c>'
    const acsUrl = 'https://gatehouse.example.test/saml/acs?x=1&y=2'
    const xml = buildSpMetadata({ entityId, acsUrl, certificates: [spCurrent.certificatePem], authnRequestsSigned: false, wantAssertionsSigned: true })
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!
    expect(root.getAttribute('entityID')).toBe(entityId)
    expect(root.getElementsByTagNameNS(NS.metadata, 'AssertionConsumerService')[0]!.getAttribute('Location')).toBe(acsUrl)
  })
})
