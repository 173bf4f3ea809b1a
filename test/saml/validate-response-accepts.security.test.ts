/**
 * DESIGN §4: what validateSamlResponse accepts (real IdP shapes, normal sizes and depths), and the
 * costs it bounds before reading (size, parse depth). The pairs are in validate-response-pairs.security.test.ts.
 */
import { DOMParser } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { validateSamlResponse, type ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { NS } from '../../src/saml/xml.js'
import {
  ACS_URL,
  compose,
  craft,
  create,
  createParties,
  find,
  NAME_ID,
  setAttribute,
  settingsFor,
  SP_ENTITY_ID,
  type Parties,
  type Recipe,
} from './response-recipe.js'
import {
  validateWith,
  verdict,
  HOLDER_OF_KEY,
  idpSettings,
  MiB,
  nestInExtensions,
  OTHER_SP,
  withPadding,
  type SettingsFor,
} from './validate-response-support.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const validate = (recipe: Recipe, settings?: Partial<ResponseValidationSettings>) => validateWith(parties, recipe, settings)

describe('validateSamlResponse: size is checked before anything is read', () => {
  it('refuses 2 MiB of "A" without decoding or parsing it; a smaller input is decoded and parsed', async () => {
    const settings = settingsFor(parties)
    const decode = vi.spyOn(Buffer, 'from')
    const parse = vi.spyOn(DOMParser.prototype, 'parseFromString')
    try {
      expect(verdict(await validateSamlResponse('A'.repeat(2 * MiB), settings))).toBe('response_too_large')
      expect(decode).not.toHaveBeenCalled()
      expect(parse).not.toHaveBeenCalled()
      // Just under the length limit: decoded and handed to the parser, which refuses the bytes.
      expect(verdict(await validateSamlResponse('A'.repeat(1_398_100), settings))).toBe('xml_malformed')
      expect(decode).toHaveBeenCalled()
      expect(parse).toHaveBeenCalled()
    } finally {
      decode.mockRestore()
      parse.mockRestore()
    }
  })

  it('accepts a real response at its normal size', async () => {
    expect(verdict(await validateSamlResponse(await craft(parties, {}), settingsFor(parties)))).toEqual({ nameId: NAME_ID })
  })
})

/** Legitimate shapes real IdPs send: each must pass, or the pairs above prove nothing. */
describe('validateSamlResponse: accepts what real IdPs send', () => {
  const accepted: readonly { shape: string; recipe: Recipe; settings?: SettingsFor }[] = [
    { shape: 'only the Response signed (Okta, ADFS default)', recipe: { sign: 'response' } },
    { shape: 'both Response and Assertion signed', recipe: { sign: 'both' } },
    { shape: 'an RSA-SHA512 signature', recipe: { algorithm: 'rsa-sha512', sign: 'both' } },
    { shape: 'an RSA-SHA1 signature when the connection allows SHA-1', recipe: { algorithm: 'rsa-sha1' }, settings: idpSettings({ allowSha1: true }) },
    { shape: 'an assertion encrypted with AES-256-GCM', recipe: { encrypt: { content: 'aes256-gcm' } }, settings: () => ({ requireEncryptedAssertion: true }) },
    { shape: 'an assertion encrypted with AES-128-CBC', recipe: { encrypt: { content: 'aes128-cbc' } }, settings: () => ({ requireEncryptedAssertion: true }) },
    { shape: 'an assertion encrypted with AES-256-CBC', recipe: { encrypt: { content: 'aes256-cbc' } } },
    { shape: 'an unsigned assertion encrypted inside a signed Response', recipe: { sign: 'response', encrypt: {} } },
    {
      shape: 'a decryption key rollover (the current key listed second)',
      recipe: { encrypt: {} },
      settings: (p) => ({ sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL, decryptionKeys: [p.otherSp.privateKeyPem, p.sp.privateKeyPem] } }),
    },
    { shape: "a signing certificate rollover (the IdP's certificate listed second)", recipe: {}, settings: idpSettings({ certificates: 'both' }) },
    { shape: 'an assertion-signed Response without a Destination', recipe: { params: { destination: null } } },
    { shape: 'an IdP-initiated response (no InResponseTo; core decides)', recipe: { params: { inResponseTo: null } } },
    {
      shape: 'a bearer confirmation among others',
      recipe: {
        before: (doc) => {
          const c = find(doc, 'SubjectConfirmation')
          const hok = c.cloneNode(true) as typeof c
          hok.setAttribute('Method', HOLDER_OF_KEY)
          c.parentNode!.insertBefore(hok, c)
        },
      },
    },
    {
      shape: 'an Audience among several in the one restriction',
      recipe: { before: (doc) => find(doc, 'AudienceRestriction').insertBefore(create(doc, NS.assertion, 'Audience', OTHER_SP), find(doc, 'Audience')) },
    },
    { shape: 'base64 wrapped at 76 columns with CRLF', recipe: { base64: (b) => b.match(/.{1,76}/g)!.join('\r\n') } },
    {
      shape: 'base64 whose last character has non-zero unused bits (decodes to the same bytes)',
      recipe: {
        base64: (b) => {
          const padded = withPadding(b)
          const at = padded.indexOf('=') - 1
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
          const odd = padded.slice(0, at) + alphabet[alphabet.indexOf(padded[at]!) | 1] + padded.slice(at + 1)
          if (odd === padded || Buffer.from(odd, 'base64').toString('base64') === odd) throw new Error('the unused bits did not change')
          return odd
        },
      },
    },
    { shape: 'times with an explicit +01:00 offset', recipe: { before: compose(setAttribute('Conditions', 'NotBefore', '2026-01-01T00:59:00+01:00')) } },
  ]
  for (const a of accepted) {
    it(`accepts ${a.shape}`, async () => {
      expect(verdict(await validate(a.recipe, a.settings?.(parties)))).toEqual({ nameId: NAME_ID })
    })
  }

  it('reports what it verified: signatures, encryption, algorithm, the request answered', async () => {
    const result = await validate({ sign: 'both', encrypt: {} })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.assertion).toMatchObject({
      signed: { response: true, assertion: true },
      encrypted: true,
      inResponseTo: '_request0001',
      assertionId: '_assertion0001',
      issuer: parties.idp.entityId,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      warnings: [],
    })
  })

  it('warns (without failing) when SHA-1 is allowed and used', async () => {
    const result = await validate({ algorithm: 'rsa-sha1' }, idpSettings({ allowSha1: true })(parties))
    expect(result.ok && result.assertion.warnings.length).toBe(1)
  })
})

describe('validateSamlResponse: parse cost is bounded', () => {
  // ~1 MiB of nesting, each level declaring a prefix: xmldom's parse time grows quadratically
  // with it (20 000 levels took 11 s here), so without a depth limit this costs tens of seconds.
  const bomb = nestInExtensions(38_000, true)
  it('refuses 1 MiB of namespace-declaring nesting as xml_malformed, before xmldom is handed it', async () => {
    const base64 = await craft(parties, { text: bomb })
    const parse = vi.spyOn(DOMParser.prototype, 'parseFromString')
    try {
      expect(verdict(await validateSamlResponse(base64, settingsFor(parties)))).toBe('xml_malformed')
      expect(parse).not.toHaveBeenCalled()
    } finally {
      parse.mockRestore()
    }
  })
  it('accepts the same with namespace-declaring nesting of normal depth', async () => {
    expect(verdict(await validate({ text: nestInExtensions(30, true) }))).toEqual({ nameId: NAME_ID })
  })
})
