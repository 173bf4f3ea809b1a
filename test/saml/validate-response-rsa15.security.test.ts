import { type Document, type Element } from '@xmldom/xmldom'
import { constants as cryptoConstants } from 'node:crypto'
import { createRequire } from 'node:module'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { createParties, find, NAME_ID, type Edit, type Parties, type Recipe } from './response-recipe.js'
import { validateWith, verdict } from './validate-response-support.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const validate = (recipe: Recipe, settings?: Partial<ResponseValidationSettings>) => validateWith(parties, recipe, settings)

/**
 * RSA PKCS#1 v1.5 key transport is a decryption oracle (Jager, Schinzel, Somorovsky, "Bleichenbacher's
 * attack strikes again: breaking PKCS#1 v1.5 in XML Encryption", ESORICS 2012), so it is refused
 * before any private-key operation — however the EncryptedKey is dressed. xml-encryption picks the
 * EncryptedKey and EncryptionMethod by local name in any namespace; a check that reads only the
 * XML-Enc namespace can be shown a decoy. We watch node:crypto to prove no PKCS#1 v1.5 decryption
 * is even attempted (Node 20 happens to refuse it by default; other builds need not).
 */
describe('validateSamlResponse: RSA 1.5 key transport is refused however it is dressed', () => {
  const XENC = 'http://www.w3.org/2001/04/xmlenc#'
  const OAEP = `${XENC}rsa-oaep-mgf1p`
  const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const firstEncryptedKey = (doc: Document) => doc.getElementsByTagNameNS(XENC, 'EncryptedKey')[0]!
  const keyMethod = (key: Element) => Array.from(key.childNodes).find((n): n is Element => n.nodeType === 1 && (n as Element).localName === 'EncryptionMethod')!
  const oaepMethod = (doc: Document) => {
    const m = doc.createElementNS(XENC, 'xenc:EncryptionMethod')
    m.setAttribute('Algorithm', OAEP)
    return m
  }
  const dressings: readonly { dressing: string; edit: Edit }[] = [
    { dressing: 'as the IdP sent it', edit: () => {} },
    {
      dressing: 'behind an OAEP EncryptionMethod nested first in the EncryptedKey',
      edit: (doc) => {
        const key = firstEncryptedKey(doc)
        const decoy = doc.createElementNS('urn:example:x', 'x:Decoy')
        decoy.appendChild(oaepMethod(doc))
        key.insertBefore(decoy, key.firstChild)
      },
    },
    {
      dressing: 'in a foreign-namespace EncryptionMethod, with an XML-Enc OAEP one after it',
      edit: (doc) => {
        const key = firstEncryptedKey(doc)
        const real = keyMethod(key)
        const foreign = doc.createElementNS('urn:example:x', 'x:EncryptionMethod')
        foreign.setAttribute('Algorithm', real.getAttribute('Algorithm')!)
        key.replaceChild(foreign, real)
        key.insertBefore(oaepMethod(doc), foreign.nextSibling)
      },
    },
    {
      dressing: 'in a foreign-namespace EncryptedKey, with an XML-Enc OAEP EncryptedKey after the EncryptedData',
      edit: (doc) => {
        const key = firstEncryptedKey(doc)
        const decoy = key.cloneNode(true) as Element
        keyMethod(decoy).setAttribute('Algorithm', OAEP)
        const foreign = doc.createElementNS('urn:example:x', 'x:EncryptedKey')
        while (key.firstChild !== null) foreign.appendChild(key.firstChild)
        key.parentNode!.replaceChild(foreign, key)
        find(doc, 'EncryptedAssertion').appendChild(decoy)
      },
    },
  ]

  const pkcs1Decryptions = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.filter(([key]) => (key as { padding?: number }).padding === cryptoConstants.RSA_PKCS1_PADDING).length

  for (const d of dressings) {
    it(`rejects an RSA 1.5 wrapped key ${d.dressing} with decryption_failed, never decrypting it`, async () => {
      const spy = vi.spyOn(nodeCrypto, 'privateDecrypt')
      const result = await validate({ encrypt: { keyTransport: 'rsa-1_5' }, after: d.edit })
      expect(verdict(result)).toBe('decryption_failed')
      expect(pkcs1Decryptions(spy)).toBe(0)
    })
    it(`accepts the same dressing of an RSA-OAEP wrapped key (${d.dressing})`, async () => {
      const spy = vi.spyOn(nodeCrypto, 'privateDecrypt')
      expect(verdict(await validate({ encrypt: { keyTransport: 'rsa-oaep-mgf1p' }, after: d.edit }))).toEqual({ nameId: NAME_ID })
      // The spy sees the library's calls: without this the first test would prove nothing.
      expect(spy).toHaveBeenCalled()
    })
  }
})
