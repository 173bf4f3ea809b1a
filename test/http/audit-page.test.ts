/**
 * The audit log page: owners and admins read it, filtered by kind and paged; a failed SSO sign-in
 * shows its reason, and the owner (only) can open the refused response in the SAML tracer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { ADMIN, MEMBER, OWNER, PASSWORD, signedIn, withoutWordBreaks } from './support.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('audit-page')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme' })
  for (const [email, role] of [
    [OWNER, 'owner'],
    [ADMIN, 'admin'],
    [MEMBER, 'member'],
  ] as const) {
    await operator(ctx, 'POST', '/organizations/acme/members', { email, firstName: 'T', lastName: 'U', role, password: PASSWORD })
  }
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

const rowsOf = (html: string) => [...html.matchAll(/<tr(?: class="failed-row")?><td[^>]*><time/g)].length

describe('the audit log page', () => {
  it('lists events newest first for owners and admins, filters by kind and pages by 50', async () => {
    for (let i = 0; i < 55; i++) await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: `W${i}`, slug: `w-${i}` })
    const owner = await signedIn(ctx, OWNER)
    const first = await owner.get('/orgs/acme/audit')
    expect(first.statusCode).toBe(200)
    expect(rowsOf(first.body)).toBe(50)
    const shown = withoutWordBreaks(first.body)
    expect(shown.indexOf('w-54')).toBeGreaterThan(0)
    expect(shown.indexOf('w-54')).toBeLessThan(shown.indexOf('w-53'))
    const older = /href="(\/orgs\/acme\/audit\?kind=&amp;after=[^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, '&')
    const second = await owner.get(older)
    expect(rowsOf(second.body)).toBeGreaterThan(0)
    expect(second.body).toContain('>Newest</a>')

    const sso = await owner.get('/orgs/acme/audit?kind=sso')
    expect(sso.body).toContain('sso.created')
    expect(sso.body).not.toContain('workspace.created')
    expect((await (await signedIn(ctx, ADMIN)).get('/orgs/acme/audit')).statusCode).toBe(200)
    expect((await (await signedIn(ctx, MEMBER)).get('/orgs/acme/audit')).statusCode).toBe(403)
    expect((await owner.get('/orgs/acme/audit?kind=%25')).statusCode).toBe(200)
  })

  it("shows a failed sign-in's reason, and the refused response marked at the failed check to the owner only", async () => {
    const refused = await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: 'x@acme.test', destination: 'https://elsewhere.test/acs' }))
    expect(refused.statusCode).toBe(403)
    const reference = /<code>([A-Za-z0-9_-]{12})<\/code>/.exec(refused.body)![1]!

    const owner = await signedIn(ctx, OWNER)
    const log = await owner.get('/orgs/acme/audit?kind=sso')
    expect(withoutWordBreaks(log.body)).toContain('destination_mismatch')
    expect(log.body).toContain(`<code>${reference}</code>`)
    const trace = `/orgs/acme/audit/sign-ins/${reference}`
    expect(log.body).toContain(`href="${trace}"`)
    const page = await owner.get(trace)
    expect(page.statusCode).toBe(200)
    expect(page.headers['cache-control']).toBe('no-store')
    expect(page.body).toContain('Failed: destination_mismatch')
    expect(page.body).toContain('Reply URL')
    const marked = [...page.body.matchAll(/<span class="line failed">([\s\S]*?)\n<\/span>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''))
    expect(marked).toHaveLength(1)
    expect(marked[0]).toContain('Destination=&quot;https://elsewhere.test/acs&quot;')

    const admin = await signedIn(ctx, ADMIN)
    expect((await admin.get('/orgs/acme/audit?kind=sso')).body).not.toContain(`href="${trace}"`)
    expect((await admin.get(trace)).statusCode).toBe(403)
    await operator(ctx, 'POST', '/organizations', { name: 'Other', slug: 'other' })
    await operator(ctx, 'POST', '/organizations/other/members', { email: 'o@other.test', firstName: 'O', lastName: 'O', role: 'owner', password: PASSWORD })
    expect((await (await signedIn(ctx, 'o@other.test')).get(trace.replace('/acme/', '/other/'))).statusCode).toBe(404)

    ctx.clock.advance(7 * 86_400_000 + 1000)
    expect((await (await signedIn(ctx, OWNER)).get(trace)).statusCode).toBe(404)
  })

  it('keeps a response refused after the checks (not a member) once it can never be replayed, and none that was not a SAML response', async () => {
    const stranger = responseFor(ctx, idp, org, { nameId: 'not-a-member@elsewhere.test' })
    expect((await postAcs(browser(ctx.app), org, stranger)).statusCode).toBe(403)
    expect((await postAcs(browser(ctx.app), org, stranger)).statusCode).toBe(403) // the replay
    await browser(ctx.app).post('/saml/acme/acs', { SAMLResponse: Buffer.from('<html/>').toString('base64') })
    const kept = await ctx.runtime.db.selectFrom('sso_failed_responses').selectAll().execute()
    expect(kept.map((k) => JSON.parse(k.failure).code).sort()).toEqual(['assertion_replayed', 'not_a_member'])
    const log = await (await signedIn(ctx, OWNER)).get('/orgs/acme/audit?kind=sso')
    expect(withoutWordBreaks(log.body)).toContain('not_a_member')
    expect(log.body).toContain('Show the response')
  })

  it('keeps no response refused before its ID entered the replay cache (it could still be good later)', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { allowIdpInitiated: false })
    expect((await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: 'x@acme.test' }))).statusCode).toBe(403)
    expect((await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: 'x@acme.test', inResponseTo: '_unknown' }))).statusCode).toBe(403)
    expect(await ctx.runtime.db.selectFrom('sso_failed_responses').selectAll().execute()).toEqual([])
  })

  it('keeps at most 100 refused responses per connection, the newest', async () => {
    for (let i = 0; i < 103; i++) {
      await postAcs(browser(ctx.app, { ip: `10.0.${i}.1` }), org, responseFor(ctx, idp, org, { nameId: `n${i}@acme.test`, audience: 'https://wrong.test' }))
    }
    const kept = await ctx.runtime.db.selectFrom('sso_failed_responses').select(['xml']).execute()
    expect(kept).toHaveLength(100)
    expect(kept.some((k) => k.xml.includes('n0@acme.test'))).toBe(false)
    expect(kept.some((k) => k.xml.includes('n102@acme.test'))).toBe(true)
  })

  it('answers 429 past 100 failed sign-ins from one IP in the window, recording no more of them; good sign-ins and other IPs go on', async () => {
    const attacker = () => browser(ctx.app, { ip: '203.0.113.9' })
    const bad = () => responseFor(ctx, idp, org, { nameId: 'x@acme.test', audience: 'https://wrong.test' })
    for (let i = 0; i < 100; i++) expect((await postAcs(attacker(), org, bad())).statusCode).toBe(403)
    const audited = async () => (await ctx.runtime.db.selectFrom('audit_events').select('id').where('action', '=', 'sso.sign_in_failed').execute()).length
    expect(await audited()).toBe(100)
    const throttled = await postAcs(attacker(), org, bad())
    expect(throttled.statusCode).toBe(429)
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0)
    expect(throttled.body).toContain('Too many failed sign-ins')
    expect(await audited()).toBe(100)
    // The same IP still signs in with a good response; another IP's failure is still recorded.
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'good@acme.test', firstName: 'G', lastName: 'O', role: 'member' })
    expect((await postAcs(attacker(), org, responseFor(ctx, idp, org, { nameId: 'good@acme.test' }))).statusCode).toBe(303)
    expect((await postAcs(browser(ctx.app, { ip: '198.51.100.4' }), org, bad())).statusCode).toBe(403)
    expect(await audited()).toBe(101)
    // A new window starts afresh.
    ctx.clock.advance(15 * 60_000)
    expect((await postAcs(attacker(), org, bad())).statusCode).toBe(403)
  })
})
