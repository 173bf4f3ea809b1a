/**
 * No decryption oracle (DESIGN §4, issue 14 item 4). Anyone can encrypt to the SP's public
 * certificate, and decryption runs before the assertion's signature can be checked. Jager and
 * Somorovsky ("How To Break XML Encryption", CCS 2011) recover CBC plaintexts from an SP that answers
 * "bad padding" differently from "not XML": so every failure after decryption starts — a key that
 * does not unwrap, bad padding, a bad GCM tag, a plaintext that is not XML, XML that is not one
 * well-formed Assertion — is the one failure decryption_failed, with the same status and page at the
 * ACS. Each ciphertext here is built by hand, as an attacker would, with a content key of our choice
 * wrapped to the SP's certificate; the same construction with a genuine assertion is accepted.
 */
import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../src/saml/validate-response.js'
import { NS } from '../../src/saml/xml.js'
import { browser } from '../helpers/browser.js'
import { setupSsoOrg, addMember, postAcs, responseFor, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { craftXml, createParties, settingsFor, type Parties } from './response-recipe.js'

const XENC = 'http://www.w3.org/2001/04/xmlenc#'
const CIPHERS = {
  'aes128-cbc': { uri: `${XENC}aes128-cbc`, node: 'aes-128-cbc', key: 16, iv: 16, block: 16 },
  'aes256-cbc': { uri: `${XENC}aes256-cbc`, node: 'aes-256-cbc', key: 32, iv: 16, block: 16 },
  'tripledes-cbc': { uri: `${XENC}tripledes-cbc`, node: 'des-ede3-cbc', key: 24, iv: 8, block: 8 },
  'aes256-gcm': { uri: 'http://www.w3.org/2009/xmlenc11#aes256-gcm', node: 'aes-256-gcm', key: 32, iv: 12, block: 1 },
} as const
type Cipher = keyof typeof CIPHERS

interface Forgery {
  readonly cipher?: Cipher
  /** The plaintext bytes to encrypt (before padding). */
  readonly plaintext: string | Buffer
  /** XML Encryption padding: the last byte gives the pad length; `bad` makes it impossible. */
  readonly padding?: 'good' | 'bad'
  /** What wraps the content key: the SP's certificate, someone else's, or random bytes. */
  readonly wrap?: 'sp' | 'other' | 'garbage'
  readonly tamperTag?: boolean
  readonly truncate?: boolean
}

/** An EncryptedAssertion as an attacker builds it: a content key of their own, wrapped with RSA-OAEP. */
function forgeEncryptedAssertion(spCertificatePem: string, otherCertificatePem: string, f: Forgery): string {
  const c = CIPHERS[f.cipher ?? 'aes128-cbc']
  const key = randomBytes(c.key)
  const iv = randomBytes(c.iv)
  let body = Buffer.isBuffer(f.plaintext) ? f.plaintext : Buffer.from(f.plaintext, 'utf8')
  let content: Buffer
  if (c.block > 1) {
    const pad = c.block - (body.length % c.block)
    const padding = Buffer.concat([randomBytes(pad - 1), Buffer.from([f.padding === 'bad' ? 0 : pad])])
    body = Buffer.concat([body, padding])
    const cipher = createCipheriv(c.node, key, iv).setAutoPadding(false)
    content = Buffer.concat([iv, cipher.update(body), cipher.final()])
  } else {
    const cipher = createCipheriv(c.node as 'aes-256-gcm', key, iv)
    const encrypted = Buffer.concat([cipher.update(body), cipher.final()])
    const tag = cipher.getAuthTag()
    if (f.tamperTag === true) tag[0] = tag[0]! ^ 0xff
    content = Buffer.concat([iv, encrypted, tag])
  }
  if (f.truncate === true) content = content.subarray(0, content.length - 3)
  const wrapWith = f.wrap === 'other' ? otherCertificatePem : spCertificatePem
  const wrapped = f.wrap === 'garbage' ? randomBytes(256) : publicEncrypt({ key: wrapWith, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key)
  return (
    `<saml2:EncryptedAssertion xmlns:saml2="${NS.assertion}"><xenc:EncryptedData xmlns:xenc="${XENC}" Type="${XENC}Element">` +
    `<xenc:EncryptionMethod Algorithm="${c.uri}"/>` +
    `<ds:KeyInfo xmlns:ds="${NS.ds}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="${XENC}rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>` +
    `<xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${content.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml2:EncryptedAssertion>`
  )
}

/** Replaces the signed response's Assertion with `encrypted(assertionXml)`. */
function withEncrypted(signedXml: string, encrypted: (assertionXml: string) => string): string {
  const start = signedXml.indexOf('<saml2:Assertion')
  const end = signedXml.indexOf('</saml2:Assertion>') + '</saml2:Assertion>'.length
  return signedXml.slice(0, start) + encrypted(signedXml.slice(start, end)) + signedXml.slice(end)
}

/** Every failure an attacker can provoke after decryption starts. */
const failures: readonly { name: string; forgery: (assertion: string) => Forgery }[] = [
  { name: 'bad CBC padding', forgery: (a) => ({ plaintext: a, padding: 'bad' }) },
  { name: 'good CBC padding around a plaintext that is not XML', forgery: () => ({ plaintext: 'this is not XML at all' }) },
  { name: 'good padding around bytes that are not UTF-8', forgery: () => ({ plaintext: randomBytes(40) }) },
  { name: 'good padding around XML that is not an Assertion', forgery: () => ({ plaintext: '<x:y xmlns:x="urn:x"/>' }) },
  { name: 'good padding around an Assertion with a DTD', forgery: (a) => ({ plaintext: `<!DOCTYPE x [<!ENTITY e "e">]>${a}` }) },
  { name: 'good padding around two Assertions', forgery: (a) => ({ plaintext: `<x:w xmlns:x="urn:x">${a}${a}</x:w>` }) },
  {
    name: 'good padding around an Assertion holding a foreign element',
    forgery: (a) => ({ plaintext: a.replace('<saml2:Subject>', '<x:y xmlns:x="urn:x"/><saml2:Subject>') }),
  },
  { name: 'a content key that does not unwrap (random bytes)', forgery: (a) => ({ plaintext: a, wrap: 'garbage' }) },
  { name: 'a content key wrapped for another SP', forgery: (a) => ({ plaintext: a, wrap: 'other' }) },
  { name: 'a ciphertext cut short of a block', forgery: (a) => ({ plaintext: a, truncate: true }) },
  { name: 'a GCM ciphertext with a wrong tag', forgery: (a) => ({ plaintext: a, cipher: 'aes256-gcm', tamperTag: true }) },
]

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

describe('validateSamlResponse: every failure after decryption starts is decryption_failed', () => {
  const forge = (f: Forgery) => forgeEncryptedAssertion(parties.sp.certificatePem, parties.otherSp.certificatePem, f)
  const validate = async (xml: string) => validateSamlResponse(Buffer.from(xml).toString('base64'), settingsFor(parties))

  for (const f of failures) {
    it(`refuses ${f.name} as decryption_failed`, async () => {
      const signed = await craftXml(parties, {})
      const result = await validate(withEncrypted(signed, (a) => forge(f.forgery(a))))
      expect(result.ok ? 'accepted' : result.failure.code).toBe('decryption_failed')
    })
  }

  for (const cipher of Object.keys(CIPHERS) as Cipher[]) {
    it(`accepts the genuine signed assertion forged the same way with ${cipher}`, async () => {
      const signed = await craftXml(parties, {})
      const result = await validate(withEncrypted(signed, (a) => forge({ plaintext: a, cipher })))
      expect(result.ok ? result.assertion.nameId : result.failure).toBe('alice@example.test')
      const warnings = result.ok ? result.assertion.warnings.join(' ') : ''
      if (cipher === 'aes256-gcm') expect(warnings).not.toMatch(/CBC/)
      else expect(warnings).toMatch(cipher === 'tripledes-cbc' ? /3DES-CBC.*AES-GCM/ : /AES-CBC.*AES-GCM/)
    })
  }
})

describe('the ACS answers every failure after decryption starts alike', () => {
  let ctx: TestContext
  let idp: TestIdp
  let org: SsoOrg
  let spCertificate: string
  beforeEach(async () => {
    ctx = await createTestContext()
    idp = await createTestIdp('oracle-idp')
    org = await setupSsoOrg(ctx, idp, { slug: 'oracle' })
    await addMember(ctx, 'oracle', 'alice@oracle.test')
    spCertificate = (await operator(ctx, 'GET', '/organizations/oracle/sso')).json.sp.certificate as string
  })
  afterEach(() => ctx.close())

  it('gives one status and one page (but for the reference) to each forged ciphertext, and signs in the genuine one', async () => {
    const signed = responseFor(ctx, idp, org, { nameId: 'alice@oracle.test', inResponseTo: null })
    const answers = new Set<string>()
    for (const f of failures) {
      const res = await postAcs(
        browser(ctx.app),
        org,
        withEncrypted(signed, (a) => forgeEncryptedAssertion(spCertificate, parties.otherSp.certificatePem, f.forgery(a))),
      )
      const body = res.body.replace(/<code>[A-Za-z0-9_-]{12}<\/code>/g, '<code>REF</code>')
      answers.add(`${res.statusCode} ${String(res.headers['content-type'])} ${body}`)
      expect(res.statusCode, f.name).toBe(403)
    }
    expect(answers.size).toBe(1)
    const genuine = await postAcs(
      browser(ctx.app),
      org,
      withEncrypted(signed, (a) => forgeEncryptedAssertion(spCertificate, parties.otherSp.certificatePem, { plaintext: a })),
    )
    expect(genuine.statusCode).toBe(303)
  })
})
