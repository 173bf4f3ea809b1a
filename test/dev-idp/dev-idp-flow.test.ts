/**
 * The development IdP end to end (issue 6 item 1): the owner's one click in step 3, Test SSO through
 * the dev IdP, enabling, a member's SP-initiated sign-in with roles from role mapping, IdP-initiated
 * sign-in, encrypted assertions, and the dev IdP's own refusals.
 */
import { deflateRawSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { idpNavigation } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'
import { MEMBER, OWNER, ADMIN, refusalCode, seedAcme, signedIn, postForm } from '../http/support.js'
import { autoPost, BANNER, hiddenFields, pathOf, signInAs } from './support.js'

let ctx: TestContext
let owner: Browser

beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  expect((await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBeLessThan(300)
  owner = await signedIn(ctx, OWNER)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

async function useDevIdp(b: Browser = owner) {
  const page = await b.get('/orgs/acme/sso/idp')
  expect(page.body).toContain('Use the development IdP')
  expect(page.body).toContain(BANNER)
  return b.post('/orgs/acme/sso/idp/dev', {})
}

async function auditActions(): Promise<{ action: string; detail: Record<string, unknown> }[]> {
  return (await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data
}

/** An AuthnRequest as an SP would redirect it, with our own fields or an attacker's. */
function redirectRequest(fields: { issuer: string; acsUrl?: string; id?: string }): string {
  const xml =
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
    ` ID="${fields.id ?? '_attack1'}" Version="2.0" IssueInstant="2026-11-23T12:00:00Z" Destination="http://gatehouse.test/dev/idp/sso"` +
    (fields.acsUrl === undefined ? '' : ` AssertionConsumerServiceURL="${fields.acsUrl}"`) +
    ` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>${fields.issuer}</saml:Issuer></samlp:AuthnRequest>`
  return `/dev/idp/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString('base64'))}&RelayState=abc`
}

describe('the one click in step 3', () => {
  it("configures the connection with the dev IdP's metadata through configureIdp, audited like any change", async () => {
    const res = await useDevIdp()
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/orgs/acme/sso?notice=dev-idp')
    const sso = await operator(ctx, 'GET', '/organizations/acme/sso')
    expect(sso.json.idp).toMatchObject({
      entityId: 'http://gatehouse.test/dev/idp',
      ssoUrlRedirect: 'http://gatehouse.test/dev/idp/sso',
      ssoUrlPost: 'http://gatehouse.test/dev/idp/sso',
      source: 'metadata',
    })
    const entry = (await auditActions()).find((e) => e.action === 'sso.idp_configured')!
    expect(entry).toMatchObject({ actor: `user:${OWNER}`, detail: { before: null, after: { entityId: 'http://gatehouse.test/dev/idp' } } })
    // Step 3 now says so instead of offering the button again.
    expect((await owner.get('/orgs/acme/sso/idp')).body).toContain('already uses the development IdP')
  })

  it("is the owner's alone: an admin sees no button and is refused, and nothing changes", async () => {
    const admin = await signedIn(ctx, ADMIN)
    const page = await admin.get('/orgs/acme/sso/idp')
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toContain('Use the development IdP')
    const res = await admin.post('/orgs/acme/sso/idp/dev', {})
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('not_allowed')
    expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.idp).toBeNull()
  })

  it("needs the form's CSRF token", async () => {
    await owner.get('/orgs/acme/sso/idp')
    const res = await postForm(ctx, owner, '/orgs/acme/sso/idp/dev', {})
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('csrf_invalid')
    expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.idp).toBeNull()
  })
})

describe('the whole SSO flow with no real IdP', () => {
  it('test SSO passes through the dev IdP, then enabling works and a member signs in with roles from role mapping', async () => {
    expect((await useDevIdp()).statusCode).toBe(303)
    expect(
      (
        await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
          roleMapping: {
            enabled: true,
            attribute: 'groups',
            delimiter: ',',
            rules: [
              { idpRole: 'Engineering', orgRole: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' } },
              { idpRole: 'Support', orgRole: 'member', workspaceRoles: { prod: 'viewer' } },
            ],
          },
        })
      ).status,
    ).toBe(200)

    // Test SSO: the real SP-initiated flow to the dev IdP's sign-in page.
    await owner.get('/orgs/acme/sso')
    const test = await owner.post('/orgs/acme/sso/test', {})
    expect(test.statusCode).toBe(200)
    const idpUrl = new URL(idpNavigation(test))
    expect(idpUrl.origin + idpUrl.pathname).toBe('http://gatehouse.test/dev/idp/sso')
    expect(idpUrl.searchParams.get('Signature')).not.toBeNull()
    const idpPage = await owner.get(pathOf(idpUrl))
    expect(idpPage.body).toContain('Sign in to Acme')
    // The role mapping's IdP roles are offered as hints, the roles attribute is the mapping's, and members can be picked.
    expect(idpPage.body).toContain('Engineering, Support')
    expect(idpPage.body).toMatch(/name="rolesAttribute" type="text" value="groups"/)
    expect(idpPage.body).toContain(`value="${MEMBER}"`)
    const state = hiddenFields(idpPage.body, '/dev/idp/respond')
    expect(state.ssoName).toBe('acme')
    expect(state.requestId).toMatch(/^_[0-9a-f]{40}$/)
    expect(state.relayState).toBe(idpUrl.searchParams.get('RelayState'))

    const answer = await signInAs(owner, idpPage, { email: 'nova@acme.test', firstName: 'Nova', lastName: 'Newcomer', roles: 'Engineering' })
    expect(answer.action).toBe('http://gatehouse.test/saml/acme/acs')
    const acs = await autoPost(ctx, owner, answer.action, answer.fields)
    expect(acs.statusCode).toBe(303)
    const result = await owner.get(String(acs.headers.location))
    expect(result.statusCode).toBe(200)
    expect(result.body).toContain('Success')
    expect(result.body).toContain('nova@acme.test')
    expect(result.body).toContain('Engineering')

    // Enable: allowed by the passing test.
    await owner.get('/orgs/acme/sso')
    const enabled = await owner.post('/orgs/acme/sso/enable', {})
    expect(enabled.statusCode, enabled.body.slice(0, 300)).toBe(303)

    // A member signs in at /sso/acme through the dev IdP and lands on the dashboard.
    const max = browser(ctx.app)
    const start = await max.get('/sso/acme')
    expect(start.statusCode).toBe(302)
    const page = await max.get(pathOf(start.headers.location))
    const picked = await max.post('/dev/idp/respond', { ...hiddenFields(page.body, '/dev/idp/respond'), pick: MEMBER })
    expect(picked.statusCode).toBe(200)
    expect(picked.body).toContain(`value="${MEMBER}"`)
    expect(picked.body).toContain('value="Max"')
    const signIn = await signInAs(max, picked, { email: MEMBER, firstName: 'Max', lastName: 'Member', roles: 'Engineering\nSomething unmapped' })
    const landed = await autoPost(ctx, max, signIn.action, signIn.fields)
    expect(landed.statusCode).toBe(303)
    expect(landed.headers.location).toBe('/dashboard')
    expect((await max.get('/dashboard')).statusCode).toBe(200)
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `gh_session=${max.cookies.get('gh_session')}` } })
    expect(me.json()).toMatchObject({
      email: MEMBER,
      org: 'acme',
      orgRole: 'member',
      workspaceRoles: { prod: 'developer', staging: 'admin' },
      authMethod: 'saml',
    })
  })

  it('signs a member in IdP-initiated (no request first), with extra attributes as per-workspace roles', async () => {
    await useDevIdp()
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { workspaceAttributes: { enabled: true, prefix: 'workspace.' } })
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const max = browser(ctx.app)
    const page = await max.get('/dev/idp/start?sso_name=acme')
    expect(page.body).toContain('IdP-initiated sign-in')
    expect(hiddenFields(page.body, '/dev/idp/respond').requestId).toBeUndefined()
    const answer = await signInAs(max, page, { email: MEMBER, attributes: 'workspace.prod=viewer\nworkspace.staging=editor' })
    expect(answer.fields.RelayState).toBeUndefined()
    const landed = await autoPost(ctx, max, answer.action, answer.fields)
    expect(landed.statusCode).toBe(303)
    expect(landed.headers.location).toBe('/dashboard')
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `gh_session=${max.cookies.get('gh_session')}` } })
    expect(me.json()).toMatchObject({ email: MEMBER, workspaceRoles: { prod: 'viewer', staging: 'editor' } })
  })

  it('encrypts the assertion when asked, and a connection that requires encryption refuses a plaintext one', async () => {
    await useDevIdp()
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { requireEncryptedAssertions: true })
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const max = browser(ctx.app)

    const plain = await max.get(pathOf((await max.get('/sso/acme')).headers.location))
    // The form ticks "encrypt" by default for such a connection; untick it to see the refusal.
    expect(plain.body).toMatch(/id="f-encrypt" name="encrypt" checked/)
    const refused = await signInAs(max, plain, { email: MEMBER })
    expect(Buffer.from(refused.fields.SAMLResponse!, 'base64').toString()).toContain('<saml2:Assertion')
    expect((await autoPost(ctx, max, refused.action, refused.fields)).statusCode).toBe(403)
    expect((await auditActions()).find((e) => e.action === 'sso.sign_in_failed')?.detail).toMatchObject({ code: 'assertion_not_encrypted' })

    const page = await max.get(pathOf((await max.get('/sso/acme')).headers.location))
    const answer = await signInAs(max, page, { email: MEMBER, encrypt: true, signResponse: true })
    const xml = Buffer.from(answer.fields.SAMLResponse!, 'base64').toString()
    expect(xml).toContain('EncryptedAssertion')
    expect(xml).toContain('http://www.w3.org/2009/xmlenc11#aes256-gcm')
    expect(xml).not.toContain(MEMBER)
    const landed = await autoPost(ctx, max, answer.action, answer.fields)
    expect(landed.statusCode).toBe(303)
    expect(landed.headers.location).toBe('/dashboard')
  })
})

describe("the dev IdP answers only this deployment's own connections", () => {
  beforeEach(async () => {
    await useDevIdp()
  })

  it('refuses a request whose ACS is not ours, and serves the same request once its ACS is corrected', async () => {
    const b = browser(ctx.app)
    const attack = await b.get(redirectRequest({ issuer: 'http://gatehouse.test/saml/acme', acsUrl: 'https://evil.example/acs' }))
    expect(attack.statusCode).toBe(403)
    expect(refusalCode(ctx, attack)).toBe('dev_idp_acs_mismatch')
    expect(attack.body).toContain(BANNER)
    expect(attack.body).not.toContain('/dev/idp/respond')

    const fixed = await b.get(redirectRequest({ issuer: 'http://gatehouse.test/saml/acme', acsUrl: 'http://gatehouse.test/saml/acme/acs' }))
    expect(fixed.statusCode).toBe(200)
    const answer = await signInAs(b, fixed, { email: MEMBER })
    expect(answer.action).toBe('http://gatehouse.test/saml/acme/acs')
  })

  it('refuses a request from an SP that is not one of our connections, and one from a connection that trusts another IdP', async () => {
    const b = browser(ctx.app)
    const stranger = await b.get(redirectRequest({ issuer: 'https://evil.example/sp' }))
    expect(stranger.statusCode).toBe(404)
    expect(refusalCode(ctx, stranger)).toBe('dev_idp_sp_unknown')
    const unknown = await b.get(redirectRequest({ issuer: 'http://gatehouse.test/saml/nobody' }))
    expect(refusalCode(ctx, unknown)).toBe('dev_idp_sp_unknown')

    const idp = await createTestIdp('dev-idp-other')
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
      ssoUrl: 'https://acme.idp.test/sso',
      entityId: idp.entityId,
      certificates: [idp.certificatePem],
    })
    const other = await b.get(redirectRequest({ issuer: 'http://gatehouse.test/saml/acme', acsUrl: 'http://gatehouse.test/saml/acme/acs' }))
    expect(other.statusCode).toBe(409)
    expect(refusalCode(ctx, other)).toBe('dev_idp_not_trusted')
    expect((await b.get('/dev/idp/start?sso_name=acme')).statusCode).toBe(409)
  })

  it('posts only to the ACS derived from the SSO name, whatever the form says', async () => {
    const b = browser(ctx.app)
    const page = await b.get('/dev/idp/start?sso_name=acme')
    const res = await b.post('/dev/idp/respond', {
      ...hiddenFields(page.body, '/dev/idp/respond'),
      email: MEMBER,
      acsUrl: 'https://evil.example/acs',
      AssertionConsumerServiceURL: 'https://evil.example/acs',
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('action="http://gatehouse.test/saml/acme/acs"')
    expect(res.body).not.toContain('evil.example')
    // And another SSO name is re-checked like a request's Issuer.
    const elsewhere = await b.post('/dev/idp/respond', { ...hiddenFields(page.body, '/dev/idp/respond'), ssoName: 'nobody', email: MEMBER })
    expect(refusalCode(ctx, elsewhere)).toBe('dev_idp_sp_unknown')
  })

  it('protects its form with the CSRF token of other pages', async () => {
    const b = browser(ctx.app)
    const page = await b.get('/dev/idp/start?sso_name=acme')
    const { _csrf, ...state } = hiddenFields(page.body, '/dev/idp/respond')
    expect(_csrf).toBeDefined()
    const res = await postForm(ctx, b, '/dev/idp/respond', { ...state, email: MEMBER })
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('csrf_invalid')
  })

  it('shows a bad form field next to the field and sends nothing', async () => {
    const b = browser(ctx.app)
    const page = await b.get('/dev/idp/start?sso_name=acme')
    const cases: [Record<string, string>, string][] = [
      [{ email: 'not an email' }, 'email'],
      [{ email: MEMBER, attributes: 'no equals sign' }, 'attributes'],
      [{ email: MEMBER, rolesAttribute: 'has space' }, 'rolesAttribute'],
      [{ email: MEMBER, firstName: 'x'.repeat(201) }, 'firstName'],
    ]
    for (const [form, name] of cases) {
      const res = await b.post('/dev/idp/respond', { ...hiddenFields(page.body, '/dev/idp/respond'), ...form })
      expect(res.statusCode, name).toBe(422)
      expect(res.body).toContain(`id="f-${name}-error"`)
      expect(res.body).not.toContain('SAMLResponse')
    }
  })

  it("accepts an SP's HTTP-POST binding by sending it on to the sign-in page", async () => {
    const xml =
      '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_post1" Version="2.0" IssueInstant="2026-11-23T12:00:00Z"' +
      ' AssertionConsumerServiceURL="http://gatehouse.test/saml/acme/acs"><saml:Issuer>http://gatehouse.test/saml/acme</saml:Issuer></samlp:AuthnRequest>'
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/dev/idp/sso',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'r1' }).toString(),
    })
    expect(res.statusCode).toBe(303)
    const page = await browser(ctx.app).get(String(res.headers.location))
    expect(page.statusCode).toBe(200)
    expect(hiddenFields(page.body, '/dev/idp/respond')).toMatchObject({ requestId: '_post1', relayState: 'r1', ssoName: 'acme' })
  })
})
