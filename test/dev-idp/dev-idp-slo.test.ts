/**
 * Single logout with the development IdP (DESIGN §10): its metadata gives the connection an SLO
 * endpoint; a member's sign-out goes there and comes back signed; its "Sign out everywhere" ends the
 * member's SSO sessions in Gatehouse by a signed IdP-initiated LogoutRequest, and shows the answer.
 */
import { afterEach, beforeEach, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { idpNavigation } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { MEMBER, OWNER, seedAcme, signedIn } from '../http/support.js'
import { autoPost, pathOf, signInAs } from './support.js'

let ctx: TestContext
let max: Browser

beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  expect((await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBeLessThan(300)
  const owner = await signedIn(ctx, OWNER)
  await owner.get('/orgs/acme/sso/idp')
  expect((await owner.post('/orgs/acme/sso/idp/dev', {})).statusCode).toBe(303)
  await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
  max = browser(ctx.app)
  const page = await max.get('/dev/idp/start?sso_name=acme')
  const answer = await signInAs(max, page, { email: MEMBER })
  expect((await autoPost(ctx, max, answer.action, answer.fields)).statusCode).toBe(303)
  expect((await max.get('/api/v1/me')).statusCode).toBe(200)
})
afterEach(() => ctx.close())

it("takes the dev IdP's SLO endpoint from its metadata", async () => {
  expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.idp).toMatchObject({
    sloUrl: 'http://gatehouse.test/dev/idp/slo',
    sloBinding: 'redirect',
  })
})

it("answers Gatehouse's LogoutRequest, and Gatehouse's signed-out page says the IdP session ended too", async () => {
  const out = await max.submit('/logout', '/logout', {})
  expect((await max.get('/api/v1/me')).statusCode).toBe(401)
  const toIdp = pathOf(idpNavigation(out))
  expect(toIdp.startsWith('/dev/idp/slo?SAMLRequest=')).toBe(true)
  const answered = await max.get(toIdp)
  expect(answered.statusCode).toBe(302)
  const back = pathOf(answered.headers.location)
  expect(back.startsWith('/saml/acme/slo?SAMLResponse=')).toBe(true)
  const landed = await max.get(back)
  expect(landed.headers.location).toBe('/login?notice=signed-out-idp')
})

it('refuses a LogoutRequest our SP did not sign', async () => {
  const out = await max.submit('/logout', '/logout', {})
  const toIdp = pathOf(idpNavigation(out)).replace(/&Signature=[^&]+/, '')
  const refused = await max.get(toIdp)
  expect(refused.statusCode).toBeGreaterThanOrEqual(400)
  expect(refused.headers.location).toBeUndefined()
})

it('"Sign out everywhere" ends the member\'s SSO sessions through a signed IdP-initiated LogoutRequest', async () => {
  const idp = browser(ctx.app)
  await idp.get('/dev/idp')
  const sent = await idp.post('/dev/idp/logout', { sso_name: 'acme', email: MEMBER })
  expect(sent.statusCode).toBe(303)
  const atGatehouse = await idp.get(pathOf(sent.headers.location))
  expect(atGatehouse.statusCode).toBe(302)
  expect((await max.get('/api/v1/me')).statusCode).toBe(401)
  const shown = await idp.get(pathOf(atGatehouse.headers.location))
  expect(shown.statusCode).toBe(200)
  expect(shown.body).toContain('Signed out everywhere')
  expect(shown.body).toContain('urn:oasis:names:tc:SAML:2.0:status:Success')
  const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
  expect(log.json.data.find((e: { action: string }) => e.action === 'sso.logout_by_idp')).toMatchObject({ target: MEMBER, detail: { sessionsEnded: 1 } })
})

it('"Sign out everywhere" with a bad email names the field and sends nothing', async () => {
  const idp = browser(ctx.app)
  await idp.get('/dev/idp')
  const res = await idp.post('/dev/idp/logout', { sso_name: 'acme', email: 'not an email' })
  expect(res.statusCode).toBe(422)
  expect(res.body).toContain('Enter the email address to sign out')
  expect((await max.get('/api/v1/me')).statusCode).toBe(200)
})
