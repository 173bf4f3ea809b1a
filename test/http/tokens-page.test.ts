/**
 * The personal API tokens page (/orgs/{org}/tokens), reached from the dashboard: create with the
 * secret shown once, list without secrets, revoke. Each refusal is paired with the allowed action.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, startSso, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'
import { MEMBER, OWNER, me, postForm, refusalCode, seedAcme, signedIn } from './support.js'

const SECRET = /ghpt_[A-Za-z0-9_-]{43}/

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
})
afterEach(() => ctx.close())

const tokenCount = async () => (await ctx.runtime.db.selectFrom('api_tokens').select('id').execute()).length

async function createOnPage(email = MEMBER, form: Record<string, string> = { name: 'laptop', expiresInDays: '30' }) {
  const b = await signedIn(ctx, email)
  await b.get('/orgs/acme/tokens')
  const res = await b.post('/orgs/acme/tokens', form)
  return { b, res, secret: SECRET.exec(res.body)?.[0] }
}

describe('the API tokens page', () => {
  it('is linked from every org on the dashboard, for plain members too', async () => {
    const b = await signedIn(ctx, MEMBER)
    const dashboard = await b.get('/dashboard')
    expect(dashboard.body).toContain('href="/orgs/acme/tokens"')
    const page = await b.get('/orgs/acme/tokens')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Personal API tokens')
    expect(page.body).toContain('action="/orgs/acme/tokens"')
  })

  it('creates a token and shows its secret once, in the page (201, no-store), never in a URL; the token works', async () => {
    const { b, res, secret } = await createOnPage()
    expect(res.statusCode).toBe(201)
    expect(res.headers.location).toBeUndefined()
    expect(res.headers['cache-control']).toBe('no-store')
    expect(secret).toBeDefined()
    expect((await me(ctx, { bearer: secret! })).json()).toMatchObject({ email: MEMBER, org: 'acme', authMethod: 'password' })
    const again = await b.get('/orgs/acme/tokens')
    expect(again.body).toContain('laptop')
    expect(again.body).not.toContain(secret!)
    expect(again.body).not.toMatch(SECRET)
  })

  it('shows the new token with a Copy button and a one-line curl example that works as printed', async () => {
    const { res, secret } = await createOnPage()
    expect(res.body).toContain(`<code id="new-token">${secret}</code>`)
    expect(res.body).toContain('data-copy-target="new-token"')
    expect(res.body).toContain('<script src="/static/sso-setup.js" defer=""></script>')
    const curl = /<code id="new-token-curl">([^<]*)<\/code>/.exec(res.body)?.[1]?.replaceAll('&quot;', '"')
    expect(res.body).toContain('data-copy-target="new-token-curl"')
    const parts = /^curl -H "(Authorization): (Bearer \S+)" (\S+)$/.exec(curl ?? '')
    expect(parts, curl).not.toBeNull()
    const url = new URL(parts![3]!)
    expect(url.origin).toBe(ctx.config.baseUrl)
    const answer = await ctx.app.inject({ method: 'GET', url: url.pathname, headers: { [parts![1]!]: parts![2]! } })
    expect(answer.statusCode).toBe(200)
    expect(answer.json()).toMatchObject({ email: MEMBER, org: 'acme' })
  })

  it('refuses a bad name beside the field (422 token_name_invalid) and creates nothing; a good one works', async () => {
    const { b, res } = await createOnPage(MEMBER, { name: '   ', expiresInDays: '' })
    expect(res.statusCode).toBe(422)
    expect(refusalCode(ctx, res)).toBe('token_name_invalid')
    expect(res.body).toContain('f-name-error')
    expect(await tokenCount()).toBe(0)
    expect((await b.post('/orgs/acme/tokens', { name: 'ok', expiresInDays: '' })).statusCode).toBe(201)
  })

  it('refuses an expiry that is not offered (422 token_expiry_invalid) and creates nothing', async () => {
    for (const expiresInDays of ['0', '9999', 'soon', '-1']) {
      const { res } = await createOnPage(MEMBER, { name: `x${expiresInDays}`, expiresInDays })
      expect(res.statusCode, expiresInDays).toBe(422)
      expect(refusalCode(ctx, res)).toBe('token_expiry_invalid')
    }
    expect(await tokenCount()).toBe(0)
  })

  it('refuses a form without the CSRF token (403) and creates nothing', async () => {
    const b = await signedIn(ctx, MEMBER)
    await b.get('/orgs/acme/tokens')
    const res = await postForm(ctx, b, '/orgs/acme/tokens', { name: 'forged' })
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('csrf_invalid')
    expect(await tokenCount()).toBe(0)
  })

  it('revokes a token: it stops working at once and the page says so', async () => {
    const { b, secret } = await createOnPage()
    const page = await b.get('/orgs/acme/tokens')
    const id = /action="\/orgs\/acme\/tokens\/([^/"]+)\/revoke"/.exec(page.body)![1]!
    const res = await b.post(`/orgs/acme/tokens/${id}/revoke`, {})
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/orgs/acme/tokens?notice=revoked')
    expect((await me(ctx, { bearer: secret! })).statusCode).toBe(401)
    expect((await b.get('/orgs/acme/tokens')).body).not.toContain('laptop')
  })

  it("answers 404 for revoking another member's token through the page, which keeps working", async () => {
    const { b: member, secret } = await createOnPage()
    const id = /action="\/orgs\/acme\/tokens\/([^/"]+)\/revoke"/.exec((await member.get('/orgs/acme/tokens')).body)![1]!
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/tokens')
    const res = await owner.post(`/orgs/acme/tokens/${id}/revoke`, {})
    expect(res.statusCode).toBe(404)
    expect(refusalCode(ctx, res)).toBe('token_not_found')
    expect((await me(ctx, { bearer: secret! })).statusCode).toBe(200)
  })

  it('is not allowed (403) for an org the user is not a member of, and sends a signed-out visitor to sign in', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
    const b = await signedIn(ctx, MEMBER)
    const other = await b.get('/orgs/globex/tokens')
    expect(other.statusCode).toBe(403)
    expect(refusalCode(ctx, other)).toBe('not_allowed')
    await b.get('/orgs/acme/tokens')
    expect((await b.post('/orgs/globex/tokens', { name: 'sneaky' })).statusCode).toBe(403)
    expect(await tokenCount()).toBe(0)
    const anonymous = await ctx.app.inject({ method: 'GET', url: '/orgs/acme/tokens' })
    expect(anonymous.statusCode).toBe(302)
    expect(anonymous.headers.location).toBe('/login?next=%2Forgs%2Facme%2Ftokens')
  })

  it('under a policy that forbids the member tokens, says so, offers no form and refuses a create with 403 sso_required; an allow-listed member may', async () => {
    const idp = await createTestIdp('idp-page')
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] })
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'exceptions', apiAllowList: [OWNER] })
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })).status).toBe(200)
    const org: SsoOrg = { slug: 'acme', ssoName: 'acme', entityId: `${ctx.config.baseUrl}/saml/acme`, acsUrl: `${ctx.config.baseUrl}/saml/acme/acs` }
    // Single sign-on always lets a member reach the page; the policy decides about tokens.
    const viaSso = async (email: string) => {
      const b = browser(ctx.app)
      const { requestId, relayState } = await startSso(b, 'acme')
      expect((await postAcs(b, org, responseFor(ctx, idp, org, { nameId: email, inResponseTo: requestId }), relayState)).statusCode).toBe(303)
      return b
    }
    const member = await viaSso(MEMBER)
    const page = await member.get('/orgs/acme/tokens')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('does not allow you personal API tokens')
    expect(page.body).not.toContain('action="/orgs/acme/tokens"')
    const refused = await member.post('/orgs/acme/tokens', { name: 'not allowed', expiresInDays: '' })
    expect(refused.statusCode).toBe(403)
    expect(refusalCode(ctx, refused)).toBe('sso_required')
    expect(await tokenCount()).toBe(0)

    const owner = await viaSso(OWNER)
    expect((await owner.get('/orgs/acme/tokens')).body).toContain('action="/orgs/acme/tokens"')
    const created = await owner.post('/orgs/acme/tokens', { name: 'allowed', expiresInDays: '' })
    expect(created.statusCode).toBe(201)
    expect((await me(ctx, { bearer: SECRET.exec(created.body)![0] })).json()).toMatchObject({ email: OWNER, authMethod: 'password' })
  })
})
