/** The owner's SSO pages (issue 5): admins read-only, members nothing, disabling, email domains; every change audited. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { ADMIN, MEMBER, OWNER, refusalCode, seedAcme, signedIn } from './support.js'
import { fieldError, idpMetadata, ssoPageHelpers } from './sso-pages-support.js'

let ctx: TestContext
let owner: Browser
let idp: TestIdp

beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  owner = await signedIn(ctx, OWNER)
  idp = await createTestIdp('pages')
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})
const { sso, createName } = ssoPageHelpers(() => ({ ctx, owner }))

describe('who sees what', () => {
  beforeEach(async () => {
    await createName()
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
      ssoUrl: 'https://idp.example.test/sso',
      entityId: idp.entityId,
      certificates: [idp.certificatePem],
    })
  })

  it('shows admins every step read-only, and refuses their changes', async () => {
    const admin = await signedIn(ctx, ADMIN)
    const overview = await admin.get('/orgs/acme/sso')
    expect(overview.statusCode).toBe(200)
    expect(overview.body).toContain('only the owner can change it')
    expect(overview.body).not.toContain('action="/orgs/acme/sso/name"')
    expect(overview.body).not.toContain('Test SSO')
    const policy = await admin.get('/orgs/acme/sso/policy')
    expect(policy.body).not.toContain('Save user management')
    expect(policy.body).toMatch(/name="enforcement" value="optional" checked="" disabled=""/)
    expect((await admin.get('/orgs/acme/sso/idp')).body).not.toContain('name="metadataXml"')
    for (const [url, form] of [
      ['/orgs/acme/sso/name', { ssoName: 'mine' }],
      ['/orgs/acme/sso/policy', { enforcement: 'strict' }],
      ['/orgs/acme/sso/idp', { mode: 'metadata', metadataXml: idpMetadata(idp.entityId, idp.certificatePem) }],
      ['/orgs/acme/sso/enable', {}],
      ['/orgs/acme/sso/test', {}],
    ] as const) {
      const res = await admin.post(url, form)
      expect(res.statusCode, url).toBe(403)
      expect(refusalCode(ctx, res)).toBe('not_allowed')
    }
    expect((await sso()).json).toMatchObject({ ssoName: 'acme', enabled: false, policy: { enforcement: 'optional' } })
    expect((await admin.get('/orgs/acme/sso/bind-users.csv')).statusCode).toBe(200)
  })

  it('gives members and strangers nothing', async () => {
    const member = await signedIn(ctx, MEMBER)
    for (const url of ['/orgs/acme/sso', '/orgs/acme/sso/idp', '/orgs/acme/sso/policy', '/orgs/acme/sso/guide', '/orgs/acme/sso/bind-users.csv']) {
      expect((await member.get(url)).statusCode, url).toBe(403)
      expect((await browser(ctx.app).get(url)).statusCode, url).toBe(302)
    }
    await operator(ctx, 'POST', '/organizations', { name: 'Other', slug: 'other' })
    expect((await owner.get('/orgs/other/sso')).statusCode).toBe(403)
  })

  it('offers the owner the bind-users CSV as a download', async () => {
    const res = await owner.get('/orgs/acme/sso/bind-users.csv')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toBe('attachment; filename="acme-bind-users.csv"')
    expect(res.body.split('\r\n')[0]).toBe('email,first_name,last_name,org_role,allow_without_sso,workspace.prod,workspace.staging,roles,notes')
  })
})

describe('disabling', () => {
  it('keeps configuration, members and roles, and mails members without a password to use forgot-password', async () => {
    await createName()
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
      ssoUrl: 'https://idp.example.test/sso',
      entityId: idp.entityId,
      certificates: [idp.certificatePem],
    })
    await operator(ctx, 'POST', '/organizations/acme/members', {
      email: 'sso-only@acme.test',
      firstName: 'S',
      lastName: 'O',
      role: 'member',
      workspaceRoles: { prod: 'viewer' },
    })
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const before = await sso()
    const members = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data
    const page = await owner.get('/orgs/acme/sso')
    expect(page.body).toContain('1 member has no password yet')
    const res = await owner.post('/orgs/acme/sso/disable', {})
    expect(res.statusCode).toBe(303)
    expect((await owner.get(String(res.headers.location))).body).toContain('Single sign-on is disabled')
    const after = await sso()
    expect(after.json).toEqual({ ...before.json, enabled: false })
    expect((await operator(ctx, 'GET', '/organizations/acme/members')).json.data).toEqual(members)
    const mails = (await ctx.sentMail()).filter((m) => m.subject.includes('no longer signs in through single sign-on'))
    expect(mails.map((m) => m.to)).toEqual(['sso-only@acme.test'])
    expect(mails[0]!.text).toContain('http://gatehouse.test/forgot-password')
    expect((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data[0]).toMatchObject({
      action: 'sso.disabled',
      actor: `user:${OWNER}`,
      detail: { before: { enabled: true }, after: { enabled: false } },
    })
  })
})

describe('email domains on the SSO page', () => {
  it('lets the owner add a domain, see its TXT record, verify it once published, and remove it; admins only look', async () => {
    const { startDnsServer } = await import('../helpers/dns-server.js')
    const dns = await startDnsServer()
    await ctx.close()
    ctx = await createTestContext({ env: { GATEHOUSE_DNS_SERVERS: dns.address } })
    try {
      await seedAcme(ctx)
      owner = await signedIn(ctx, OWNER)
      await owner.get('/orgs/acme/sso')
      const bad = await owner.post('/orgs/acme/sso/domains', { domain: 'com' })
      expect(bad.statusCode).toBe(422)
      expect(fieldError(bad.body, 'domain')).toBeDefined()
      const added = await owner.post('/orgs/acme/sso/domains', { domain: 'Acme.Test' })
      expect(added.statusCode).toBe(303)
      const page = await owner.get(String(added.headers.location))
      expect(page.body).toContain('<code>acme.test</code>')
      expect(page.body).toContain('pending')
      const value = /<code id="txt-0">([^<]+)<\/code>/.exec(page.body)![1]!
      expect(value).toMatch(/^gatehouse-verification=[A-Za-z0-9_-]{20,}$/)

      const early = await owner.post('/orgs/acme/sso/domains/acme.test/verify', {})
      expect(early.statusCode).toBe(409)
      expect(refusalCode(ctx, early)).toBe('domain_verification_failed')
      dns.setTxt('acme.test', [value])
      const verified = await owner.post('/orgs/acme/sso/domains/acme.test/verify', {})
      expect(verified.statusCode).toBe(303)
      expect((await owner.get('/orgs/acme/sso')).body).toContain('>verified</span>')

      const admin = await signedIn(ctx, ADMIN)
      const seen = await admin.get('/orgs/acme/sso')
      expect(seen.body).toContain('<code>acme.test</code>')
      expect(seen.body).not.toContain('action="/orgs/acme/sso/domains"')
      expect((await admin.post('/orgs/acme/sso/domains/acme.test/remove', {})).statusCode).toBe(403)

      await owner.get('/orgs/acme/sso')
      expect((await owner.post('/orgs/acme/sso/domains/acme.test/remove', {})).statusCode).toBe(303)
      expect((await operator(ctx, 'GET', '/organizations/acme/domains')).json.data).toEqual([])
    } finally {
      await dns.close()
    }
  })
})
