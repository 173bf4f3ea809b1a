/**
 * Pools of unique responses for the HTTP benchmark. Gatehouse refuses a replayed assertion, so every
 * request needs its own Assertion ID, hence its own signature; signing thousands of 90 KB responses
 * with xml-crypto takes ~50 ms each, far too slow to pre-generate a pool per run.
 *
 * So, as an IdP does: one template is signed by xml-crypto (test/helpers/test-idp.ts), its
 * exclusive-c14n form and canonical SignedInfo are taken once (and checked: the template's own
 * DigestValue and SignatureValue must come out of them), then each response substitutes fresh IDs
 * and a user into the XML and into the canonical forms, recomputes the SHA-256 digest and signs
 * the SignedInfo with RSA-SHA256 (node:crypto). The result is an ordinary enveloped signature over
 * the new content; the caller validates samples with both validators before any run, and the
 * servers' answers during the run (303 vs 403) show that every one is accepted.
 */
import { createHash, createPrivateKey, randomBytes, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto'
import { DOMParser, type Element } from '@xmldom/xmldom'
import { exclusiveC14n } from '../../src/saml/c14n.js'
import { encryptAssertion, toBase64, type TestIdp } from '../../test/helpers/test-idp.js'
import { makeResponseXml, type FixtureKind, type Sp } from './fixtures.js'

const DS = 'http://www.w3.org/2000/09/xmldsig#'
const T = { response: '_rTEMPLATERESPONSEID', assertion: '_aTEMPLATEASSERTIONID', session: '_sTEMPLATESESSIONINDEX', user: 'TEMPLATEUSER' }

function child(parent: Element, ns: string, name: string): Element {
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === ns) return n as Element
  }
  throw new Error(`template: no ${name} in ${parent.localName}`)
}

const text = (el: Element) => (el.textContent ?? '').replace(/\s+/g, '')

/** How many users the bodies of a pool cycle over, unless told otherwise. */
export const POOL_USERS = 1000

export interface ResponsePool {
  /** `count` URL-encoded form bodies (SAMLResponse=…), each with unique IDs, users cycling over `users`. */
  bodies(count: number, options?: { users?: number; userOffset?: number }): Promise<Buffer[]>
  /** One base64 SAMLResponse, for spot checks. */
  one(user: number): Promise<string>
}

export async function responsePool(kind: FixtureKind, idp: TestIdp, sp: Sp): Promise<ResponsePool> {
  const encrypted = kind === 'encrypted'
  const template = await makeResponseXml(encrypted ? 'small' : kind, {
    idp,
    sp,
    user: T.user,
    ids: { response: T.response, assertion: T.assertion, session: T.session },
  })
  const doc = new DOMParser().parseFromString(template, 'text/xml')
  const assertion = child(doc.documentElement!, 'urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')
  const signature = child(assertion, DS, 'Signature')
  const signedInfo = child(signature, DS, 'SignedInfo')
  const digestValue = text(child(child(signedInfo, DS, 'Reference'), DS, 'DigestValue'))
  const signatureValue = text(child(signature, DS, 'SignatureValue'))

  const unsigned = assertion.cloneNode(true) as Element
  unsigned.removeChild(child(unsigned, DS, 'Signature'))
  const canonicalAssertion = exclusiveC14n(unsigned)
  const canonicalSignedInfo = exclusiveC14n(signedInfo, [{ prefix: 'ds', namespaceURI: DS }])
  if (createHash('sha256').update(canonicalAssertion).digest('base64') !== digestValue)
    throw new Error('template: canonical assertion does not reproduce the digest')
  if (!rsaVerify('sha256', Buffer.from(canonicalSignedInfo), idp.certificate.publicKey, Buffer.from(signatureValue, 'base64'))) {
    throw new Error('template: canonical SignedInfo does not reproduce the signature')
  }
  for (const [name, token] of Object.entries(T)) {
    if (!template.includes(token)) throw new Error(`template: ${name} token missing`)
  }
  if (template.split(digestValue).length !== 2 || template.split(signatureValue).length !== 2) throw new Error('template: digest or signature value not unique')

  const key: KeyObject = createPrivateKey(idp.privateKeyPem)
  let serial = 0

  const fill = (s: string, ids: typeof T) =>
    s.replaceAll(T.response, ids.response).replaceAll(T.assertion, ids.assertion).replaceAll(T.session, ids.session).replaceAll(T.user, ids.user)

  async function oneXml(user: number): Promise<string> {
    const unique = `${(serial++).toString(36)}${randomBytes(10).toString('hex')}`
    const ids = { response: `_r${unique}`, assertion: `_a${unique}`, session: `_s${unique}`, user: String(user) }
    const digest = createHash('sha256').update(fill(canonicalAssertion, ids)).digest('base64')
    const si = fill(canonicalSignedInfo, ids).replace(digestValue, digest)
    const sig = rsaSign('sha256', Buffer.from(si), key).toString('base64')
    const xml = fill(template, ids).replace(digestValue, digest).replace(signatureValue, sig)
    return encrypted ? encryptAssertion(xml, sp.certificatePem, { content: 'aes256-gcm', keyTransport: 'rsa-oaep-mgf1p' }) : xml
  }

  return {
    one: async (user) => toBase64(await oneXml(user)),
    bodies: async (count, options = {}) => {
      const users = options.users ?? POOL_USERS
      const offset = options.userOffset ?? 0
      const out: Buffer[] = []
      for (let i = 0; i < count; i++) {
        out.push(Buffer.from(`SAMLResponse=${encodeURIComponent(toBase64(await oneXml((offset + i) % users)))}`))
      }
      return out
    },
  }
}
