/** Hardening beyond the named checks: element-count cap, InResponseTo only from signed parts, real dates. */
import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it, vi } from 'vitest'
import { validateSamlResponse, type ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { buildResponse, createTestIdp, sign, toBase64 } from '../helpers/test-idp.js'

const now = new Date('2026-11-23T12:00:00.000Z')
const sp = { entityId: 'https://gh.test/saml/acme', acsUrl: 'https://gh.test/saml/acme/acs' }

async function setup() {
  const idp = await createTestIdp('hardening')
  const settings: ResponseValidationSettings = {
    sp: { ...sp, decryptionKeys: [] },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], allowSha1: false },
    requireEncryptedAssertion: false,
    now,
  }
  const base = { issuer: idp.entityId, acsUrl: sp.acsUrl, audience: sp.entityId, now }
  return { idp, settings, base }
}

describe('element-count cap', () => {
  it('refuses a response padded past 20 000 elements before parsing, and accepts the same response unpadded', async () => {
    const { idp, settings, base } = await setup()
    const signed = sign(buildResponse({ ...base, attributes: { groups: Array.from({ length: 500 }, (_, i) => `group-${i}`) } }), 'assertion', idp)
    const ok = await validateSamlResponse(toBase64(signed), settings)
    expect(ok.ok ? ok.assertion.attributes.groups?.length : ok.failure).toBe(500)
    const padded = signed.replace('</saml2p:Response>', `<x xmlns="urn:pad">${'<p/>'.repeat(20_000)}</x></saml2p:Response>`)
    // Refused by the count before xmldom is handed the document (its parse time grows with it).
    const parse = vi.spyOn(DOMParser.prototype, 'parseFromString')
    try {
      const tooMany = await validateSamlResponse(toBase64(padded), settings)
      expect(tooMany.ok ? 'accepted' : tooMany.failure.code).toBe('xml_malformed')
      expect(parse).not.toHaveBeenCalled()
      await validateSamlResponse(toBase64(signed), settings)
      expect(parse).toHaveBeenCalled()
    } finally {
      parse.mockRestore()
    }
  })
})

describe('InResponseTo is read only from signed parts', () => {
  it('ignores an InResponseTo added to an unsigned envelope around an unsolicited signed assertion', async () => {
    const { idp, settings, base } = await setup()
    const unsolicited = sign(buildResponse({ ...base, inResponseTo: null }), 'assertion', idp)
    const dressed = unsolicited.replace('<saml2p:Response ', '<saml2p:Response InResponseTo="_attacker-request" ')
    const result = await validateSamlResponse(toBase64(dressed), settings)
    expect(result.ok && result.assertion.inResponseTo).toBeUndefined()
  })

  it("reads the InResponseTo of a signed Response, and of a signed assertion's bearer confirmation", async () => {
    const { idp, settings, base } = await setup()
    const signedResponse = await validateSamlResponse(toBase64(sign(buildResponse({ ...base, inResponseTo: '_ours' }), 'response', idp)), settings)
    expect(signedResponse.ok && signedResponse.assertion.inResponseTo).toBe('_ours')
    const signedAssertion = await validateSamlResponse(toBase64(sign(buildResponse({ ...base, inResponseTo: '_ours' }), 'assertion', idp)), settings)
    expect(signedAssertion.ok && signedAssertion.assertion.inResponseTo).toBe('_ours')
  })
})

describe('dates that do not exist', () => {
  it('refuses NotOnOrAfter 2026-11-31 (Date.parse would roll it to December 1) and accepts 2026-11-30', async () => {
    const { idp, settings, base } = await setup()
    const at = (day: string) => sign(buildResponse(base).replace(/NotOnOrAfter="[^"]+"/g, `NotOnOrAfter="2026-11-${day}T00:00:00Z"`), 'assertion', idp)
    const bad = await validateSamlResponse(toBase64(at('31')), settings)
    expect(bad.ok ? 'accepted' : bad.failure.code).toBe('time_invalid')
    const good = await validateSamlResponse(toBase64(at('30')), settings)
    expect(good.ok ? 'accepted' : good.failure).toBe('accepted')
  })
})
