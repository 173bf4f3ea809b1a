/**
 * The ACS end to end through HTTP: SP- and IdP-initiated sign-in, InResponseTo single use, replay,
 * concurrent posts, and the rule that an IdP can never sign anyone into another org (DESIGN §3–§4).
 * Every attack is paired with the same flow accepted once the attack is removed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { minutes } from '../../src/core/clock.js'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor, setupSsoOrg, startSso, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idpA: TestIdp
let idpB: TestIdp
let orgA: SsoOrg
let orgB: SsoOrg

beforeEach(async () => {
  ctx = await createTestContext()
  idpA = await createTestIdp('idp-a')
  idpB = await createTestIdp('idp-b')
  orgA = await setupSsoOrg(ctx, idpA, { slug: 'org-a' })
  orgB = await setupSsoOrg(ctx, idpB, { slug: 'org-b' })
  await addMember(ctx, 'org-a', 'alice@a.test')
  await addMember(ctx, 'org-b', 'bob@b.test')
})
afterEach(() => ctx.close())

const sessionCount = async () =>
  Number(
    (
      await ctx.runtime.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
const me = (b: ReturnType<typeof browser>) =>
  ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `gh_session=${b.cookies.get('gh_session') ?? ''}` } })
const lastFailure = async (slug: string) => {
  const log = await operator(ctx, 'GET', `/organizations/${slug}/audit-log`)
  return log.json.data.find((e: { action: string }) => e.action === 'sso.sign_in_failed')?.detail
}

describe('SP-initiated sign-in', () => {
  it('signs a member in to their org with an SSO session and returns where they were going', async () => {
    const b = browser(ctx.app)
    const { requestId, relayState } = await startSso(b, orgA.ssoName, '?return_to=/dashboard%3Ftab%3Dworkspaces')
    expect(relayState).toMatch(/^[A-Za-z0-9_-]{20,80}$/)
    const res = await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: requestId }), relayState)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard?tab=workspaces')
    const body = (await me(b)).json()
    expect(body).toMatchObject({ email: 'alice@a.test', org: 'org-a', orgRole: 'member', authMethod: 'saml' })
  })

  it('never sends the user to another host, whatever return_to said', async () => {
    const b = browser(ctx.app)
    const { requestId } = await startSso(b, orgA.ssoName, '?return_to=//evil.test/x')
    const res = await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: requestId }))
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard')
  })

  it('rejects an InResponseTo we never issued, and accepts the one we did', async () => {
    const b = browser(ctx.app)
    const { requestId } = await startSso(b, orgA.ssoName)
    const forged = await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: '_not-ours' }))
    expect(forged.statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('request_unknown')
    const real = await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: requestId }))
    expect(real.statusCode).toBe(303)
  })

  it('accepts an InResponseTo once: a second response to the same request is refused', async () => {
    const b = browser(ctx.app)
    const { requestId } = await startSso(b, orgA.ssoName)
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: requestId }))).statusCode).toBe(303)
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: requestId }))).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('request_unknown')
  })

  it('refuses an answer to a request that expired (10 minutes), and accepts it within them', async () => {
    const b = browser(ctx.app)
    const late = await startSso(b, orgA.ssoName)
    const onTime = await startSso(b, orgA.ssoName)
    ctx.clock.advance(minutes(9))
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: onTime.requestId }))).statusCode).toBe(303)
    ctx.clock.advance(minutes(2))
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: late.requestId }))).statusCode).toBe(403)
  })

  it("does not accept org A's request ID in a response posted to org B", async () => {
    const b = browser(ctx.app)
    const { requestId } = await startSso(b, orgA.ssoName)
    const res = await postAcs(b, orgB, responseFor(ctx, idpB, orgB, { nameId: 'bob@b.test', inResponseTo: requestId }))
    expect(res.statusCode).toBe(403)
    expect((await lastFailure('org-b')).code).toBe('request_unknown')
  })
})

describe('IdP-initiated sign-in and replay', () => {
  it('accepts an unsolicited response where the connection allows it (the default)', async () => {
    const res = await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))
    expect(res.statusCode).toBe(303)
  })

  it('refuses an unsolicited response once allowIdpInitiated is off, while SP-initiated still works', async () => {
    await operator(ctx, 'PATCH', '/organizations/org-a/sso/policy', { allowIdpInitiated: false })
    const b = browser(ctx.app)
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('unsolicited_response')
    const { requestId } = await startSso(b, orgA.ssoName)
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', inResponseTo: requestId }))).statusCode).toBe(303)
  })

  it('refuses the same assertion twice (replay), while a fresh one is accepted', async () => {
    const xml = responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' })
    expect((await postAcs(browser(ctx.app), orgA, xml)).statusCode).toBe(303)
    expect((await postAcs(browser(ctx.app), orgA, xml)).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('assertion_replayed')
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
  })

  it('makes exactly one session from two simultaneous posts of one response', async () => {
    const xml = responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' })
    const before = await sessionCount()
    const results = await Promise.all(Array.from({ length: 8 }, () => postAcs(browser(ctx.app), orgA, xml)))
    expect(results.map((r) => r.statusCode).sort()).toEqual([303, 403, 403, 403, 403, 403, 403, 403])
    expect(await sessionCount()).toBe(before + 1)
  })
})

describe('an IdP can never sign anyone into another org', () => {
  it("refuses org A's IdP asserting a member of org B, and makes no session", async () => {
    const before = await sessionCount()
    const res = await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'bob@b.test' }))
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('not a member')
    expect((await lastFailure('org-a')).code).toBe('not_a_member')
    expect(await sessionCount()).toBe(before)
  })

  it("gives a member of A and B who signs in through A's IdP access to A only", async () => {
    await addMember(ctx, 'org-b', 'alice@a.test', { role: 'admin' })
    const b = browser(ctx.app)
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
    expect((await me(b)).json().org).toBe('org-a')
    const dashboard = await b.get('/dashboard')
    expect(dashboard.body).toContain('ORG-A')
    expect(dashboard.body).not.toContain('ORG-B')
    expect((await b.get('/orgs/org-b/members')).statusCode).toBe(403)
  })

  it("refuses org B's IdP key on org A's ACS even with org A's issuer name", async () => {
    const forged = responseFor(ctx, { ...idpB, entityId: idpA.entityId }, orgA, { nameId: 'alice@a.test' })
    expect((await postAcs(browser(ctx.app), orgA, forged)).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('signature_invalid')
  })

  it("refuses a response made for org B's ACS when posted to org A's", async () => {
    const forB = responseFor(ctx, idpA, orgB, { nameId: 'alice@a.test', issuer: idpA.entityId })
    expect((await postAcs(browser(ctx.app), orgA, forB)).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toMatch(/destination_mismatch|recipient_mismatch|audience_mismatch/)
  })
})

describe('provisioning and profile', () => {
  it('creates a member just in time when the connection says so, with names from the attributes', async () => {
    await operator(ctx, 'PATCH', '/organizations/org-a/sso/policy', { provisioning: 'just-in-time' })
    const xml = responseFor(ctx, idpA, orgA, { nameId: 'new@a.test', attributes: { first_name: ['Nia'], last_name: ['New'] } })
    expect((await postAcs(browser(ctx.app), orgA, xml)).statusCode).toBe(303)
    const member = await operator(ctx, 'GET', '/organizations/org-a/members/new@a.test')
    expect(member.json).toMatchObject({ email: 'new@a.test', firstName: 'Nia', lastName: 'New', role: 'member', workspaceRoles: {} })
  })

  it('finds the user by the mapped email attribute when the NameID is not an email, and remembers the NameID', async () => {
    const first = responseFor(ctx, idpA, orgA, {
      nameId: '00u1opaque',
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      attributes: { email: ['alice@a.test'] },
    })
    expect((await postAcs(browser(ctx.app), orgA, first)).statusCode).toBe(303)
    // The same NameID later with a changed email attribute still reaches the same user.
    const second = responseFor(ctx, idpA, orgA, {
      nameId: '00u1opaque',
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      attributes: { email: ['renamed@a.test'] },
    })
    const b = browser(ctx.app)
    expect((await postAcs(b, orgA, second)).statusCode).toBe(303)
    expect((await me(b)).json().email).toBe('alice@a.test')
  })

  it('refuses a response with no usable email, naming the reason in the audit log', async () => {
    const xml = responseFor(ctx, idpA, orgA, { nameId: 'opaque', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' })
    expect((await postAcs(browser(ctx.app), orgA, xml)).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('email_missing')
  })

  it("ends an SSO session at the org's session timeout", async () => {
    await operator(ctx, 'PATCH', '/organizations/org-a/sso/policy', { sessionTimeoutHours: 2 })
    const b = browser(ctx.app)
    await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))
    ctx.clock.advance(minutes(119))
    expect((await me(b)).statusCode).toBe(200)
    ctx.clock.advance(minutes(2))
    expect((await me(b)).statusCode).toBe(401)
  })

  it('refuses SSO sign-in while the connection is disabled, and accepts it once enabled', async () => {
    await operator(ctx, 'POST', '/organizations/org-a/sso/disable', {})
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(403)
    await operator(ctx, 'POST', '/organizations/org-a/sso/enable', { skipTest: true })
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
  })
})

describe('what the user and the owner see of a failure', () => {
  it('shows the user a plain page with a reference, and the audit log the full reason under it', async () => {
    const xml = responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test', audience: 'https://someone-else.test' })
    const res = await postAcs(browser(ctx.app), orgA, xml)
    expect(res.statusCode).toBe(403)
    const reference = /Reference: <code>([^<]+)<\/code>/.exec(res.body)?.[1]
    expect(reference).toBeDefined()
    expect(res.body).not.toContain('audience')
    expect(res.body).not.toContain('someone-else')
    const detail = await lastFailure('org-a')
    expect(detail).toMatchObject({ reference, code: 'audience_mismatch', received: ['https://someone-else.test'] })
    expect(JSON.stringify(detail)).not.toContain('<saml2:Assertion')
  })

  it.each([
    ['a body over the 3 MiB form limit', 'application/x-www-form-urlencoded', `SAMLResponse=${'A'.repeat(4 * 1024 * 1024)}`, 413],
    ['a JSON body that does not parse', 'application/json', '{bad', 400],
    ['an XML body', 'text/xml', '<x/>', 415],
  ])("answers %s with a plain page and a reference, never Fastify's JSON", async (_name, type, payload, status) => {
    const res = await ctx.app.inject({ method: 'POST', url: `/saml/${orgA.ssoName}/acs`, headers: { 'content-type': type }, payload })
    expect(res.statusCode).toBe(status)
    expect(res.headers['content-type']).toContain('text/html')
    expect(res.body).toMatch(/Reference: <code>[^<]+<\/code>/)
    expect(res.body).not.toContain('FST_ERR')
  })

  it('refuses a form with two SAMLResponse fields rather than pick one (400), and takes the same response once', async () => {
    const xml = responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' })
    const encoded = encodeURIComponent(Buffer.from(xml).toString('base64'))
    const post = (payload: string) =>
      ctx.app.inject({ method: 'POST', url: `/saml/${orgA.ssoName}/acs`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload })
    const twice = await post(`SAMLResponse=${encoded}&SAMLResponse=${encoded}`)
    expect(twice.statusCode).toBe(400)
    expect(twice.headers['set-cookie']).toBeUndefined()
    // Padding does not hide the second one (a field cap would have dropped it).
    const padding = Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join('&')
    const padded = await post(`SAMLResponse=${encoded}&${padding}&SAMLResponse=${encoded}`)
    expect(padded.statusCode).toBe(400)
    expect(padded.headers['set-cookie']).toBeUndefined()
    const once = await post(`SAMLResponse=${encoded}`)
    expect(once.statusCode).toBe(303)
  })

  it('answers 503 once 64 MiB of posts wait for their turn (a flood cannot pile up memory), and serves the next post after the flood', async () => {
    const big = `SAMLResponse=${'A'.repeat(2.9 * 1024 * 1024)}`
    const flood = await Promise.all(
      Array.from({ length: 25 }, () =>
        ctx.app.inject({ method: 'POST', url: `/saml/${orgA.ssoName}/acs`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: big }),
      ),
    )
    const statuses = flood.map((r) => r.statusCode)
    // 25 × 2.9 MiB = 72.5 MiB: the posts past 64 MiB are turned away; the others get their turn and
    // are refused as too large by the validator.
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(3)
    expect(statuses.every((s) => s === 503 || s === 400)).toBe(true)
    const busy = flood.find((r) => r.statusCode === 503)!
    expect(busy.headers['retry-after']).toBe('5')
    expect(busy.body).toMatch(/Reference: <code>[^<]+<\/code>/)
    const after = await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))
    expect(after.statusCode).toBe(303)
  })

  it('refuses a form with more than 32 fields before parsing it, and accepts the response with a few extra fields', async () => {
    const encoded = encodeURIComponent(Buffer.from(responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' })).toString('base64'))
    const post = (payload: string) =>
      ctx.app.inject({ method: 'POST', url: `/saml/${orgA.ssoName}/acs`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload })
    const padding = (n: number) => Array.from({ length: n }, (_, i) => `extra${i}=1`).join('&')
    const crowded = await post(`SAMLResponse=${encoded}&${padding(32)}`)
    expect(crowded.statusCode).toBe(400)
    expect(crowded.headers['set-cookie']).toBeUndefined()
    expect(crowded.body).toMatch(/Reference: <code>[^<]+<\/code>/)
    // The same response with 31 fields in all is accepted: the crowded post consumed nothing.
    const fine = await post(`SAMLResponse=${encoded}&RelayState=&${padding(29)}`)
    expect(fine.statusCode).toBe(303)
  })

  it('answers garbage with a 400 page and no stack trace', async () => {
    const res = await browser(ctx.app).post(`/saml/${orgA.ssoName}/acs`, { SAMLResponse: 'not-base64!!' })
    expect(res.statusCode).toBe(400)
    expect(res.body).not.toMatch(/\bat .+\(.+:\d+:\d+\)/)
  })
})

describe('removing a member ends the sessions made for that org', () => {
  it('does not bring an SSO session back to life when the person is added again', async () => {
    const b = browser(ctx.app)
    expect((await postAcs(b, orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
    expect((await me(b)).statusCode).toBe(200)
    expect((await operator(ctx, 'DELETE', '/organizations/org-a/members/alice@a.test')).status).toBe(204)
    await addMember(ctx, 'org-a', 'alice@a.test')
    expect((await me(b)).statusCode).toBe(401)
  })
})

describe('a returning user (remembered NameID, nothing to write)', () => {
  const identity = async (nameId: string) =>
    ctx.runtime.db.selectFrom('saml_identities').select(['user_id', 'last_seen_at']).where('name_id', '=', nameId).executeTakeFirst()

  it('is refused once no longer a member, and accepted again once added back', async () => {
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
    expect(await identity('alice@a.test')).toBeDefined()
    expect((await operator(ctx, 'DELETE', '/organizations/org-a/members/alice@a.test')).status).toBe(204)
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('not_a_member')
    await addMember(ctx, 'org-a', 'alice@a.test')
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
  })

  it('gets the names the IdP sends now, not those of the first sign-in', async () => {
    const names = (first: string, last: string) => ({ nameId: 'alice@a.test', attributes: { first_name: [first], last_name: [last] } })
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, names('Alice', 'Liddell')))).statusCode).toBe(303)
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, names('Alice', 'Liddell')))).statusCode).toBe(303)
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, names('Alicia', 'Hargreaves')))).statusCode).toBe(303)
    expect((await operator(ctx, 'GET', '/organizations/org-a/members/alice@a.test')).json).toMatchObject({ firstName: 'Alicia', lastName: 'Hargreaves' })
  })

  it("moves the identity's last-seen time at most once an hour", async () => {
    const signIn = () => postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))
    expect((await signIn()).statusCode).toBe(303)
    const first = (await identity('alice@a.test'))!.last_seen_at
    ctx.clock.advance(minutes(59))
    expect((await signIn()).statusCode).toBe(303)
    expect((await identity('alice@a.test'))!.last_seen_at).toBe(first)
    ctx.clock.advance(minutes(2))
    expect((await signIn()).statusCode).toBe(303)
    expect((await identity('alice@a.test'))!.last_seen_at).toBe(ctx.clock.now().toISOString())
  })

  it("is refused with the IdP's old key as soon as the certificate is replaced, and accepted with the new one", async () => {
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
    const rolled = await createTestIdp('idp-a-new-key', idpA.entityId)
    expect(
      (
        await operator(ctx, 'PUT', '/organizations/org-a/sso/idp', {
          ssoUrl: 'https://org-a.idp.test/sso',
          entityId: idpA.entityId,
          certificates: [rolled.certificatePem],
        })
      ).status,
    ).toBe(200)
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('signature_invalid')
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, rolled, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
  })

  it('is refused by the next post after SSO is disabled', async () => {
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(303)
    await operator(ctx, 'POST', '/organizations/org-a/sso/disable', {})
    expect((await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'alice@a.test' }))).statusCode).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('sso_not_enabled')
  })
})
