/**
 * SP-initiated single logout (DESIGN §10): the sign-out ends the local session first, then sends a
 * signed LogoutRequest naming the sign-in's NameID and SessionIndex to the IdP's SLO endpoint
 * (HTTP-Redirect, or HTTP-POST where the IdP offers only that); the IdP's LogoutResponse is checked.
 * Attacks (a response to a request never sent, an unsigned one, RelayState as an open redirect) are
 * paired with the accepted original.
 */
import { createVerify } from 'node:crypto'
import { DOMParser } from '@xmldom/xmldom'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cachedCertificate } from '../../src/saml/certificate.js'
import { STATUS_SUCCESS } from '../../src/saml/logout-message.js'
import { readRedirectQuery, verifyRedirectSignature } from '../../src/saml/redirect-binding.js'
import { verifyEnvelopedSignature } from '../../src/saml/verify-signature.js'
import { browser, type Browser } from '../helpers/browser.js'
import {
  EMAIL_FORMAT,
  IDP_SLO_URL,
  idpLogoutRequest,
  idpLogoutResponse,
  isSignedIn,
  postTo,
  redirectTo,
  sentToIdp,
  setupSloOrg,
  signInBySso,
  xmlSigned,
  type SloOrg,
} from '../helpers/slo.js'
import { setupSsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idp: TestIdp
let alice: Browser

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('slo-idp')
  alice = browser(ctx.app)
})
afterEach(() => ctx.close())

const spCertificate = async (org: SloOrg) => cachedCertificate((await ctx.app.inject({ method: 'GET', url: `/saml/${org.ssoName}/certificate` })).body)
const signOut = async (b: Browser) => b.submit('/logout', '/logout', {})
const requestId = (xml: string) => /\bID="([^"]+)"/.exec(xml)![1]!

async function signedInOrg(bindings: readonly ('redirect' | 'post')[] = ['redirect', 'post']): Promise<SloOrg> {
  const org = await setupSloOrg(ctx, idp, { slug: 'acme', bindings })
  await signInBySso(ctx, alice, idp, org, { email: 'alice@acme.test', sessionIndex: '_idp-session-7' })
  return org
}

describe('the LogoutRequest', () => {
  it('ends the local session first, then sends a query-signed LogoutRequest with the NameID and SessionIndex of the sign-in', async () => {
    const org = await signedInOrg()
    const res = await signOut(alice)
    expect(await isSignedIn(alice)).toBe(false) // before the IdP has said anything
    const sent = sentToIdp(res)
    expect(sent.binding).toBe('redirect')
    expect(sent.url.origin + sent.url.pathname).toBe(IDP_SLO_URL)
    expect(sent.xml).toContain(`Destination="${IDP_SLO_URL}"`)
    expect(sent.xml).toContain(`<saml:Issuer>${org.entityId}</saml:Issuer>`)
    expect(sent.xml).toContain(`<saml:NameID Format="${EMAIL_FORMAT}">alice@acme.test</saml:NameID>`)
    expect(sent.xml).toContain('<samlp:SessionIndex>_idp-session-7</samlp:SessionIndex>')
    const query = readRedirectQuery(sent.raw)
    if ('code' in query) throw new Error(query.code)
    expect(verifyRedirectSignature(query, [(await spCertificate(org)).publicKey], { allowSha1: false })).toEqual({ ok: true, sha1: false })
  })

  it('posts an XML-signed LogoutRequest where the IdP offers only HTTP-POST', async () => {
    const org = await signedInOrg(['post'])
    const sent = sentToIdp(await signOut(alice))
    expect(sent.binding).toBe('post')
    expect(sent.url.toString()).toBe(IDP_SLO_URL)
    const root = new DOMParser().parseFromString(sent.xml, 'text/xml').documentElement!
    const signature = Array.from(root.childNodes).find((n) => (n as { localName?: string }).localName === 'Signature')
    expect(verifyEnvelopedSignature(root, signature as never, [(await spCertificate(org)).publicKey], { allowSha1: false })).toMatchObject({
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    })
  })

  it('signs out locally only, with no message, when the IdP has no SLO endpoint or the session was not SSO', async () => {
    const org = await setupSsoOrg(ctx, idp, { slug: 'plain' })
    await signInBySso(ctx, alice, idp, org, { email: 'alice@plain.test' })
    expect((await operator(ctx, 'GET', '/organizations/plain/sso')).json.idp.sloUrl).toBeNull()
    const res = await signOut(alice)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/login?notice=signed-out')
    expect(await isSignedIn(alice)).toBe(false)
    const password = browser(ctx.app)
    await operator(ctx, 'POST', '/organizations/plain/members', {
      email: 'pat@plain.test',
      firstName: 'P',
      lastName: 'W',
      role: 'member',
      password: 'correct horse battery',
    })
    await password.submit('/login', '/login', { email: 'pat@plain.test', password: 'correct horse battery' })
    expect(await isSignedIn(password)).toBe(true)
    expect((await signOut(password)).headers.location).toBe('/login?notice=signed-out')
  })
})

describe('the LogoutResponse', () => {
  it('lands on the signed-out page saying the IdP session ended too', async () => {
    const org = await signedInOrg()
    const id = requestId(sentToIdp(await signOut(alice)).xml)
    const res = await alice.get(redirectTo(org, 'SAMLResponse', idpLogoutResponse(ctx, idp, org, id), idp))
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/login?notice=signed-out-idp')
    expect((await alice.get('/login?notice=signed-out-idp')).body).toContain('and of your identity provider')
  })

  it('says the IdP did not confirm when its status is not Success (and the local session stays ended)', async () => {
    const org = await signedInOrg()
    const id = requestId(sentToIdp(await signOut(alice)).xml)
    const xml = idpLogoutResponse(ctx, idp, org, id, 'urn:oasis:names:tc:SAML:2.0:status:Responder')
    const res = await postTo(alice, org, 'SAMLResponse', xmlSigned(xml, idp))
    expect(res.headers.location).toBe('/login?notice=signed-out-idp-failed')
    expect(await isSignedIn(alice)).toBe(false)
  })

  it('refuses a LogoutResponse to a request never sent, and accepts the one to ours', async () => {
    const org = await signedInOrg()
    const id = requestId(sentToIdp(await signOut(alice)).xml)
    const forged = await alice.get(redirectTo(org, 'SAMLResponse', idpLogoutResponse(ctx, idp, org, '_never-sent'), idp))
    expect(forged.statusCode).toBe(403)
    expect(forged.body).toContain('request_unknown')
    const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(log.json.data.find((e: { action: string }) => e.action === 'sso.logout_refused')?.detail).toMatchObject({ code: 'request_unknown' })
    const ours = await alice.get(redirectTo(org, 'SAMLResponse', idpLogoutResponse(ctx, idp, org, id), idp))
    expect(ours.headers.location).toBe('/login?notice=signed-out-idp')
    // Used once: the same answer again is a response to a request no longer outstanding.
    expect((await alice.get(redirectTo(org, 'SAMLResponse', idpLogoutResponse(ctx, idp, org, id), idp))).statusCode).toBe(403)
  })

  it('refuses an unsigned LogoutResponse, and one signed by another key', async () => {
    const org = await signedInOrg()
    const id = requestId(sentToIdp(await signOut(alice)).xml)
    const other = await createTestIdp('slo-other')
    for (const signer of [null, other]) {
      const res = await alice.get(redirectTo(org, 'SAMLResponse', idpLogoutResponse(ctx, idp, org, id), signer))
      expect(res.statusCode).toBe(403)
      expect(res.body).toContain(signer === null ? 'signature_missing' : 'signature_invalid')
    }
    expect((await alice.get(redirectTo(org, 'SAMLResponse', idpLogoutResponse(ctx, idp, org, id), idp))).headers.location).toBe('/login?notice=signed-out-idp')
  })

  it('never follows RelayState: an absolute URL there still lands on our own signed-out page', async () => {
    const org = await signedInOrg()
    for (const relayState of ['https://evil.example/phish', '//evil.example', '/dashboard']) {
      await signInBySso(ctx, alice, idp, org, { email: 'alice@acme.test', addMember: false })
      const id = requestId(sentToIdp(await signOut(alice)).xml)
      const res = await alice.get(redirectTo(org, 'SAMLResponse', idpLogoutResponse(ctx, idp, org, id), idp, relayState))
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe('/login?notice=signed-out-idp')
    }
  })

  it('echoes the RelayState of an IdP-initiated request only to the IdP SLO endpoint, never elsewhere', async () => {
    const org = await signedInOrg()
    const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp, 'https://evil.example/'))
    const answer = sentToIdp(res)
    expect(answer.url.origin + answer.url.pathname).toBe(IDP_SLO_URL)
    expect(answer.relayState).toBe('https://evil.example/')
    expect(answer.xml).toContain(STATUS_SUCCESS)
  })

  it('answers IdP-initiated requests at its ResponseLocation when metadata names one', async () => {
    const org = await setupSloOrg(ctx, idp, { slug: 'acme', bindings: ['redirect'], responseUrl: 'https://idp.slo.test/slo/response' })
    await signInBySso(ctx, alice, idp, org, { email: 'alice@acme.test' })
    const answer = sentToIdp(await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp)))
    expect(answer.url.origin + answer.url.pathname).toBe('https://idp.slo.test/slo/response')
    expect(answer.xml).toContain('Destination="https://idp.slo.test/slo/response"')
    // And our LogoutRequest still goes to its Location.
    await signInBySso(ctx, alice, idp, org, { email: 'alice@acme.test', addMember: false })
    expect(sentToIdp(await signOut(alice)).url.pathname).toBe('/slo')
  })
})

it('the signature of our LogoutRequest is over exactly the query string sent', async () => {
  const org = await signedInOrg()
  const sent = sentToIdp(await signOut(alice))
  const raw = sent.raw.slice(sent.raw.indexOf('?') + 1)
  const [signed, signature] = raw.split('&Signature=')
  const ok = createVerify('RSA-SHA256')
    .update(signed!)
    .verify((await spCertificate(org)).publicKey, Buffer.from(decodeURIComponent(signature!), 'base64'))
  expect(ok).toBe(true)
})
