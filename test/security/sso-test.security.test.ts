/**
 * Test SSO under attack (security review): a response that reaches a test can never be replayed as a
 * sign-in, whatever it answers; a pass counts for enabling only when the configuration that checked
 * the response is the one the test was started for.
 */
import { inflateRawSync } from 'node:zlib'
import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { addMember, idpNavigation, setupSsoOrg, startSso, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { buildResponse, createTestIdp, sign, toBase64, type TestIdp } from '../helpers/test-idp.js'
import { OWNER, PASSWORD, signedIn } from '../http/support.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg
let owner: Browser

const MEMBER_EMAIL = 'mia@acme.test'

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('sec-test')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', enable: false })
  expect(
    (await operator(ctx, 'POST', '/organizations/acme/members', { email: OWNER, firstName: 'O', lastName: 'W', role: 'owner', password: PASSWORD })).status,
  ).toBe(201)
  await addMember(ctx, 'acme', MEMBER_EMAIL)
  owner = await signedIn(ctx, OWNER)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

async function startTest(): Promise<{ requestId: string; relayState: string }> {
  await owner.get('/orgs/acme/sso')
  const res = await owner.post('/orgs/acme/sso/test', {})
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
  const location = new URL(idpNavigation(res))
  const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8')
  return { requestId: /ID="([^"]+)"/.exec(xml)![1]!, relayState: location.searchParams.get('RelayState')! }
}

function answer(inResponseTo: string | null, signer: TestIdp = idp): string {
  const xml = buildResponse({ issuer: idp.entityId, acsUrl: org.acsUrl, audience: org.entityId, now: ctx.clock.now(), inResponseTo, nameId: MEMBER_EMAIL })
  return sign(xml, 'assertion', signer)
}

/** The IdP's cross-site POST: no cookies. */
function postAcs(xml: string, relayState?: string): Promise<LightMyRequestResponse> {
  return ctx.app.inject({
    method: 'POST',
    url: '/saml/acme/acs',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ SAMLResponse: toBase64(xml), ...(relayState === undefined ? {} : { RelayState: relayState }) }).toString(),
  })
}

const sessionCookie = (res: LightMyRequestResponse) => res.cookies.find((c: { name: string }) => c.name === 'gh_session')

describe('a response that reaches a test but answers another request', () => {
  it("is refused as a test and can no longer sign anyone in (its XML is on the owner's result page)", async () => {
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    // A member's real sign-in request, and a test of the owner's; the member's answer arrives with the test's RelayState.
    const member = browser(ctx.app)
    const real = await startSso(member, 'acme')
    const test = await startTest()
    const response = answer(real.requestId)
    const tested = await postAcs(response, test.relayState)
    expect(tested.statusCode).toBe(303)
    expect(sessionCookie(tested)).toBeUndefined()
    const page = await owner.get(String(tested.headers.location))
    expect(page.body).toContain('Failed: in_response_to_mismatch')
    expect(page.body).toContain('SignatureValue')

    // Replayed as the sign-in it answers: refused, the assertion is spent.
    const replay = await postAcs(response, real.relayState)
    expect(replay.statusCode).toBe(403)
    expect(sessionCookie(replay)).toBeUndefined()
    const audit = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(audit.json.data.find((e: { action: string }) => e.action === 'sso.sign_in_failed')).toMatchObject({ detail: { code: 'assertion_replayed' } })
  })

  it('leaves a fresh response to a real request signing the member in', async () => {
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const member = browser(ctx.app)
    const real = await startSso(member, 'acme')
    await startTest()
    const res = await postAcs(answer(real.requestId), real.relayState)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard')
    expect(sessionCookie(res)?.value).toBeTruthy()
  })
})

describe('a pass counts for the configuration that checked it', () => {
  it('is not a pass when the IdP configuration changed between the start and the answer', async () => {
    const test = await startTest()
    // Another certificate (and signer) configured while the IdP had the test's request.
    const other = await createTestIdp('sec-test-other', idp.entityId)
    expect(
      (
        await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
          ssoUrl: 'https://acme.idp.test/sso',
          entityId: idp.entityId,
          certificates: [other.certificatePem],
          signatureAlgorithm: 'rsa-sha256',
        })
      ).status,
    ).toBe(200)
    const res = await postAcs(answer(test.requestId, other), test.relayState)
    const page = await owner.get(String(res.headers.location))
    expect(page.body).toContain('Failed: idp_configuration_changed')
    // Back to the configuration the test was started for: it was never checked, so enabling stays refused.
    expect(
      (
        await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
          ssoUrl: 'https://acme.idp.test/sso',
          entityId: idp.entityId,
          certificates: [idp.certificatePem],
          signatureAlgorithm: 'rsa-sha256',
        })
      ).status,
    ).toBe(200)
    await owner.get('/orgs/acme/sso')
    const enable = await owner.post('/orgs/acme/sso/enable', {})
    expect(enable.statusCode).toBe(409)
    expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.enabled).toBe(false)
  })

  it('is a pass, and enables, when the configuration is unchanged', async () => {
    const test = await startTest()
    const res = await postAcs(answer(test.requestId), test.relayState)
    const page = await owner.get(String(res.headers.location))
    expect(page.body).toContain('Success')
    await owner.get('/orgs/acme/sso')
    const enable = await owner.post('/orgs/acme/sso/enable', {})
    expect(enable.statusCode).toBe(303)
    expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.enabled).toBe(true)
  })
})
