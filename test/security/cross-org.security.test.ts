/**
 * One org's IdP must not speak for people beyond that org. Just-in-time provisioning may create new
 * accounts, but attaches an account that exists already (a password, other orgs) only when the org
 * verified the email's domain; an email of a domain another org verified is that org's; and an IdP
 * renames only someone who is in its org alone, or whose email domain its org verified.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js'
import { postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let dns: TestDnsServer
let idpB: TestIdp
let orgB: SsoOrg

beforeEach(async () => {
  dns = await startDnsServer()
  ctx = await createTestContext({ env: { GATEHOUSE_DNS_SERVERS: dns.address } })
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/members', {
    email: 'victim@acme.test',
    firstName: 'Vic',
    lastName: 'Tim',
    role: 'owner',
    password: 'correct horse battery',
  })
  idpB = await createTestIdp('cross-org-b')
  orgB = await setupSsoOrg(ctx, idpB, { slug: 'evil', ssoName: 'evil', policy: { provisioning: 'just-in-time' } })
})
afterEach(async () => {
  await ctx?.close()
  await dns?.close()
  ctx = undefined as never
})

const signInAtB = async (nameId: string, attributes: Record<string, string[]> = {}) =>
  postAcs(browser(ctx.app), orgB, responseFor(ctx, idpB, orgB, { nameId, attributes }))

const memberOfB = async (email: string) => (await operator(ctx, 'GET', `/organizations/evil/members/${encodeURIComponent(email)}`)).status === 200
const lastFailure = async () =>
  (await operator(ctx, 'GET', '/organizations/evil/audit-log')).json.data.find((e: { action: string }) => e.action === 'sso.sign_in_failed')?.detail

async function verify(org: string, domain: string): Promise<void> {
  expect((await operator(ctx, 'POST', `/organizations/${org}/domains`, { domain })).status).toBe(201)
  expect((await operator(ctx, 'POST', `/organizations/${org}/domains/${domain}/verify`, { skipDnsCheck: true })).status).toBe(200)
}

describe('just-in-time provisioning and existing accounts', () => {
  it("does not attach an existing account to another org through that org's IdP; an invitation does", async () => {
    const res = await signInAtB('victim@acme.test', { first_name: ['Evil'], last_name: ['Name'] })
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('already has a Gatehouse account')
    expect(await lastFailure()).toMatchObject({ code: 'account_not_invited', email: 'victim@acme.test' })
    expect(await memberOfB('victim@acme.test')).toBe(false)
    expect((await operator(ctx, 'GET', '/organizations/acme/members/victim@acme.test')).json).toMatchObject({ firstName: 'Vic', lastName: 'Tim' })

    // Invited by org B's owner (here the operator), the same person signs in through B's IdP.
    await operator(ctx, 'POST', '/organizations/evil/members', { email: 'victim@acme.test', role: 'member' })
    expect((await signInAtB('victim@acme.test')).statusCode).toBe(303)
  })

  it('still creates new accounts just in time', async () => {
    expect((await signInAtB('newcomer@evil.test')).statusCode).toBe(303)
    expect(await memberOfB('newcomer@evil.test')).toBe(true)
  })

  it("attaches an existing account when the org verified the email's domain", async () => {
    await verify('evil', 'acme.test')
    expect((await signInAtB('victim@acme.test')).statusCode).toBe(303)
    expect(await memberOfB('victim@acme.test')).toBe(true)
  })
})

describe('a domain another org verified', () => {
  it("is that org's: another org's IdP cannot provision its emails, even new ones", async () => {
    await verify('acme', 'acme.test')
    const res = await signInAtB('fresh@acme.test')
    expect(res.statusCode).toBe(403)
    expect(await lastFailure()).toMatchObject({ code: 'email_domain_not_allowed', email: 'fresh@acme.test', domain: 'acme.test' })
    expect((await operator(ctx, 'GET', '/organizations/evil/members')).json.data).toEqual([])
    expect((await signInAtB('fresh@evil.test')).statusCode).toBe(303)
  })
})

describe('names', () => {
  it('are changed by an IdP only for someone in its org alone, or of a domain its org verified', async () => {
    await operator(ctx, 'POST', '/organizations/evil/members', { email: 'victim@acme.test', role: 'member' })
    expect((await signInAtB('victim@acme.test', { first_name: ['Evil'], last_name: ['Name'] })).statusCode).toBe(303)
    const names = async () => {
      const m = (await operator(ctx, 'GET', '/organizations/acme/members/victim@acme.test')).json
      return `${m.firstName} ${m.lastName}`
    }
    expect(await names()).toBe('Vic Tim')

    expect((await signInAtB('solo@evil.test', { first_name: ['Solo'], last_name: ['One'] })).statusCode).toBe(303)
    expect((await signInAtB('solo@evil.test', { first_name: ['Solo'], last_name: ['Two'] })).statusCode).toBe(303)
    expect((await operator(ctx, 'GET', '/organizations/evil/members/solo@evil.test')).json).toMatchObject({ lastName: 'Two' })

    await verify('evil', 'acme.test')
    expect((await signInAtB('victim@acme.test', { first_name: ['Victoria'], last_name: ['Tim'] })).statusCode).toBe(303)
    expect(await names()).toBe('Victoria Tim')
  })
})
