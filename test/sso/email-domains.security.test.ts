/**
 * Email domains as a security boundary, each refusal paired with the same request accepted once the
 * attack is removed: DNS proof of control, one org per verified domain, routing "Sign in with SSO"
 * by email, and just-in-time provisioning limited to the org's verified domains.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js'
import { addMember, idpNavigation, postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let dns: TestDnsServer
let ctx: TestContext
let idpA: TestIdp
let orgA: SsoOrg

beforeAll(async () => {
  dns = await startDnsServer()
  idpA = await createTestIdp('idp-a')
})
afterAll(() => dns.close())
beforeEach(async () => {
  ctx = await createTestContext({ env: { GATEHOUSE_DNS_SERVERS: dns.address } })
  orgA = await setupSsoOrg(ctx, idpA, { slug: 'org-a', ssoName: 'acme' })
  await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'org-b' })
})
afterEach(async () => {
  await ctx.close()
  for (const name of ['acme.test', '_gatehouse.acme.test', 'other.test']) dns.clear(name)
})

const add = async (org: string, domain: string) => (await operator(ctx, 'POST', `/organizations/${org}/domains`, { domain })).json.verification.value as string
const verify = (org: string, domain: string, body: unknown = {}) => operator(ctx, 'POST', `/organizations/${org}/domains/${domain}/verify`, body)
const lastFailure = async (slug: string) =>
  (await operator(ctx, 'GET', `/organizations/${slug}/audit-log`)).json.data.find((e: { action: string }) => e.action === 'sso.sign_in_failed')?.detail

describe('DNS proof of control', () => {
  const refusals: [string, (value: string) => void][] = [
    ['no TXT record at all (NXDOMAIN)', () => {}],
    ['only unrelated TXT records', () => dns.setTxt('acme.test', ['v=spf1 -all', 'google-site-verification=abc'])],
    ['a record with another token', () => dns.setTxt('acme.test', ['gatehouse-verification=0123456789abcdefghijklmnopqrstuvwxyzABCDEFG'])],
    ['the token without the prefix', (value) => dns.setTxt('acme.test', [value.slice('gatehouse-verification='.length)])],
    ['the record in other letter case', (value) => dns.setTxt('acme.test', [value.toUpperCase()])],
    ['the record with a trailing space', (value) => dns.setTxt('acme.test', [`${value} `])],
    ['the record with extra text after it', (value) => dns.setTxt('acme.test', [`${value};x`])],
    ['the record split across two TXT records', (value) => dns.setTxt('acme.test', [value.slice(0, 30), value.slice(30)])],
    ['the right record at _gatehouse.acme.test instead of the domain', (value) => dns.setTxt('_gatehouse.acme.test', [value])],
  ]
  for (const [attack, publish] of refusals) {
    it(`refuses verification with ${attack} (409 domain_verification_failed), and accepts once the right record is published`, async () => {
      const value = await add('org-a', 'acme.test')
      publish(value)
      const refused = await verify('org-a', 'acme.test')
      expect(refused.status).toBe(409)
      expect(refused.json.error.code).toBe('domain_verification_failed')
      expect((await operator(ctx, 'GET', '/organizations/org-a/domains/acme.test')).json.verified).toBe(false)
      dns.setTxt('acme.test', ['v=spf1 -all', value])
      expect((await verify('org-a', 'acme.test')).json).toMatchObject({ verified: true, verifiedBy: 'dns' })
    })
  }

  it('joins a record published as several strings (RFC 7208 §3.3), as DNS hosts split long values', async () => {
    const value = await add('org-a', 'acme.test')
    dns.setTxt('acme.test', [[value.slice(0, 10), value.slice(10, 40), value.slice(40)]])
    expect((await verify('org-a', 'acme.test')).json.verified).toBe(true)
  })

  it("refuses org B's token published for org A's entry, and accepts org A's own", async () => {
    await add('org-a', 'acme.test')
    const tokenOfB = await add('org-b', 'acme.test')
    dns.setTxt('acme.test', [tokenOfB])
    expect((await verify('org-a', 'acme.test')).json.error.code).toBe('domain_verification_failed')
    expect((await verify('org-b', 'acme.test')).json.verified).toBe(true)
  })
})

describe('a verified domain belongs to one org', () => {
  it("lets org B add a domain org A holds verified, refuses B's verification (409 domain_taken) even with B's record published, and accepts it once A removes the domain", async () => {
    const valueA = await add('org-a', 'acme.test')
    dns.setTxt('acme.test', [valueA])
    expect((await verify('org-a', 'acme.test')).json.verified).toBe(true)
    const added = await operator(ctx, 'POST', '/organizations/org-b/domains', { domain: 'acme.test' })
    expect(added.status).toBe(201)
    dns.setTxt('acme.test', [valueA, added.json.verification.value])
    const refused = await verify('org-b', 'acme.test')
    expect(refused.status).toBe(409)
    expect(refused.json.error.code).toBe('domain_taken')
    expect(refused.json.error.message).not.toContain('org-a')
    expect((await verify('org-b', 'acme.test', { skipDnsCheck: true })).json.error.code).toBe('domain_taken')
    expect((await operator(ctx, 'GET', '/organizations/org-b/domains/acme.test')).json.verified).toBe(false)

    expect((await operator(ctx, 'DELETE', '/organizations/org-a/domains/acme.test')).status).toBe(204)
    expect((await verify('org-b', 'acme.test')).json).toMatchObject({ verified: true, verifiedBy: 'dns' })
  })

  it('lets exactly one of two orgs win when both verify at the same moment', async () => {
    const valueA = await add('org-a', 'acme.test')
    const valueB = await add('org-b', 'acme.test')
    dns.setTxt('acme.test', [valueA, valueB])
    const results = await Promise.all([
      verify('org-a', 'acme.test'),
      verify('org-b', 'acme.test'),
      verify('org-a', 'acme.test', { skipDnsCheck: true }),
      verify('org-b', 'acme.test', { skipDnsCheck: true }),
    ])
    const verifiedOrgs = new Set<string>()
    for (const org of ['org-a', 'org-b']) {
      if ((await operator(ctx, 'GET', `/organizations/${org}/domains/acme.test`)).json.verified) verifiedOrgs.add(org)
    }
    expect(verifiedOrgs.size).toBe(1)
    expect(results.every((r) => r.status === 200 || r.json.error.code === 'domain_taken')).toBe(true)
  })
})

/** Where each outstanding SP-initiated request will send the user after the IdP. */
async function returnTos(): Promise<(string | null)[]> {
  return (await ctx.runtime.db.selectFrom('saml_requests').select(['return_to', 'created_at']).orderBy('created_at').execute()).map((r) => r.return_to)
}

describe('"Sign in with SSO" by email', () => {
  const ssoForm = (entered: string, next?: string) =>
    browser(ctx.app).get(`/sso?sso_name=${encodeURIComponent(entered)}${next === undefined ? '' : `&next=${encodeURIComponent(next)}`}`)
  const verifyA = async () => {
    dns.setTxt('acme.test', [await add('org-a', 'acme.test')])
    expect((await verify('org-a', 'acme.test')).json.verified).toBe(true)
  }

  it("sends an email of a verified domain to that org's SP-initiated flow, keeping where the user was going", async () => {
    await verifyA()
    const res = await ssoForm('Jo@ACME.test', '/dashboard?tab=x')
    expect(idpNavigation(res)).toMatch(/^https:\/\/org-a\.idp\.test\/sso\?SAMLRequest=/)
    expect(await returnTos()).toEqual(['/dashboard?tab=x'])
  })

  it("gives one and the same answer for a pending domain, another org's pending claim, SSO switched off, and an unknown domain", async () => {
    const valueA = await add('org-a', 'acme.test')
    await add('org-b', 'other.test')
    const bodies: string[] = []
    for (const email of ['jo@acme.test', 'jo@other.test', 'jo@unknown.test', 'jo@gmail.com', 'not an email@']) {
      const res = await ssoForm(email)
      expect(res.statusCode, email).toBe(404)
      expect(res.body).toContain('found no single sign-on for that email address')
      bodies.push(
        res.body
          .replace(/name="_csrf" value="[^"]*"/, '')
          .replaceAll(email.replace('@', '&#64;'), '')
          .replaceAll(email, ''),
      )
    }
    dns.setTxt('acme.test', [valueA])
    expect((await verify('org-a', 'acme.test')).json.verified).toBe(true)
    await operator(ctx, 'POST', '/organizations/org-a/sso/disable', {})
    const off = await ssoForm('jo@acme.test')
    expect(off.statusCode).toBe(404)
    bodies.push(off.body.replace(/name="_csrf" value="[^"]*"/, '').replaceAll('jo@acme.test', ''))
    expect(new Set(bodies).size).toBe(1)
    await operator(ctx, 'POST', '/organizations/org-a/sso/enable', { skipTest: true })
    expect(idpNavigation(await ssoForm('jo@acme.test'))).toMatch(/^https:\/\/org-a\.idp\.test\/sso\?SAMLRequest=/)
  })

  it('still takes an SSO name', async () => {
    const res = await ssoForm('ACME')
    expect(idpNavigation(res)).toMatch(/^https:\/\/org-a\.idp\.test\/sso\?SAMLRequest=/)
  })

  it('sends an email of a verified domain typed without a password to its IdP; with a password, the password decides', async () => {
    await verifyA()
    await addMember(ctx, 'org-a', 'jo@acme.test', { password: 'correct horse battery' })
    const passwordPage = (password: string, next?: string) =>
      browser(ctx.app).submit(next === undefined ? '/login' : `/login?next=${encodeURIComponent(next)}`, '/login', {
        email: 'jo@acme.test',
        password,
        ...(next === undefined ? {} : { next }),
      })
    for (const enforcement of ['strict', 'optional'] as const) {
      await operator(ctx, 'PATCH', '/organizations/org-a/sso/policy', { enforcement })
      const routed = await passwordPage('', '/dashboard')
      expect(idpNavigation(routed), enforcement).toMatch(/^https:\/\/org-a\.idp\.test\/sso\?SAMLRequest=/)
      expect((await returnTos()).at(-1)).toBe('/dashboard')
    }
    expect((await passwordPage('anything at all')).statusCode).toBe(401)
    const signedIn = await passwordPage('correct horse battery')
    expect(signedIn.statusCode).toBe(303)
    expect(signedIn.headers.location).toBe('/dashboard')
    await operator(ctx, 'PATCH', '/organizations/org-a/sso/policy', { enforcement: 'strict' })
    const refused = await passwordPage('correct horse battery')
    expect(refused.statusCode).toBe(403)
    // An email of a domain nobody verified, typed without a password, is just a failed sign-in.
    const unknown = await browser(ctx.app).submit('/login', '/login', { email: 'jo@nowhere.test', password: '' })
    expect(unknown.statusCode).toBe(401)
  })
})

describe('just-in-time provisioning with verified domains', () => {
  const signIn = async (nameId: string) => (await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId }))).statusCode
  const isMember = async (email: string) => (await operator(ctx, 'GET', `/organizations/org-a/members/${email}`)).status === 200

  beforeEach(async () => {
    await operator(ctx, 'PATCH', '/organizations/org-a/sso/policy', { provisioning: 'just-in-time' })
  })

  it('provisions any email while the org has no verified domain (a pending one does not count)', async () => {
    await add('org-a', 'acme.test')
    expect(await signIn('new@elsewhere.test')).toBe(303)
    expect(await isMember('new@elsewhere.test')).toBe(true)
  })

  it('refuses a new member whose email is outside the verified domains (email_domain_not_allowed, audited), and provisions one inside', async () => {
    dns.setTxt('acme.test', [await add('org-a', 'acme.test')])
    await verify('org-a', 'acme.test')
    const res = await postAcs(browser(ctx.app), orgA, responseFor(ctx, idpA, orgA, { nameId: 'contractor@elsewhere.test' }))
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('only adds people with an email address of its own domains')
    expect(await lastFailure('org-a')).toMatchObject({ code: 'email_domain_not_allowed', email: 'contractor@elsewhere.test', domain: 'elsewhere.test' })
    expect(await isMember('contractor@elsewhere.test')).toBe(false)
    expect(await ctx.deps.store.users.findByEmail('contractor@elsewhere.test')).toBeUndefined()

    expect(await signIn('New@Acme.TEST')).toBe(303)
    expect(await isMember('new@acme.test')).toBe(true)
  })

  it('refuses a look-alike subdomain or suffix of a verified domain, which are other domains', async () => {
    await verify('org-a', (await add('org-a', 'acme.test'), 'acme.test'), { skipDnsCheck: true })
    for (const email of ['x@mail.acme.test', 'x@evilacme.test', 'x@acme.test.evil.test']) {
      expect(await signIn(email), email).toBe(403)
    }
    expect(await signIn('x@acme.test')).toBe(303)
  })

  it('keeps letting existing members outside the domains sign in', async () => {
    await addMember(ctx, 'org-a', 'consultant@elsewhere.test')
    await verify('org-a', (await add('org-a', 'acme.test'), 'acme.test'), { skipDnsCheck: true })
    expect(await signIn('consultant@elsewhere.test')).toBe(303)
  })

  it('applies under role mapping too: refused outside, provisioned inside', async () => {
    await operator(ctx, 'PATCH', '/organizations/org-a/sso/policy', {
      provisioning: 'invite-only',
      roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: [] },
    })
    await verify('org-a', (await add('org-a', 'acme.test'), 'acme.test'), { skipDnsCheck: true })
    expect(await signIn('someone@elsewhere.test')).toBe(403)
    expect((await lastFailure('org-a')).code).toBe('email_domain_not_allowed')
    expect(await signIn('someone@acme.test')).toBe(303)
  })
})
