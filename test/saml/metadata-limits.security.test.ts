/**
 * IdP metadata limits (METADATA_LIMITS, docs/saml.md): each limit refuses a document one past it with
 * metadata_too_large and a message naming what is over, and accepts the same IdP metadata exactly at
 * it; the costliest shapes within the limits are still accepted (bench/metadata-stall.ts times them).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { METADATA_LIMITS, MetadataError, parseIdpMetadata } from '../../src/saml/idp-metadata.js'
import { generateKeyPair } from '../../src/saml/key-pair.js'
import { HOSTILE_ENTITY_ID, hostileMetadataShapes, shapedIdpMetadata, type MetadataShape } from '../helpers/hostile-metadata.js'

const NOW = new Date('2026-11-23T12:00:00Z')
let cert: string

beforeAll(async () => {
  const pair = await generateKeyPair({ commonName: 'limits', notBefore: new Date('2024-01-01T00:00:00Z'), years: 10 })
  cert = pair.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '')
})

const L = METADATA_LIMITS
const cases: { limit: string; at: MetadataShape; over: MetadataShape; says: RegExp }[] = [
  { limit: `${L.bytes} bytes`, at: { bytes: L.bytes }, over: { bytes: L.bytes + 1 }, says: /larger than 524288 bytes/ },
  { limit: `${L.elements} elements`, at: { elements: L.elements }, over: { elements: L.elements + 1 }, says: /more than 10000 elements/ },
  { limit: `${L.attributes} attributes`, at: { attributes: L.attributes }, over: { attributes: L.attributes + 1 }, says: /more than 10000 attributes/ },
  { limit: `depth ${L.depth}`, at: { depth: L.depth }, over: { depth: L.depth + 1 }, says: /more than 32 deep/ },
  {
    limit: `${L.otherMarkup} comments and processing instructions`,
    at: { otherMarkup: L.otherMarkup },
    over: { otherMarkup: L.otherMarkup + 1 },
    says: /more than 1000 comments/,
  },
  {
    limit: `${L.entityDescriptors} EntityDescriptors`,
    at: { entityDescriptors: L.entityDescriptors },
    over: { entityDescriptors: L.entityDescriptors + 1 },
    says: /101 EntityDescriptors.*federation aggregate/,
  },
  {
    limit: `${L.signingCertificates} signing certificates`,
    at: { signingCertificates: L.signingCertificates },
    over: { signingCertificates: L.signingCertificates + 1 },
    says: /11 signing certificates/,
  },
]

describe('IdP metadata limits: one past each is refused, exactly at it is read', () => {
  for (const c of cases) {
    it(`refuses metadata over ${c.limit} with metadata_too_large`, () => {
      let thrown: unknown
      try {
        parseIdpMetadata(shapedIdpMetadata(cert, c.over), { now: NOW, entityId: HOSTILE_ENTITY_ID })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(MetadataError)
      expect((thrown as MetadataError).code).toBe('metadata_too_large')
      expect((thrown as MetadataError).message).toMatch(c.says)
    })

    it(`accepts the same IdP metadata at exactly ${c.limit}`, () => {
      const parsed = parseIdpMetadata(shapedIdpMetadata(cert, c.at), { now: NOW, entityId: HOSTILE_ENTITY_ID })
      expect(parsed.entityId).toBe(HOSTILE_ENTITY_ID)
      expect(parsed.ssoUrls.redirect).toBe('https://idp.example.test/sso')
    })
  }

  it('accepts every costliest shape the limits let through (what the stall bench posts)', () => {
    for (const [name, make] of Object.entries(hostileMetadataShapes)) {
      const xml = make(cert)
      expect(Buffer.byteLength(xml), name).toBeLessThanOrEqual(L.bytes)
      expect(parseIdpMetadata(xml, { now: NOW }).entityId, name).toBe(HOSTILE_ENTITY_ID)
    }
  })
})
