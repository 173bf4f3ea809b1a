/**
 * Arbitrary single logout input at /saml/{ssoName}/slo (fast-check), by HTTP-Redirect and HTTP-POST:
 * every answer is under 500 and the signed-in member stays signed in. A signed LogoutRequest with any
 * of its signed octets changed (message, RelayState, SigAlg) is refused the same way; the same request
 * unchanged signs the member out.
 */
import { deflateRawSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { idpLogoutRequest, isSignedIn, redirectTo, setupSloOrg, signInBySso, xmlSigned, type SloOrg } from '../helpers/slo.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

/** Runs per property: each is a real request, kept to seconds on a shared machine. */
const RUNS = 150

let ctx: TestContext
let idp: TestIdp
let org: SloOrg
let alice: Browser
beforeAll(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('slo-fuzz')
  org = await setupSloOrg(ctx, idp, { slug: 'acme' })
  alice = browser(ctx.app)
  await signInBySso(ctx, alice, idp, org, { email: 'alice@acme.test', sessionIndex: '_s1' })
}, 30_000)
afterAll(() => ctx.close())

const signedRequestUrl = (relayState?: string) =>
  redirectTo(org, 'SAMLRequest', idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp, relayState)

/** Base64 of raw DEFLATE of text (what a Redirect message is), of XML-ish text or of a real request's XML with a change. */
const deflated = (text: string) => deflateRawSync(Buffer.from(text, 'utf8')).toString('base64')
const xmlish = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '<!DOCTYPE x [<!ENTITY a "b">]><x/>',
    '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
    '<a><b></a>',
    '\uFEFF<x/>',
  ),
  fc.nat({ max: 400 }).map((at) => {
    const xml = xmlSigned(idpLogoutRequest(ctx, idp, org, { nameId: 'alice@acme.test' }), idp)
    return `${xml.slice(0, at)}<x/>${xml.slice(at)}`
  }),
)
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '+', '=', '', '__proto__', 'constructor', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', 'AAAA', '===='),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  xmlish.map(deflated),
  xmlish.map((x) => Buffer.from(x).toString('base64')),
)
const name = fc.constantFrom('SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature', 'samlrequest', '__proto__', 'SAMLRequest[]', '')
const pairs = fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 5 })
/** Pairs as a query or form string, each value encoded or (sometimes) raw. */
const encoded = (list: readonly (readonly [string, string, boolean])[]) =>
  list.map(([n, v, raw]) => `${n}=${raw ? v : encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, ''))}`).join('&')

describe('single logout input', () => {
  it('answers any Redirect query under 500 and signs no one out', async () => {
    await fc.assert(
      fc.asyncProperty(pairs, async (list) => {
        const url = `/saml/${org.ssoName}/slo?${encoded(list)}`
        expect((await alice.get(url)).statusCode, url).toBeLessThan(500)
        expect(await isSignedIn(alice), url).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('answers any POST form under 500 and signs no one out', async () => {
    await fc.assert(
      fc.asyncProperty(pairs, async (list) => {
        const payload = encoded(list)
        const res = await ctx.app.inject({
          method: 'POST',
          url: `/saml/${org.ssoName}/slo`,
          payload,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
        expect(res.statusCode, payload).toBeLessThan(500)
        expect(await isSignedIn(alice), payload).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('refuses a signed LogoutRequest whose signed octets were changed anywhere, signing no one out', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('SAMLRequest', 'RelayState', 'SigAlg'),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 3 }),
        async (target, at, insert) => {
          const url = signedRequestUrl('relay')
          const start = url.indexOf(`${target}=`) + target.length + 1
          const end = url.indexOf('&', start)
          const raw = url.slice(start, end)
          const offset = at % (raw.length + 1)
          const changed = `${url.slice(0, start)}${raw.slice(0, offset)}${encodeURIComponent(insert.replace(/[\uD800-\uDFFF]/g, 'x'))}${raw.slice(offset)}${url.slice(end)}`
          const res = await alice.get(changed)
          expect(res.statusCode, changed).toBeGreaterThanOrEqual(400)
          expect(res.statusCode, changed).toBeLessThan(500)
          expect(await isSignedIn(alice), changed).toBe(true)
        },
      ),
      { numRuns: RUNS },
    )
    // The same request, unchanged, signs Alice out.
    const accepted = await alice.get(signedRequestUrl('relay'))
    expect(accepted.statusCode).toBeLessThan(400)
    expect(await isSignedIn(alice)).toBe(false)
  })
})
