/**
 * The ACS mutation fuzzer's findings (test/saml/fuzz, bench/fuzz/acs-fuzz.ts), each as a named
 * regression test: the minimal mutation of a genuinely signed response, and the same response
 * unmutated accepted with what the IdP signed. (Attribute names such as `__proto__` have their own
 * file, attribute-names.security.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { validateSamlResponse, type ValidationResult } from '../../src/saml/validate-response.js'
import { toBase64 } from '../helpers/test-idp.js'
import { craftXml, createParties, NAME_ID, settingsFor, type Parties } from './response-recipe.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const validate = (xml: string): Promise<ValidationResult> => validateSamlResponse(toBase64(xml), settingsFor(parties))
const edited = (xml: string, from: string, to: string) => {
  // The edit must land, or the test proves nothing.
  expect(xml).toContain(from)
  return xml.replace(from, to)
}

describe('fuzzer findings: a processing instruction in signed content', () => {
  // Engine at ce4946c, run seed 101, mutant #50758 (NameID read as "alice@ext") and run seed 1,
  // mutant #709 (an attribute value): xml-crypto's c14n writes a PI's data as if it were text, so
  // the digest of `alice@<?x example.test?>` is the digest of `alice@example.test`; the value read
  // skipped the PI and was `alice@`. Fixed on main by 4c6c6f9 (value_has_markup).
  it('never reads a signed NameID whose tail was turned into a processing instruction as the head alone', async () => {
    const signed = await craftXml(parties, {})
    const result = await validate(edited(signed, `>${NAME_ID}<`, '>alice@<?x example.test?><'))
    expect(result.ok ? result.assertion.nameId : result.failure.code).not.toBe('alice@')
    if (result.ok) expect(result.assertion.nameId).toBe(NAME_ID)
  })

  it('never reads a signed attribute value split by a processing instruction as part of it', async () => {
    const signed = await craftXml(parties, { params: { attributes: { role: ['member-of-admins'] } } })
    const result = await validate(edited(signed, '>member-of-admins<', '>member<?x -of?>-admins<'))
    if (result.ok) expect(result.assertion.attributes.role).toEqual(['member-of-admins'])
  })

  // Engine at ce4946c, run seed 1, mutants #696 and #906 (a PI split of an empty chunk): a PI with
  // no data anywhere in a signed element made xml-crypto's c14n throw ("Unable to exclusive
  // canonicalize node type: 7"), so the validator threw instead of refusing (a 500 at the ACS).
  // Fixed on main by 4c6c6f9 (such a node is signature_invalid).
  it('refuses, without throwing, a signed Response with an empty processing instruction in its Issuer', async () => {
    const signed = await craftXml(parties, { sign: 'response' })
    const issuer = parties.idp.entityId
    const result = await validate(edited(signed, `>${issuer}</saml2:Issuer>`, `>${issuer}<?x?></saml2:Issuer>`))
    expect(result.ok).toBe(false)
  })

  it('refuses, without throwing, a signed Assertion with an empty processing instruction in its NameID', async () => {
    const signed = await craftXml(parties, {})
    const result = await validate(edited(signed, `>${NAME_ID}<`, `>${NAME_ID}<?x?><`))
    expect(result.ok).toBe(false)
  })

  it('accepts the same signed responses without the processing instructions', async () => {
    for (const sign of ['assertion', 'response'] as const) {
      const result = await validate(await craftXml(parties, { sign, params: { attributes: { role: ['member-of-admins'] } } }))
      expect(result.ok && [result.assertion.nameId, result.assertion.attributes.role]).toEqual([NAME_ID, ['member-of-admins']])
    }
  })
})

describe('fuzzer findings: algorithm URIs that name Object.prototype members', () => {
  // Engine at 74fe362 (attr-proto), run seed 20793, mutant #5312, on a07cd9c: a DigestMethod
  // Algorithm of "isPrototypeOf" (or "toString", "constructor"…) was found in the plain object of
  // digest algorithms, and createHash(undefined) threw (a 500 at the ACS). Fixed on main by ccd55d2
  // (item-data: prototype-less lookups), merged here.
  for (const name of ['toString', 'constructor', '__proto__', 'isPrototypeOf']) {
    it(`refuses, without throwing, a DigestMethod Algorithm of ${name}`, async () => {
      for (const sign of ['assertion', 'response'] as const) {
        const signed = await craftXml(parties, { sign })
        const result = await validate(edited(signed, 'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"', `Algorithm="${name}"`))
        expect(result.ok ? 'accepted' : result.failure.code).toBe('signature_algorithm_forbidden')
      }
    })

    it(`refuses, without throwing, a SignatureMethod Algorithm of ${name}`, async () => {
      const signed = await craftXml(parties, {})
      const result = await validate(edited(signed, 'Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"', `Algorithm="${name}"`))
      expect(result.ok ? 'accepted' : result.failure.code).toBe('signature_algorithm_forbidden')
    })
  }

  it('accepts the same responses with their algorithms as signed', async () => {
    for (const sign of ['assertion', 'response'] as const) {
      const result = await validate(await craftXml(parties, { sign }))
      expect(result.ok && result.assertion.nameId).toBe(NAME_ID)
    }
  })
})
