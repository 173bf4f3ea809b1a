/**
 * Test SSO (DESIGN §2 step 5, issue 5 item 10) and the enable gate (item 11): the owner runs the
 * real SP-initiated flow in test mode; nobody is signed in or provisioned; the result is for that
 * owner's session only; enabling needs a passing test of the current IdP configuration.
 */
import { inflateRawSync } from 'node:zlib'
import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SAML_FAILURE_CODES } from '../../src/saml/failure.js'
import { FIX_IT_HINTS } from '../../src/core/sso-test-hints.js'
import { encryptAssertion } from '../../src/saml/encrypt-assertion.js'
import { generateKeyPair } from '../../src/saml/key-pair.js'
import { browser, type Browser } from '../helpers/browser.js'
import { idpNavigation, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { buildResponse, createTestIdp, sign, toBase64, type ResponseParams, type TestIdp } from '../helpers/test-idp.js'
import { ADMIN, OWNER, PASSWORD, refusalCode, signedIn } from '../http/support.js'
import { createDirectory, createScimUsers, oktaGroup, scim } from '../directory/support.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg
let owner: Browser

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('sso-test')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', enable: false, policy: { provisioning: 'just-in-time' } })
  for (const [email, role] of [
    [OWNER, 'owner'],
    [ADMIN, 'admin'],
  ] as const) {
    expect((await operator(ctx, 'POST', '/organizations/acme/members', { email, firstName: 'T', lastName: 'U', role, password: PASSWORD })).status).toBe(201)
  }
  owner = await signedIn(ctx, OWNER)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** The tracer's text as a reader sees it: tags of the page removed, entities decoded. */
function traceText(html: string): string {
  const pre = /<pre class="xml"[^>]*>([\s\S]*?)<\/pre>/.exec(html)![1]!
  return pre
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

interface Started {
  readonly requestId: string
  readonly relayState: string
}

/** Presses "Test SSO" on the SSO page: the redirect to the IdP carries an AuthnRequest and a RelayState. */
async function startTest(b: Browser = owner): Promise<Started> {
  await b.get('/orgs/acme/sso')
  const res = await b.post('/orgs/acme/sso/test', {})
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
  const location = new URL(idpNavigation(res))
  expect(location.origin).toBe('https://acme.idp.test')
  const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8')
  return { requestId: /ID="([^"]+)"/.exec(xml)![1]!, relayState: location.searchParams.get('RelayState')! }
}

function answer(
  started: Started | undefined,
  params: Partial<ResponseParams> = {},
  signer: TestIdp = idp,
  algorithm: 'rsa-sha256' | 'rsa-sha1' = 'rsa-sha256',
): string {
  const xml = buildResponse({
    issuer: idp.entityId,
    acsUrl: org.acsUrl,
    audience: org.entityId,
    now: ctx.clock.now(),
    inResponseTo: started?.requestId ?? null,
    nameId: 'newcomer@acme.test',
    attributes: { first_name: ['Nova'], last_name: ['Newcomer'], groups: ['Engineering', 'Admins'] },
    ...params,
  })
  return sign(xml, 'assertion', { ...signer, algorithm })
}

/** The IdP's cross-site POST to the ACS: no cookies come with it (SameSite=Lax). */
function postAcs(xml: string, relayState?: string): Promise<LightMyRequestResponse> {
  return ctx.app.inject({
    method: 'POST',
    url: '/saml/acme/acs',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ SAMLResponse: toBase64(xml), ...(relayState === undefined ? {} : { RelayState: relayState }) }).toString(),
  })
}

async function count(table: 'sessions' | 'users' | 'members'): Promise<number> {
  return (
    (
      await ctx.runtime.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n * 1
  )
}

async function runTest(params: Partial<ResponseParams> = {}, signer: TestIdp = idp): Promise<{ resultUrl: string; page: LightMyRequestResponse }> {
  const started = await startTest()
  const res = await postAcs(answer(started, params, signer), started.relayState)
  expect(res.statusCode).toBe(303)
  const resultUrl = String(res.headers.location)
  expect(resultUrl).toMatch(/^\/orgs\/acme\/sso\/tests\/[0-9a-f-]{36}$/)
  expect(res.cookies.find((c: { name: string }) => c.name === 'gh_session')).toBeUndefined()
  return { resultUrl, page: await owner.get(resultUrl) }
}

describe('a test run', () => {
  it('shows success, NameID, attributes, roles and the decoded response, and signs nobody in or up', async () => {
    const before = { sessions: await count('sessions'), users: await count('users'), members: await count('members') }
    const { page } = await runTest()
    expect(page.statusCode).toBe(200)
    expect(page.headers['cache-control']).toBe('no-store')
    expect(page.body).toContain('Success')
    expect(page.body).toContain('newcomer@acme.test')
    expect(page.body).toContain('create this member (just-in-time provisioning)')
    expect(page.body).toContain('<code>first_name</code>')
    expect(page.body).toContain('Nova')
    expect(page.body).toContain('Engineering')
    // The decoded response, pretty-printed (escaped in the page), with the signature.
    expect(traceText(page.body)).toMatch(/^<saml2p:Response [^\n]*\n {2}<saml2:Issuer[^\n]*>https:\/\/sso-test\.example\.test\/metadata<\/saml2:Issuer>\n/)
    expect(page.body).not.toContain('class="line failed"')
    expect(page.body).toContain('SignatureValue')
    expect({ sessions: await count('sessions'), users: await count('users'), members: await count('members') }).toEqual(before)
    const audit = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(audit.json.data.find((e: { action: string }) => e.action === 'sso.tested')).toMatchObject({ detail: { passed: true, nameId: 'newcomer@acme.test' } })
  })

  it('shows the failed check with a fix-it hint, and the response, when the IdP signs with another key', async () => {
    const stranger = await createTestIdp('sso-test-stranger')
    const { page } = await runTest({}, stranger)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Failed: signature_invalid')
    expect(page.body).toContain('How to fix it:')
    expect(page.body).toContain('signing certificate')
    expect(page.body).toContain('SignatureValue')
    expect(await count('users')).toBe(2)
  })

  it('names a wrong audience with the IdP field to fix, and marks its line in the decoded response', async () => {
    const { page } = await runTest({ audience: 'https://wrong.example/sp' })
    expect(page.body).toContain('Failed: audience_mismatch')
    expect(page.body).toContain('Audience URI')
    expect(page.body).toContain('https://wrong.example/sp')
    const marked = [...page.body.matchAll(/<span class="line failed">([\s\S]*?)\n<\/span>/g)].map((m) =>
      m[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .trim(),
    )
    expect(marked).toEqual(['<saml2:Audience>https://wrong.example/sp</saml2:Audience> ◀ failed check'])
  })

  it('warns of clock skew over 60 s, SHA-1 and a certificate expiring within 30 days', async () => {
    const fine = await runTest()
    expect(fine.page.body).not.toContain('clock differs')
    const skewed = await runTest({ now: new Date(ctx.clock.now().getTime() + 90_000), notBefore: new Date(ctx.clock.now().getTime() - 60_000) })
    expect(skewed.page.body).toContain('Success')
    expect(skewed.page.body).toMatch(/clock differs from ours by 90 s/)

    const soon = await generateKeyPair({ commonName: 'expiring', notBefore: new Date('2000-12-10T00:00:00Z'), years: 26 })
    const expiring = { ...soon, entityId: idp.entityId, certificate: idp.certificate } as TestIdp
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
      ssoUrl: 'https://acme.idp.test/sso',
      entityId: idp.entityId,
      certificates: [soon.certificatePem],
      signatureAlgorithm: 'rsa-sha1',
    })
    const started = await startTest()
    const res = await postAcs(answer(started, {}, expiring, 'rsa-sha1'), started.relayState)
    const page = await owner.get(String(res.headers.location))
    expect(page.body).toContain('Success')
    expect(page.body).toContain('SHA-1')
    expect(page.body.match(/<ul class="warnings">.*?<\/ul>/)?.[0]).toMatch(/expires in 16 days \(2026-12-10\)/)
  })

  it('warns of AES-CBC and 3DES assertion encryption and recommends AES-GCM; says nothing of GCM', async () => {
    const spCertificate = (await operator(ctx, 'GET', '/organizations/acme/sso')).json.sp.certificate as string
    const cases = [
      ['aes128-cbc', /encrypts the assertion with AES-CBC.*AES-GCM/],
      ['aes256-gcm', null],
    ] as const
    for (const [content, warning] of cases) {
      const started = await startTest()
      const res = await postAcs(await encryptAssertion(answer(started), spCertificate, { content }), started.relayState)
      expect(res.statusCode).toBe(303)
      const page = await owner.get(String(res.headers.location))
      expect(page.body).toContain('Success')
      if (warning === null) expect(page.body).not.toMatch(/AES-CBC|3DES/)
      else expect(page.body).toMatch(warning)
    }
  })

  it("shows the IdP roles and what role mapping makes of them, without changing anyone's roles", async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: [{ idpRole: 'Admins', orgRole: 'admin', workspaceRoles: {} }] },
    })
    const { page } = await runTest({ nameId: ADMIN.replace('ada', 'ada') })
    expect(page.body).toContain('IdP roles received')
    expect(page.body).toMatch(/<code>Engineering<\/code>, <code>Admins<\/code>/)
    expect(page.body).toMatch(/Roles after this sign-in<\/dt><dd>org role <strong>admin<\/strong>/)
    expect(page.body).toContain('rules matched: Admins')
    const ada = await operator(ctx, 'GET', `/organizations/acme/members/${encodeURIComponent(ADMIN)}`)
    expect(ada.json).toMatchObject({ role: 'admin', managedByIdp: false })
  })

  it("counts the member's directory groups as IdP roles, as the sign-in would (DESIGN §8)", async () => {
    const dir = await createDirectory(ctx, 'acme')
    const [dora] = await createScimUsers(ctx, dir, ['dora@acme.test'])
    expect((await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('acme-admins', [dora!]) })).status).toBe(201)
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: [{ idpRole: 'acme-admins', orgRole: 'admin', workspaceRoles: {} }] },
    })
    const { page } = await runTest({ nameId: 'dora@acme.test' })
    expect(page.body).toMatch(/Directory groups \(also IdP roles\)<\/dt><dd><code>acme-admins<\/code>/)
    expect(page.body).toMatch(/Roles after this sign-in<\/dt><dd>org role <strong>admin<\/strong>/)
    // Only a test: the member's roles are as the directory left them (mapping was off then).
    expect((await operator(ctx, 'GET', '/organizations/acme/members/dora@acme.test')).json).toMatchObject({ role: 'member' })
  })

  it('refuses a malformed workspace attribute by name on the test page', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { workspaceAttributes: { enabled: true, prefix: 'workspace.' } })
    const bad = await runTest({ attributes: { 'workspace.prod': ['{"role":'] } })
    expect(bad.page.body).toContain('Failed: workspace_attribute_invalid')
    expect(bad.page.body).toContain('workspace.prod')
    const good = await runTest({ attributes: { 'workspace.prod': ['{"role":"editor"}'] } })
    expect(good.page.body).toContain('Success')
    expect(good.page.body).toMatch(/<code>prod<\/code>: editor/)
  })
})

describe('a test response can never sign anyone in', () => {
  it('is still only a test when it comes back without its RelayState', async () => {
    const started = await startTest()
    const res = await postAcs(answer(started))
    expect(res.statusCode).toBe(303)
    expect(String(res.headers.location)).toMatch(/^\/orgs\/acme\/sso\/tests\//)
    expect(res.cookies).toEqual([])
    expect((await owner.get(String(res.headers.location))).body).toContain('Success')
  })

  it('is refused when posted again, as a replay or a sign-in', async () => {
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const started = await startTest()
    const xml = answer(started, { nameId: OWNER })
    expect((await postAcs(xml, started.relayState)).statusCode).toBe(303)
    const again = await postAcs(xml, started.relayState)
    expect(again.statusCode).toBe(403)
    expect(again.cookies).toEqual([])
    const plain = await postAcs(xml)
    expect(plain.statusCode).toBe(403)
    expect(plain.cookies).toEqual([])
  })

  it('fails the test when the response answers no request (IdP-initiated) even with a test RelayState', async () => {
    const started = await startTest()
    const res = await postAcs(answer(undefined), started.relayState)
    const page = await owner.get(String(res.headers.location))
    expect(page.body).toContain('Failed: in_response_to_mismatch')
    expect(page.body).toContain('not from the IdP')
  })
})

describe('who may run and read a test', () => {
  it('lets only the owner start one: admins get 403, members have no SSO page', async () => {
    const admin = await signedIn(ctx, ADMIN)
    await admin.get('/orgs/acme/sso')
    const res = await admin.post('/orgs/acme/sso/test', {})
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('not_allowed')
  })

  it("shows the result to the testing owner's session only", async () => {
    const { resultUrl } = await runTest()
    const sameOwnerOtherSession = await signedIn(ctx, OWNER)
    expect((await sameOwnerOtherSession.get(resultUrl)).statusCode).toBe(404)
    expect((await (await signedIn(ctx, ADMIN)).get(resultUrl)).statusCode).toBe(404)
    const anonymous = await browser(ctx.app).get(resultUrl)
    expect(anonymous.statusCode).toBe(302)
    expect(anonymous.headers.location).toMatch(/^\/login\?next=/)
    expect((await owner.get(resultUrl)).statusCode).toBe(200)
  })

  it('counts a pass for 7 days', async () => {
    await runTest()
    ctx.clock.advance(7 * 86_400_000 + 1000)
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', {})).json.error.code).toBe('sso_test_required')
  })
})

describe('enabling needs a passing test of the current configuration', () => {
  async function enableFromPage(): Promise<LightMyRequestResponse> {
    await owner.get('/orgs/acme/sso')
    return owner.post('/orgs/acme/sso/enable', {})
  }

  it('refuses before any test, after a failed one, and allows after a pass; then shows the one-click URL', async () => {
    const refused = await enableFromPage()
    expect(refused.statusCode).toBe(409)
    expect(refusalCode(ctx, refused)).toBe('sso_test_required')
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', {})).json.error.code).toBe('sso_test_required')

    await runTest({}, await createTestIdp('sso-test-stranger'))
    expect((await enableFromPage()).statusCode).toBe(409)

    const passed = await runTest()
    expect(passed.page.body).toContain('Enable SSO')
    const enabled = await enableFromPage()
    expect(enabled.statusCode).toBe(303)
    const page = await owner.get(String(enabled.headers.location))
    expect(page.body).toContain('Single sign-on is enabled.')
    expect(page.body).toContain('http://gatehouse.test/sso/acme')
    expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.enabled).toBe(true)
  })

  it('needs a new test once the IdP configuration changes', async () => {
    await runTest()
    const other = await createTestIdp('sso-test-rollover')
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
      ssoUrl: 'https://acme.idp.test/sso',
      entityId: idp.entityId,
      certificates: [idp.certificatePem, other.certificatePem],
    })
    expect((await enableFromPage()).statusCode).toBe(409)
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { requireEncryptedAssertions: false })
    await runTest()
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { requireEncryptedAssertions: true })
    expect((await enableFromPage()).statusCode).toBe(409)
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { requireEncryptedAssertions: false })
    expect((await enableFromPage()).statusCode).toBe(303)
  })

  it('lets the operator enable without skipTest once a test passed', async () => {
    await runTest()
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', {})).status).toBe(200)
  })
})

describe('fix-it hints', () => {
  it('has one for every failure code', () => {
    for (const code of [...SAML_FAILURE_CODES, 'email_missing', 'not_a_member', 'workspace_attribute_invalid', 'email_domain_not_allowed']) {
      expect((FIX_IT_HINTS as Record<string, string>)[code], code).toMatch(/^[A-Z].{30,}$/)
    }
  })
})
