/**
 * The SAML tracer under attack (security review): it never keeps a response that could still sign
 * someone in, and hostile XML (markup in attribute values, comments, CDATA) shows as text.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { buildResponse, createTestIdp, sign, type TestIdp } from '../helpers/test-idp.js'
import { OWNER, PASSWORD, signedIn } from '../http/support.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('tracer-sec')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/members', { email: OWNER, firstName: 'O', lastName: 'W', role: 'owner', password: PASSWORD })
  await operator(ctx, 'POST', '/organizations/acme/members', { email: 'mia@acme.test', firstName: 'M', lastName: 'I', role: 'member' })
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

const kept = async () => (await ctx.runtime.db.selectFrom('sso_failed_responses').selectAll().execute()).map((k) => JSON.parse(k.failure).code as string)
const minutes = (n: number) => new Date(ctx.clock.now().getTime() + n * 60_000)

describe('responses refused by a time check', () => {
  it('keeps none refused as not yet valid: once its time comes it signs in', async () => {
    const early = responseFor(ctx, idp, org, { nameId: 'mia@acme.test', notBefore: minutes(10), notOnOrAfter: minutes(20) })
    expect((await postAcs(browser(ctx.app), org, early)).statusCode).toBe(403)
    expect(await kept()).toEqual([])
    ctx.clock.advance(11 * 60_000)
    expect((await postAcs(browser(ctx.app), org, early)).statusCode).toBe(303)
  })

  it('keeps one refused as expired, which can never sign in', async () => {
    const late = responseFor(ctx, idp, org, { nameId: 'mia@acme.test', now: minutes(-30), notBefore: minutes(-30), notOnOrAfter: minutes(-20) })
    expect((await postAcs(browser(ctx.app), org, late)).statusCode).toBe(403)
    expect(await kept()).toEqual(['expired'])
  })
})

describe('hostile XML in the tracer', () => {
  it('shows markup from attribute values, comments and CDATA as text, never as elements', async () => {
    const stranger = await createTestIdp('tracer-sec-stranger')
    const hostile = '"><script src="/x.js"></script><img src=x onerror=alert(1)>'
    let xml = buildResponse({
      issuer: idp.entityId,
      acsUrl: org.acsUrl,
      audience: org.entityId,
      now: ctx.clock.now(),
      nameId: 'mia@acme.test',
      attributes: { [hostile]: [hostile] },
    })
    xml = xml.replace('<saml2:Subject>', `<!-- <script>alert(2)</script> --><saml2:Subject><![CDATA[</pre><script>alert(3)</script>]]>`)
    const refused = await postAcs(browser(ctx.app), org, sign(xml, 'assertion', stranger))
    expect(refused.statusCode).toBe(403)
    // The CDATA beside Subject's elements is refused by the schema check, before any signature.
    expect(await kept()).toEqual(['schema_invalid'])
    const reference = /<code>([A-Za-z0-9_-]{12})<\/code>/.exec(refused.body)![1]!
    const page = await (await signedIn(ctx, OWNER)).get(`/orgs/acme/audit/sign-ins/${reference}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toMatch(/<script(?! src="\/static\/)/)
    expect(page.body).not.toContain('<img')
    expect(page.body).toContain('&lt;script&gt;alert(2)&lt;/script&gt;')
    expect(page.body).toContain('&lt;/pre&gt;&lt;script&gt;alert(3)')
    expect(page.body).toContain('onerror=alert(1)&gt;')
  })
})
