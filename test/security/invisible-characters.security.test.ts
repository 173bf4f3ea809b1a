/**
 * Every way an email or a name enters Gatehouse refuses invisible and text-direction characters
 * (issue 14 item 12): set-up, members by API and by page, invitations, password sign-in (page and
 * API), forgot password, the API allow-list, organization and workspace names, OIDC clients, and
 * the email an IdP asserts at SSO sign-in (names from the IdP are neutralised instead). Each attack
 * changes nothing; the same request without the character is accepted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { currentOidcClaims } from '../../src/core/oidc-login.js'
import { issueSetupLink } from '../../src/core/setup.js'
import { call } from '../api/support.js'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor, setupSsoOrg, startSso } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'
import { MEMBER, OWNER, PASSWORD, pathOf, refusalCode, seedAcme, signedIn, snapshot, tokenOf } from '../http/support.js'

const ZWSP = '\u200b'
const RLO = '\u202e'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

describe('emails typed into Gatehouse', () => {
  it('refuses set-up with an owner email holding a zero-width space, and completes it with the clean email', async () => {
    const link = (await issueSetupLink(ctx.deps))!
    const b = browser(ctx.app)
    await b.get(pathOf(link))
    const form = { orgName: 'Acme', orgSlug: 'acme', firstName: 'Olivia', lastName: 'Owner', password: PASSWORD, token: tokenOf(link) }
    const refused = await b.post('/setup', { ...form, email: `olivia${ZWSP}@acme.test` })
    expect(refused.statusCode).toBe(422)
    expect(refused.body).toContain('U+200B')
    expect(await ctx.runtime.db.selectFrom('users').select('id').execute()).toEqual([])
    expect((await b.post('/setup', { ...form, email: OWNER })).statusCode).toBe(303)
  })

  it('refuses a member created through the API with a look-alike email, and creates the real one', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    const before = await snapshot(ctx)
    const refused = await operator(ctx, 'POST', '/organizations/acme/members', {
      email: `max@ac${ZWSP}me.test`,
      firstName: 'Max',
      lastName: 'M',
      role: 'member',
    })
    expect(refused.status).toBe(422)
    expect(refused.json.error.code).toBe('email_invisible_character')
    expect(await snapshot(ctx)).toEqual(before)
    expect(
      (await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test', firstName: 'Max', lastName: 'M', role: 'member' })).status,
    ).toBe(201)
  })

  it('refuses an invitation from the members page to an email with a bidi override, and sends the clean one', async () => {
    await seedAcme(ctx)
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    const refused = await owner.post('/orgs/acme/invitations', { email: `${RLO}tset.emca@wen`, role: 'member' })
    expect(refused.statusCode).toBe(422)
    expect(refusalCode(ctx, refused)).toBe('email_invisible_character')
    expect(await ctx.runtime.db.selectFrom('invitations').select('id').execute()).toEqual([])
    expect((await owner.post('/orgs/acme/invitations', { email: 'new@acme.test', role: 'member' })).statusCode).toBe(303)
  })

  it('refuses password sign-in (page and API) with an invisible character in the email, and signs in with the clean email', async () => {
    await seedAcme(ctx)
    const page = await browser(ctx.app).submit('/login', '/login', { email: `max${ZWSP}@acme.test`, password: PASSWORD })
    expect(page.statusCode).toBe(422)
    expect(page.body).toContain('invisible')
    const api = await call(ctx, 'POST', '/auth/password', { payload: { email: `max@acme.test${'\ufeff'}x`, password: PASSWORD, org: 'acme' } })
    expect(api.status).toBe(422)
    expect(api.json.error.code).toBe('email_invisible_character')
    expect((await browser(ctx.app).submit('/login', '/login', { email: MEMBER, password: PASSWORD })).statusCode).toBe(303)
    expect((await call(ctx, 'POST', '/auth/password', { payload: { email: MEMBER, password: PASSWORD, org: 'acme' } })).status).toBe(200)
  })

  it('refuses forgot-password for a look-alike email without mailing anyone, and mails the real account', async () => {
    await seedAcme(ctx)
    const refused = await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: `max@acme.test${'\u2060'}` })
    expect(refused.statusCode).toBe(422)
    expect(refused.body).toContain('U+2060')
    expect(await ctx.sentMail()).toEqual([])
    expect((await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: MEMBER })).statusCode).toBe(200)
    expect((await ctx.sentMail()).map((m) => m.to)).toEqual([MEMBER])
  })

  it('refuses an API allow-list entry with a soft hyphen, and keeps the clean list', async () => {
    const idp = await createTestIdp('idp-allow')
    await setupSsoOrg(ctx, idp, { slug: 'acme', enable: false })
    const refused = await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { apiAllowList: ['ops@acme.test', `ro\u00adbot@acme.test`] })
    expect(refused.status).toBe(422)
    expect(refused.json.error).toMatchObject({ code: 'policy_invalid', message: expect.stringContaining('U+00AD') })
    const accepted = await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { apiAllowList: ['ops@acme.test', 'robot@acme.test'] })
    expect(accepted.status).toBe(200)
    expect(accepted.json.apiAllowList).toEqual(['ops@acme.test', 'robot@acme.test'])
  })
})

describe('names typed into Gatehouse', () => {
  it('refuses member, organization, workspace and OIDC client names with bidi controls, and accepts them without', async () => {
    const org = await operator(ctx, 'POST', '/organizations', { name: `Acme${'\u2066'}`, slug: 'acme' })
    expect(org.json.error.code).toBe('name_bidi_control')
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: `Prod${RLO}`, slug: 'prod' })).json.error.code).toBe('name_bidi_control')
    expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Prod', slug: 'prod' })).status).toBe(201)
    const member = await operator(ctx, 'POST', '/organizations/acme/members', { email: 'eve@acme.test', firstName: `${RLO}eve`, lastName: 'E', role: 'member' })
    expect(member.json.error).toMatchObject({ code: 'name_bidi_control', fields: { firstName: expect.any(String) } })
    expect(
      (await operator(ctx, 'POST', '/organizations/acme/members', { email: 'eve@acme.test', firstName: 'Eve', lastName: 'E', role: 'member' })).status,
    ).toBe(201)
    const client = await operator(ctx, 'POST', '/oidc-clients', { name: `App${'\u200f'}`, redirectUris: ['https://app.example.com/cb'] })
    expect(client.json.error.code).toBe('client_name_invalid')
    expect((await operator(ctx, 'POST', '/oidc-clients', { name: 'App', redirectUris: ['https://app.example.com/cb'] })).status).toBe(201)
  })
})

describe('names shown to host apps', () => {
  it('neutralises a bidi override in a name stored before the rule, in the ID token claims, and leaves a clean name as it is', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    const added = await operator(ctx, 'POST', '/organizations/acme/members', { email: 'eve@acme.test', firstName: 'Eve', lastName: 'Ng', role: 'member' })
    const org = await ctx.runtime.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow()
    const user = await ctx.runtime.db.selectFrom('users').select('id').where('email', '=', 'eve@acme.test').executeTakeFirstOrThrow()
    expect(added.status).toBe(201)
    const login = { userId: user.id, orgId: org.id, authMethod: 'password' as const, authTime: ctx.clock.now().toISOString(), notAfter: undefined }
    expect(await currentOidcClaims(ctx.deps, login)).toMatchObject({ name: 'Eve Ng', given_name: 'Eve', family_name: 'Ng' })
    await ctx.runtime.db
      .updateTable('users')
      .set({ first_name: `${RLO}evE`, last_name: `Ng${'\u2066'}` })
      .where('id', '=', user.id)
      .execute()
    expect(await currentOidcClaims(ctx.deps, login)).toMatchObject({ name: 'evE Ng', given_name: 'evE', family_name: 'Ng' })
  })
})

describe('OIDC redirect URIs registered by the operator', () => {
  it('refuses a redirect URI with a tab the URL parser would drop, and registers the clean one', async () => {
    const refused = await operator(ctx, 'POST', '/oidc-clients', { name: 'App', redirectUris: ['https://app.example.com/c\tb'] })
    expect(refused.json.error.code).toBe('redirect_uri_invalid')
    expect((await operator(ctx, 'GET', '/oidc-clients')).json.data).toEqual([])
    expect((await operator(ctx, 'POST', '/oidc-clients', { name: 'App', redirectUris: ['https://app.example.com/cb'] })).status).toBe(201)
  })

  it('accepts an RFC 8252 loopback redirect in production and refuses localhost and other http there', async () => {
    const prod = await createTestContext({ config: { production: true } })
    try {
      const register = (uri: string) => operator(prod, 'POST', '/oidc-clients', { name: 'Native', redirectUris: [uri], public: true })
      expect((await register('http://localhost:8400/cb')).json.error.code).toBe('redirect_uri_invalid')
      expect((await register('http://192.168.1.10:8400/cb')).json.error.code).toBe('redirect_uri_invalid')
      expect((await register('com.example.app:/cb')).json.error.code).toBe('redirect_uri_invalid')
      expect((await register('http://127.0.0.1:8400/cb')).status).toBe(201)
      expect((await register('http://[::1]:8400/cb')).status).toBe(201)
    } finally {
      await prod.close()
    }
  })
})

describe('identities an IdP asserts at SSO sign-in', () => {
  it('refuses a NameID with a zero-width space instead of provisioning a look-alike member, and provisions the clean one', async () => {
    const idp = await createTestIdp('idp-jit')
    const org = await setupSsoOrg(ctx, idp, { slug: 'acme', policy: { provisioning: 'just-in-time' } })
    const users = async () => (await ctx.runtime.db.selectFrom('users').select('email').execute()).map((u) => u.email)
    const b = browser(ctx.app)
    const first = await startSso(b, org.ssoName)
    const refused = await postAcs(b, org, responseFor(ctx, idp, org, { nameId: `alice@ac${ZWSP}me.test`, inResponseTo: first.requestId }), first.relayState)
    expect(refused.statusCode).toBe(403)
    expect(refused.body).toContain('invisible')
    expect(await users()).toEqual([])
    const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(log.json.data.find((e: { action: string }) => e.action === 'sso.sign_in_failed')?.detail).toMatchObject({
      code: 'email_invisible_character',
      source: 'NameID',
      character: 'U+200B',
    })

    const second = await startSso(b, org.ssoName)
    const accepted = await postAcs(b, org, responseFor(ctx, idp, org, { nameId: 'alice@acme.test', inResponseTo: second.requestId }), second.relayState)
    expect(accepted.statusCode).toBe(303)
    expect(await users()).toEqual(['alice@acme.test'])
  })

  it('refuses a NameID with an invisible character rather than passing over it to the email attribute, and signs the clean one in', async () => {
    const idp = await createTestIdp('idp-lookalike')
    const org = await setupSsoOrg(ctx, idp, { slug: 'acme' })
    await addMember(ctx, 'acme', 'alice@acme.test')
    const b = browser(ctx.app)
    const first = await startSso(b, org.ssoName)
    // U+FEFF failed the old email pattern (\s), so the ACS used to pass over the NameID to the attribute.
    const params = { nameId: `alice${'\ufeff'}@acme.test`, attributes: { email: ['alice@acme.test'] } }
    const refused = await postAcs(b, org, responseFor(ctx, idp, org, { ...params, inResponseTo: first.requestId }), first.relayState)
    expect(refused.statusCode).toBe(403)
    expect(await ctx.runtime.db.selectFrom('sessions').select('id_hash').execute()).toEqual([])
    const second = await startSso(b, org.ssoName)
    const accepted = await postAcs(
      b,
      org,
      responseFor(ctx, idp, org, { nameId: 'alice@acme.test', attributes: { email: ['alice@acme.test'] }, inResponseTo: second.requestId }),
      second.relayState,
    )
    expect(accepted.statusCode).toBe(303)
  })

  it('neutralises bidi overrides in the names an IdP sends, keeping the letters', async () => {
    const idp = await createTestIdp('idp-names')
    const org = await setupSsoOrg(ctx, idp, { slug: 'acme', policy: { provisioning: 'just-in-time' } })
    const b = browser(ctx.app)
    const { requestId, relayState } = await startSso(b, org.ssoName)
    const attributes = { first_name: [`${RLO}ecilA`], last_name: [`\u2067שרה\u2069`] }
    const res = await postAcs(b, org, responseFor(ctx, idp, org, { nameId: 'alice@acme.test', attributes, inResponseTo: requestId }), relayState)
    expect(res.statusCode).toBe(303)
    const user = await ctx.runtime.db.selectFrom('users').select(['first_name', 'last_name']).executeTakeFirstOrThrow()
    expect(user).toEqual({ first_name: 'ecilA', last_name: 'שרה' })
  })
})
