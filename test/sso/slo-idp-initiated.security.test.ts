/**
 * IdP-initiated single logout at /saml/{ssoName}/slo (DESIGN §10): each attack is refused with its
 * code and changes nothing (the member stays signed in), paired with the same request accepted once
 * the attack is removed (the member is signed out, and the IdP gets our signed Success).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { minutes } from '../../src/core/clock.js'
import { STATUS_REQUESTER, STATUS_SUCCESS } from '../../src/saml/logout-message.js'
import { readRedirectQuery, verifyRedirectSignature } from '../../src/saml/redirect-binding.js'
import { cachedCertificate } from '../../src/saml/certificate.js'
import { browser, type Browser } from '../helpers/browser.js'
import { idpLogoutRequest, isSignedIn, postTo, redirectTo, sentToIdp, setupSloOrg, signInBySso, statusOf, xmlSigned, type SloOrg } from '../helpers/slo.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idp: TestIdp
let stranger: TestIdp
let org: SloOrg
let alice: Browser

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('slo-idp')
  stranger = await createTestIdp('slo-stranger', 'https://stranger.example.test/metadata')
  org = await setupSloOrg(ctx, idp, { slug: 'acme' })
  alice = browser(ctx.app)
  await signInBySso(ctx, alice, idp, org, { email: 'alice@acme.test', sessionIndex: '_s1' })
})
afterEach(() => ctx.close())

const refusals = async () => {
  const log = await operator(ctx, 'GET', `/organizations/${org.slug}/audit-log`)
  return (log.json.data as { action: string; detail: { code?: string } }[]).filter((e) => e.action === 'sso.logout_refused').map((e) => e.detail.code)
}

/** The page refusal of an unauthenticated message: 4xx, the code named, nothing sent to the IdP. */
function expectPageRefusal(res: { statusCode: number; body: string; headers: Record<string, unknown> }, code: string) {
  expect(res.statusCode).toBe(403)
  expect(res.body).toContain(code)
  expect(res.headers.location).toBeUndefined()
}

describe('signature', () => {
  it('refuses an unsigned LogoutRequest by HTTP-Redirect, and changes nothing', async () => {
    const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), null))
    expectPageRefusal(res, 'signature_missing')
    expect(await isSignedIn(alice)).toBe(true)
    expect(await refusals()).toEqual([]) // a stranger's message never writes the audit log
  })

  it('accepts the same LogoutRequest signed over the query string: signed out, and our signed Success goes to the IdP', async () => {
    const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp, 'idp-relay'))
    expect(res.statusCode).toBe(302)
    const answer = sentToIdp(res)
    expect(answer.url.origin + answer.url.pathname).toBe('https://idp.slo.test/slo')
    expect(statusOf(answer.xml)).toBe(STATUS_SUCCESS)
    expect(answer.relayState).toBe('idp-relay')
    // Our query-string signature, checked as the IdP would with our published certificate.
    const sp = await ctx.app.inject({ method: 'GET', url: `/saml/${org.ssoName}/certificate` })
    const query = readRedirectQuery(answer.raw)
    expect('code' in query).toBe(false)
    expect(
      verifyRedirectSignature(query as Exclude<typeof query, { code: string }>, [cachedCertificate(sp.body).publicKey], { allowSha1: false }),
    ).toMatchObject({ ok: true })
    expect(await isSignedIn(alice)).toBe(false)
  })

  it('refuses a LogoutRequest signed by a key the connection does not trust', async () => {
    const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), stranger))
    expectPageRefusal(res, 'signature_invalid')
    expect(await isSignedIn(alice)).toBe(true)
  })

  it('refuses a query signature over other parameters than were sent (RelayState added after signing)', async () => {
    const path = redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp)
    const res = await alice.get(`${path}&RelayState=added`)
    expectPageRefusal(res, 'signature_invalid')
    expect(await isSignedIn(alice)).toBe(true)
  })

  it('refuses an unsigned LogoutRequest by HTTP-POST, and one changed after its XML signature', async () => {
    const xml = idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' })
    expectPageRefusal(await postTo(alice, org, 'SAMLRequest', xml), 'signature_missing')
    const tampered = xmlSigned(idpLogoutRequest(ctx, idp, org, { nameId: 'bob@acme.test' }), idp).replace('bob@acme.test', 'alice@acme.test')
    expectPageRefusal(await postTo(alice, org, 'SAMLRequest', tampered), 'signature_invalid')
    expect(await isSignedIn(alice)).toBe(true)
  })

  it('accepts the LogoutRequest with its XML signature by HTTP-POST, answering by the IdP binding', async () => {
    const res = await postTo(alice, org, 'SAMLRequest', xmlSigned(idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp))
    expect(statusOf(sentToIdp(res).xml)).toBe(STATUS_SUCCESS)
    expect(await isSignedIn(alice)).toBe(false)
  })
})

describe('signature wrapping (XSW)', () => {
  const wrapped = (signedForAlice: string, kind: 'extensions' | 'moved-signature') => {
    // The attacker holds a genuine signed request for alice and wants bob signed out instead.
    const inner = signedForAlice.replace(/^<samlp:LogoutRequest [^>]*?>/, (open) => open.replace(/ xmlns:(samlp|saml)="[^"]+"/g, ''))
    const id = /ID="([^"]+)"/.exec(signedForAlice)![1]!
    const head =
      '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"' +
      ` ID="${kind === 'extensions' ? '_evil' : id}" Version="2.0" IssueInstant="${ctx.clock.now().toISOString()}" Destination="${org.sloUrl}">` +
      `<saml:Issuer>${idp.entityId}</saml:Issuer>`
    if (kind === 'extensions') {
      return `${head}<samlp:Extensions>${inner}</samlp:Extensions><saml:NameID>bob@acme.test</saml:NameID></samlp:LogoutRequest>`
    }
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signedForAlice)![0]
    const unsigned = inner.replace(signature, '').replace(`ID="${id}"`, 'ID="_original"')
    return `${head}${signature}<samlp:Extensions>${unsigned}</samlp:Extensions><saml:NameID>bob@acme.test</saml:NameID></samlp:LogoutRequest>`
  }

  for (const [kind, code] of [
    ['extensions', 'signature_misplaced'],
    ['moved-signature', 'signature_invalid'],
  ] as const) {
    it(`refuses a signed LogoutRequest for alice wrapped to name bob (${kind}): bob stays signed in`, async () => {
      const bob = browser(ctx.app)
      await signInBySso(ctx, bob, idp, org, { email: 'bob@acme.test' })
      const signedForAlice = xmlSigned(idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp)
      expectPageRefusal(await postTo(bob, org, 'SAMLRequest', wrapped(signedForAlice, kind)), code)
      expect(await isSignedIn(bob)).toBe(true)
      expect(await isSignedIn(alice)).toBe(true)
      // The original, unwrapped: accepted, and it signs out alice only.
      await postTo(alice, org, 'SAMLRequest', signedForAlice)
      expect(await isSignedIn(alice)).toBe(false)
      expect(await isSignedIn(bob)).toBe(true)
    })
  }
})

describe('another org', () => {
  it("ends only this org's sessions of that NameID, never another org's that trusts the same IdP", async () => {
    const other = await setupSloOrg(ctx, idp, { slug: 'globex' })
    const inOther = browser(ctx.app)
    await signInBySso(ctx, inOther, idp, other, { email: 'alice@acme.test', sessionIndex: '_s1' })
    const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp))
    expect(statusOf(sentToIdp(res).xml)).toBe(STATUS_SUCCESS)
    expect(await isSignedIn(alice)).toBe(false)
    expect(await isSignedIn(inOther)).toBe(true)
    // The same subject's request at the other org's endpoint (its own Destination) ends that one.
    await inOther.get(redirectTo(other, 'SAMLRequest', idpLogoutRequest(ctx, idp, other, { nameId: 'alice@acme.test' }), idp))
    expect(await isSignedIn(inOther)).toBe(false)
  })

  it("refuses a LogoutRequest signed by another org's IdP for this org's user", async () => {
    await setupSloOrg(ctx, stranger, { slug: 'initech' })
    const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, stranger, org, { nameId: 'alice@acme.test' }), stranger))
    expectPageRefusal(res, 'signature_invalid')
    expect(await isSignedIn(alice)).toBe(true)
  })

  it('ends only the session of the SessionIndex given, and every session of the NameID without one', async () => {
    const laptop = browser(ctx.app)
    await signInBySso(ctx, laptop, idp, org, { email: 'alice@acme.test', sessionIndex: '_s2', addMember: false })
    await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test', sessionIndex: '_s2' }), idp))
    expect(await isSignedIn(laptop)).toBe(false)
    expect(await isSignedIn(alice)).toBe(true)
    await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp))
    expect(await isSignedIn(alice)).toBe(false)
  })
})

describe('signed by the IdP but not for now or not for us: refused with an error status, nothing changes', () => {
  const cases: { name: string; params: Parameters<typeof idpLogoutRequest>[3]; code: string }[] = [
    {
      name: 'addressed to another SP (Destination)',
      params: { nameId: 'alice@acme.test', destination: 'https://other-sp.test/slo' },
      code: 'destination_mismatch',
    },
    { name: 'expired (NotOnOrAfter passed)', params: { nameId: 'alice@acme.test', notOnOrAfter: new Date('2026-11-23T11:50:00Z') }, code: 'expired' },
    {
      name: 'issued long ago (IssueInstant 20 minutes old)',
      params: { nameId: 'alice@acme.test', issueInstant: new Date('2026-11-23T11:40:00Z') },
      code: 'expired',
    },
    {
      name: 'issued in the future (IssueInstant beyond the skew)',
      params: { nameId: 'alice@acme.test', issueInstant: new Date('2026-11-23T12:10:00Z') },
      code: 'not_yet_valid',
    },
    { name: 'from another issuer', params: { nameId: 'alice@acme.test', issuer: 'https://someone-else.test' }, code: 'issuer_mismatch' },
  ]
  for (const c of cases) {
    it(`refuses one ${c.name}`, async () => {
      const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, c.params), idp))
      const answer = sentToIdp(res)
      expect(statusOf(answer.xml)).toBe(STATUS_REQUESTER)
      expect(answer.xml).toContain(c.code)
      expect(await isSignedIn(alice)).toBe(true)
      expect(await refusals()).toEqual([c.code])
    })
  }

  it('accepts one within its validity (NotOnOrAfter ahead, issued a minute ago) addressed to us', async () => {
    ctx.clock.advance(minutes(1))
    const params = { nameId: 'alice@acme.test', issueInstant: new Date('2026-11-23T12:00:00Z'), notOnOrAfter: new Date('2026-11-23T12:05:00Z') }
    const res = await alice.get(redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, params), idp))
    expect(statusOf(sentToIdp(res).xml)).toBe(STATUS_SUCCESS)
    expect(await isSignedIn(alice)).toBe(false)
  })

  it('refuses a replayed LogoutRequest: the member who signed in again stays signed in', async () => {
    const path = redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp)
    expect(statusOf(sentToIdp(await alice.get(path)).xml)).toBe(STATUS_SUCCESS)
    expect(await isSignedIn(alice)).toBe(false)
    await signInBySso(ctx, alice, idp, org, { email: 'alice@acme.test', sessionIndex: '_s1', addMember: false })
    const replay = sentToIdp(await alice.get(path))
    expect(statusOf(replay.xml)).toBe(STATUS_REQUESTER)
    expect(await isSignedIn(alice)).toBe(true)
    expect(await refusals()).toEqual(['logout_request_replayed'])
  })
})
