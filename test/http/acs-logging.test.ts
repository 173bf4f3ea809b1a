/**
 * The ACS logs one line per post, at completion: method, path and request id, status, response time
 * and the outcome (signed in, refused and why) — not Fastify's two request lines plus its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { logLines } from './support.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg
beforeAll(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('acs-logging')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', policy: { allowIdpInitiated: true } })
  await addMember(ctx, 'acme', 'max@acme.test')
})
afterAll(() => ctx.close())

const linesOf = (id: string) => logLines(ctx).filter((line) => line.reqId === id)

describe('ACS log lines', () => {
  it('a sign-in: one line with the outcome, status, time, method, path and request id', async () => {
    const res = await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: 'max@acme.test' }))
    expect(res.statusCode).toBe(303)
    const lines = linesOf(String(res.headers['x-request-id']))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'signed in',
      event: 'sign_in',
      method: 'saml',
      org: 'acme',
      req: { method: 'POST', path: '/saml/acme/acs' },
      res: { statusCode: 303 },
    })
    expect(typeof lines[0]!.responseTime).toBe('number')
  })

  it('a refusal: one line with its code and reference, and the 403', async () => {
    const res = await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: 'nobody@acme.test', audience: 'https://elsewhere.test' }))
    expect(res.statusCode).toBe(403)
    const lines = linesOf(String(res.headers['x-request-id']))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      msg: 'SSO sign-in refused',
      event: 'sso_sign_in_failed',
      code: 'audience_mismatch',
      res: { statusCode: 403 },
      req: { path: '/saml/acme/acs' },
    })
    expect(typeof lines[0]!.reference).toBe('string')
  })

  it('an unknown SSO name and a post without a response: still one line each, with the status', async () => {
    const b = browser(ctx.app)
    const unknown = await b.post('/saml/nobody/acs', { SAMLResponse: 'PHg+' })
    expect(unknown.statusCode).toBe(404)
    expect(linesOf(String(unknown.headers['x-request-id']))).toEqual([expect.objectContaining({ msg: 'request completed', res: { statusCode: 404 } })])
    const missing = await b.post('/saml/acme/acs', { RelayState: 'x' })
    expect(missing.statusCode).toBe(400)
    expect(linesOf(String(missing.headers['x-request-id']))).toEqual([expect.objectContaining({ code: 'response_missing', res: { statusCode: 400 } })])
  })

  it('other routes keep both request lines', async () => {
    const res = await browser(ctx.app).get('/login')
    expect(linesOf(String(res.headers['x-request-id'])).map((line) => line.msg)).toEqual(['incoming request', 'request completed'])
  })
})
