/**
 * Single logout configuration (DESIGN §10): our SP metadata lists the SLO service for both bindings;
 * the IdP's SLO endpoint comes from its metadata or from `sloUrl` in `PUT …/sso/idp`; a bad one is
 * refused naming the field and changes nothing.
 */
import { afterEach, beforeEach, expect, it } from 'vitest'
import { buildIdpMetadata } from '../../src/saml/idp-metadata-out.js'
import { setupSsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idp: TestIdp

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('slo-config')
  await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme' })
})
afterEach(() => ctx.close())

const manual = (extra: Record<string, unknown>) => ({ ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem], ...extra })

it('SP metadata lists SingleLogoutService for HTTP-Redirect and HTTP-POST at /saml/{ssoName}/slo, and GET sso shows it', async () => {
  const res = await ctx.app.inject({ method: 'GET', url: '/saml/acme/metadata' })
  for (const binding of ['HTTP-Redirect', 'HTTP-POST']) {
    expect(res.body).toContain(
      `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="http://gatehouse.test/saml/acme/slo"/>`,
    )
  }
  expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.sp.sloUrl).toBe('http://gatehouse.test/saml/acme/slo')
})

it('takes sloUrl entered by hand, and shows it', async () => {
  const res = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', manual({ sloUrl: 'https://idp.test/logout' }))
  expect(res.status).toBe(200)
  expect(res.json.idp).toMatchObject({ sloUrl: 'https://idp.test/logout', sloBinding: 'redirect', sloResponseUrl: null })
  const page = await ctx.app.inject({
    method: 'GET',
    url: '/api/v1/organizations/acme/sso',
    headers: { authorization: 'Bearer test-admin-token-0123456789abcdef' },
  })
  expect(JSON.parse(page.body).idp.sloUrl).toBe('https://idp.test/logout')
})

it('refuses a sloUrl that is not an http(s) URL, naming it, and changes nothing', async () => {
  await operator(ctx, 'PUT', '/organizations/acme/sso/idp', manual({ sloUrl: 'https://idp.test/logout' }))
  const res = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', manual({ sloUrl: 'javascript:alert(1)' }))
  expect(res.status).toBe(422)
  expect(res.json.error.code).toBe('idp_invalid')
  expect(res.json.error.message).toContain('Single Logout URL')
  expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.idp.sloUrl).toBe('https://idp.test/logout')
})

it('reads the SLO endpoint from IdP metadata: Redirect preferred, POST when it is all there is, ResponseLocation kept', async () => {
  const metadata = (bindings: ('redirect' | 'post')[], responseUrl?: string) =>
    buildIdpMetadata({
      entityId: idp.entityId,
      ssoUrl: 'https://idp.test/sso',
      certificatePem: idp.certificatePem,
      singleLogout: { url: 'https://idp.test/slo', bindings, ...(responseUrl === undefined ? {} : { responseUrl }) },
    })
  const both = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: metadata(['post', 'redirect'], 'https://idp.test/slo-answers') })
  expect(both.json.idp).toMatchObject({ sloUrl: 'https://idp.test/slo', sloBinding: 'redirect', sloResponseUrl: 'https://idp.test/slo-answers' })
  const post = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: metadata(['post']) })
  expect(post.json.idp).toMatchObject({ sloUrl: 'https://idp.test/slo', sloBinding: 'post', sloResponseUrl: null })
  const none = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: metadata([]) })
  expect(none.json.idp).toMatchObject({ sloUrl: null, sloBinding: null })
  // sloUrl beside metadata wins (an IdP whose metadata omits it, as Okta's does until SLO is enabled).
  const given = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: metadata([]), sloUrl: 'https://idp.test/okta-slo' })
  expect(given.json.idp).toMatchObject({ sloUrl: 'https://idp.test/okta-slo', sloBinding: 'redirect' })
})
