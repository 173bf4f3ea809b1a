/**
 * Names in a SAML document are the IdP's data (issue 14 item 3): an attribute named `__proto__`,
 * `constructor` or `toString` is read like any other, and an Algorithm URI equal to one of
 * Object.prototype's members is just an unknown algorithm. A property test checks that the reader
 * yields exactly the signed name → values map, whatever the names.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BINDING_POST, MetadataError, parseIdpMetadata } from '../../src/saml/idp-metadata.js'
import { validateSamlResponse, type ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { buildResponse, createTestIdp, sign, toBase64, type TestIdp } from '../helpers/test-idp.js'

/** Object.prototype's members, and names that are special elsewhere in JavaScript. */
const DANGEROUS_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'] as const

const now = new Date('2026-11-23T12:00:00.000Z')
const sp = { entityId: 'https://gh.test/saml/acme', acsUrl: 'https://gh.test/saml/acme/acs' }

let idp: TestIdp | undefined
async function setup() {
  idp ??= await createTestIdp('attribute-names')
  const settings: ResponseValidationSettings = {
    sp: { ...sp, decryptionKeys: [] },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], allowSha1: false },
    requireEncryptedAssertion: false,
    now,
  }
  return { idp, settings, base: { issuer: idp.entityId, acsUrl: sp.acsUrl, audience: sp.entityId, now } }
}

/** A signed response carrying `attributes` in this order (a name may come several times). */
function signedWith(s: Awaited<ReturnType<typeof setup>>, attributes: readonly (readonly [string, readonly string[]])[]): string {
  const statement = attributes
    .map(
      ([name, values]) =>
        buildResponse({ ...s.base, attributes: Object.fromEntries([[name, values]]) }).match(/<saml2:Attribute [\s\S]*?<\/saml2:Attribute>/)?.[0] ??
        `<saml2:Attribute Name="${name}"/>`,
    )
    .join('')
  const xml = buildResponse({ ...s.base, attributes: { placeholder: [] } }).replace(/<saml2:AttributeStatement>[\s\S]*<\/saml2:AttributeStatement>/, () =>
    attributes.length === 0 ? '' : `<saml2:AttributeStatement>${statement}</saml2:AttributeStatement>`,
  )
  return sign(xml, 'assertion', s.idp)
}

describe('attribute names that are Object.prototype members', () => {
  for (const name of DANGEROUS_NAMES) {
    it(`reads an attribute named ${name} as its values, and leaves the other attributes and Object.prototype alone`, async () => {
      const s = await setup()
      const result = await validateSamlResponse(
        toBase64(
          signedWith(s, [
            ['email', ['a@b.test']],
            [name, ['one', 'two']],
            ['first_name', ['Ann']],
          ]),
        ),
        s.settings,
      )
      expect(result.ok ? undefined : result.failure).toBeUndefined()
      if (!result.ok) return
      expect(Object.entries(result.assertion.attributes)).toEqual([
        ['email', ['a@b.test']],
        [name, ['one', 'two']],
        ['first_name', ['Ann']],
      ])
      expect(Object.hasOwn(result.assertion.attributes, name)).toBe(true)
      expect(Object.getPrototypeOf(Object.prototype)).toBeNull()
      expect(Object.keys(Object.prototype)).toEqual([])
    })

    it(`has no ${name} attribute when the IdP sent none (nothing inherited is read as one)`, async () => {
      const s = await setup()
      const result = await validateSamlResponse(toBase64(signedWith(s, [['email', ['a@b.test']]])), s.settings)
      expect(result.ok && Object.hasOwn(result.assertion.attributes, name)).toBe(false)
      // eslint-disable-next-line @typescript-eslint/unbound-method -- names like toString are looked up on purpose, to show none is inherited
      expect(result.ok && result.assertion.attributes[name]).toBeUndefined()
    })
  }
})

describe('signature algorithms named like Object.prototype members', () => {
  const SHA256_DIGEST = 'http://www.w3.org/2001/04/xmlenc#sha256'
  const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
  for (const name of DANGEROUS_NAMES) {
    it(`refuses a DigestMethod Algorithm="${name}" as a forbidden algorithm, not a crash`, async () => {
      const s = await setup()
      const signed = signedWith(s, [['email', ['a@b.test']]])
      expect(signed).toContain(`Algorithm="${SHA256_DIGEST}"`)
      const result = await validateSamlResponse(toBase64(signed.replace(`Algorithm="${SHA256_DIGEST}"`, `Algorithm="${name}"`)), s.settings)
      expect(result.ok ? 'accepted' : result.failure).toEqual({ code: 'signature_algorithm_forbidden', algorithm: name })
    })

    it(`refuses a SignatureMethod Algorithm="${name}" as a forbidden algorithm, not a crash`, async () => {
      const s = await setup()
      const signed = signedWith(s, [['email', ['a@b.test']]])
      expect(signed).toContain(`Algorithm="${RSA_SHA256}"`)
      const result = await validateSamlResponse(toBase64(signed.replace(`Algorithm="${RSA_SHA256}"`, `Algorithm="${name}"`)), s.settings)
      expect(result.ok ? 'accepted' : result.failure).toEqual({ code: 'signature_algorithm_forbidden', algorithm: name })
    })
  }

  it('accepts the same response with the algorithms it was signed with', async () => {
    const s = await setup()
    const result = await validateSamlResponse(toBase64(signedWith(s, [['email', ['a@b.test']]])), s.settings)
    expect(result.ok ? result.assertion.signatureAlgorithm : result.failure).toBe(RSA_SHA256)
  })
})

describe('metadata whose entity IDs, bindings and key uses are Object.prototype member names', () => {
  async function entity(entityId: string, binding: string, use: string): Promise<string> {
    const s = await setup()
    const cert = s.idp.certificatePem.replace(/-----[^-]+-----|\s/g, '')
    return (
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
      `<md:KeyDescriptor use="${use}"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      `<md:SingleSignOnService Binding="${binding}" Location="https://idp.test/${encodeURIComponent(entityId)}"/>` +
      `<md:SingleSignOnService Binding="${BINDING_POST}" Location="https://idp.test/post"/></md:IDPSSODescriptor></md:EntityDescriptor>`
    )
  }
  const many = async (...entities: Promise<string>[]) =>
    `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${(await Promise.all(entities)).join('')}</md:EntitiesDescriptor>`

  it('picks the IdP named __proto__ or constructor by its entity ID, and refuses toString, which is not there', async () => {
    const xml = await many(entity('__proto__', BINDING_POST, 'signing'), entity('constructor', BINDING_POST, 'signing'))
    expect(parseIdpMetadata(xml, { now, entityId: '__proto__' }).entityId).toBe('__proto__')
    expect(parseIdpMetadata(xml, { now, entityId: 'constructor' }).entityId).toBe('constructor')
    expect(() => parseIdpMetadata(xml, { now, entityId: 'toString' })).toThrow(expect.objectContaining({ code: 'metadata_entity_not_found' }) as MetadataError)
  })

  it('ignores a binding named constructor and a key use named __proto__ (only signing keys count), and reads the rest', async () => {
    const parsed = parseIdpMetadata(await entity('https://idp.test', 'constructor', 'signing'), { now })
    expect(parsed.ssoUrls).toEqual({ post: 'https://idp.test/post' })
    const keyless = await entity('https://idp.test', BINDING_POST, '__proto__')
    expect(() => parseIdpMetadata(keyless, { now })).toThrow(expect.objectContaining({ code: 'metadata_no_certificate' }) as MetadataError)
  })
})

describe('any attribute names (property)', () => {
  // Printable ASCII names (XML normalizes other whitespace in attribute values), biased towards the
  // dangerous ones and towards repeats; values without surrounding spaces (the reader trims them).
  const name = fc.oneof(fc.constantFrom(...DANGEROUS_NAMES), fc.constantFrom('email', 'groups', 'workspace.prod'), fc.string({ maxLength: 12 }))
  const value = fc.string({ maxLength: 8 }).map((v) => v.trim())
  const attributes = fc.array(fc.tuple(name, fc.array(value, { maxLength: 3 })), { maxLength: 8 })

  it("yields exactly the signed name → values map, each name's values in document order, with nothing inherited", async () => {
    const s = await setup()
    await fc.assert(
      fc.asyncProperty(attributes, async (sent) => {
        const result = await validateSamlResponse(toBase64(signedWith(s, sent)), s.settings)
        if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.failure)}`)
        const expected = new Map<string, string[]>()
        for (const [n, values] of sent) expected.set(n, [...(expected.get(n) ?? []), ...values])
        // (Names are compared as a set: an object lists array-index names like "0" first.)
        const byName = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0)
        expect(Object.entries(result.assertion.attributes).sort(byName)).toEqual([...expected].sort(byName))
        // eslint-disable-next-line @typescript-eslint/unbound-method -- names like toString are looked up on purpose, to show none is inherited
        for (const probe of DANGEROUS_NAMES) expect(result.assertion.attributes[probe]).toEqual(expected.get(probe))
        expect(Object.keys(Object.prototype)).toEqual([])
      }),
      { numRuns: 150 },
    )
  })
})
