/** An IdP that publishes only an HTTP-POST SSO endpoint (as some Google apps do) gets the POST binding. */
import { afterEach, beforeEach, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idp: TestIdp
beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('post-only')
  const b64 = idp.certificatePem.replace(/-----[^-]+-----|\s/g, '')
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
  const metadataXml = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idp.entityId}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://accounts.idp.test/o/saml2/idp?idpid=X"/></md:IDPSSODescriptor></md:EntityDescriptor>`
  expect((await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml })).status).toBe(200)
  await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
  await addMember(ctx, 'acme', 'alice@acme.test')
})
afterEach(() => ctx.close())

it('posts the AuthnRequest in a form the page may send to the IdP origin only, and the answer signs in', async () => {
  const b = browser(ctx.app)
  const page = await b.get('/sso/acme')
  expect(page.statusCode).toBe(200)
  expect(page.body).toContain('action="https://accounts.idp.test/o/saml2/idp?idpid=X"')
  expect(page.headers['content-security-policy']).toContain("form-action 'self' https://accounts.idp.test")
  expect(page.headers['content-security-policy']).not.toContain('unsafe-inline')
  expect(page.body).toContain('<script src="/static/auto-submit.js"')
  const samlRequest = /name="SAMLRequest" value="([^"]+)"/.exec(page.body)![1]!
  const request = Buffer.from(samlRequest, 'base64').toString('utf8')
  const requestId = /ID="([^"]+)"/.exec(request)![1]!
  expect(request).toContain('Destination="https://accounts.idp.test/o/saml2/idp?idpid=X"')
  const acme = { slug: 'acme', ssoName: 'acme', entityId: 'http://gatehouse.test/saml/acme', acsUrl: 'http://gatehouse.test/saml/acme/acs' }
  const res = await postAcs(b, acme, responseFor(ctx, idp, acme, { nameId: 'alice@acme.test', inResponseTo: requestId }))
  expect(res.statusCode).toBe(303)
})

it('keeps the strict form-action on every other page', async () => {
  const res = await browser(ctx.app).get('/login')
  expect(res.headers['content-security-policy']).toContain("form-action 'self';")
})
