/**
 * The AuthnRequest we send (buildAuthnRequest + the HTTP-Redirect binding), its signature verified
 * over the exact octets sent, as a strict IdP does. Metadata in and out is in metadata.test.ts.
 */
import { verify, X509Certificate } from 'node:crypto'
import { inflateRawSync } from 'node:zlib'
import { DOMParser, type Element } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildAuthnRequest, postBindingFields, redirectBindingUrl, SIG_ALG_RSA_SHA256 } from '../../src/saml/authn-request.js'
import { BINDING_POST } from '../../src/saml/idp-metadata.js'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import { NS } from '../../src/saml/xml.js'

const NOW = new Date('2026-01-01T00:00:00Z')
const SSO_URL = 'https://idp.example.test/sso'
const SP_ENTITY_ID = 'https://gatehouse.example.test/saml/acme'
const ACS_URL = 'https://gatehouse.example.test/saml/acme/acs'

let spCurrent: KeyPair
let spNext: KeyPair

beforeAll(async () => {
  ;[spCurrent, spNext] = await Promise.all([
    generateKeyPair({ commonName: 'Gatehouse SP', notBefore: new Date('2025-06-01T00:00:00Z'), years: 5 }),
    generateKeyPair({ commonName: 'Gatehouse SP next', notBefore: new Date('2025-12-01T00:00:00Z'), years: 5 }),
  ])
})

const REQUEST_ID = '_9c1e8b8a3f0d4e2b9a7c6d5e4f3a2b1c0d9e8f7a'

/** The query of a URL as raw `name=value` pairs, exactly as sent (no decoding). */
function rawQuery(url: string): [string, string][] {
  return url
    .slice(url.indexOf('?') + 1)
    .split('&')
    .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as [string, string])
}

/** What an IdP does with a signed HTTP-Redirect request (bindings §3.4.4.1): verify over the octets as received. */
function verifyRedirectSignature(url: string, certificatePem: string): boolean {
  const query = rawQuery(url)
  const raw = (name: string) => query.find(([n]) => n === name)?.[1]
  const signedOctets = ['SAMLRequest', 'RelayState', 'SigAlg']
    .filter((n) => raw(n) !== undefined)
    .map((n) => `${n}=${raw(n)}`)
    .join('&')
  if (decodeURIComponent(raw('SigAlg') ?? '') !== SIG_ALG_RSA_SHA256) return false
  return verify(
    'sha256',
    Buffer.from(signedOctets, 'utf8'),
    new X509Certificate(certificatePem).publicKey,
    Buffer.from(decodeURIComponent(raw('Signature') ?? ''), 'base64'),
  )
}

function requestFromUrl(url: string): Element {
  const deflated = Buffer.from(new URL(url).searchParams.get('SAMLRequest')!, 'base64')
  return new DOMParser().parseFromString(inflateRawSync(deflated).toString('utf8'), 'text/xml').documentElement!
}

describe('AuthnRequest over HTTP-Redirect', () => {
  const request = () => buildAuthnRequest({ id: REQUEST_ID, issueInstant: NOW, destination: SSO_URL, acsUrl: ACS_URL, spEntityId: SP_ENTITY_ID })

  it('inflates back to our request: ID, Destination, ACS URL, Issuer, POST binding', () => {
    const url = redirectBindingUrl(SSO_URL, request(), 'opaque-token')
    expect(url.startsWith(`${SSO_URL}?SAMLRequest=`)).toBe(true)
    const el = requestFromUrl(url)
    expect([el.namespaceURI, el.localName]).toEqual([NS.protocol, 'AuthnRequest'])
    expect({
      id: el.getAttribute('ID'),
      version: el.getAttribute('Version'),
      issueInstant: el.getAttribute('IssueInstant'),
      destination: el.getAttribute('Destination'),
      acs: el.getAttribute('AssertionConsumerServiceURL'),
      binding: el.getAttribute('ProtocolBinding'),
      issuer: el.getElementsByTagNameNS(NS.assertion, 'Issuer')[0]!.textContent,
    }).toEqual({
      id: REQUEST_ID,
      version: '2.0',
      issueInstant: '2026-01-01T00:00:00Z',
      destination: SSO_URL,
      acs: ACS_URL,
      binding: BINDING_POST,
      issuer: SP_ENTITY_ID,
    })
    expect(new URL(url).searchParams.get('RelayState')).toBe('opaque-token')
    expect(new URL(url).searchParams.has('Signature')).toBe(false)
  })

  it('asks for ForceAuthn only when told to', () => {
    const forced = buildAuthnRequest({ id: REQUEST_ID, issueInstant: NOW, destination: SSO_URL, acsUrl: ACS_URL, spEntityId: SP_ENTITY_ID, forceAuthn: true })
    expect(requestFromUrl(redirectBindingUrl(SSO_URL, forced, undefined)).getAttribute('ForceAuthn')).toBe('true')
    expect(requestFromUrl(redirectBindingUrl(SSO_URL, request(), undefined)).hasAttribute('ForceAuthn')).toBe(false)
  })

  const relayStates = [
    { relayState: 'opaque-token-4f3a2b1c', note: 'an opaque token' },
    { relayState: "a b~c'd!e(f)g*h", note: "spaces and ~ ' ! ( ) *" },
    { relayState: 'ü/é?&=+%20#', note: 'non-ASCII and URL delimiters' },
    { relayState: undefined, note: 'no RelayState' },
  ]
  for (const r of relayStates) {
    it(`signs exactly the SAMLRequest&RelayState&SigAlg octets it sends, with ${r.note}`, () => {
      const url = redirectBindingUrl(SSO_URL, request(), r.relayState, { privateKey: spCurrent.privateKeyPem })
      expect(rawQuery(url).map(([n]) => n)).toEqual(
        r.relayState === undefined ? ['SAMLRequest', 'SigAlg', 'Signature'] : ['SAMLRequest', 'RelayState', 'SigAlg', 'Signature'],
      )
      expect(verifyRedirectSignature(url, spCurrent.certificatePem)).toBe(true)
      // The IdP decodes back what we meant, and re-encoding it strictly gives the octets we signed.
      const params = new URL(url).searchParams
      expect(params.get('RelayState') ?? undefined).toBe(r.relayState)
      if (r.relayState !== undefined) expect(rawQuery(url).find(([n]) => n === 'RelayState')![1]).toBe(encodeURIComponent(r.relayState))
    })
    it(`fails verification when the RelayState is changed after signing, with ${r.note}`, () => {
      const url = redirectBindingUrl(SSO_URL, request(), r.relayState ?? 'x', { privateKey: spCurrent.privateKeyPem })
      const tampered = url.replace(/RelayState=[^&]*/, 'RelayState=attacker')
      expect(verifyRedirectSignature(tampered, spCurrent.certificatePem)).toBe(false)
    })
  }

  it("fails verification with another key's certificate", () => {
    const url = redirectBindingUrl(SSO_URL, request(), 'token', { privateKey: spCurrent.privateKeyPem })
    expect(verifyRedirectSignature(url, spNext.certificatePem)).toBe(false)
    expect(verifyRedirectSignature(url, spCurrent.certificatePem)).toBe(true)
  })

  it("keeps an SSO URL's own query out of the signed octets", () => {
    const url = redirectBindingUrl(`${SSO_URL}?tenant=acme`, request(), 'token', { privateKey: spCurrent.privateKeyPem })
    expect(url.startsWith(`${SSO_URL}?tenant=acme&SAMLRequest=`)).toBe(true)
    expect(verifyRedirectSignature(url, spCurrent.certificatePem)).toBe(true)
  })

  it('puts the same request in HTTP-POST fields, base64 without deflate', () => {
    const fields = postBindingFields(request(), 'token')
    expect(Buffer.from(fields.SAMLRequest!, 'base64').toString('utf8')).toBe(request())
    expect(fields.RelayState).toBe('token')
  })
})
