/**
 * Registering an app's back-channel logout URI (OpenID Connect Back-Channel Logout 1.0 §2.2, issue 20
 * item 4) through the operator API, on creation and with PATCH: checked like a redirect URI (absolute,
 * no fragment, no credentials) plus the outbound rules (production: https, no internal address);
 * each refusal is 422 backchannel_logout_uri_invalid naming the field, and changes nothing, beside
 * the same request accepted with a good URI. Discovery advertises the support.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

let ctx: TestContext
let prod: TestContext
const CB = ['https://app.example.com/callback']
const GOOD = 'https://app.example.com/backchannel-logout'

beforeAll(async () => {
  ctx = await createTestContext()
  prod = await createTestContext({ config: { production: true } })
}, 60_000)
afterAll(async () => {
  await ctx?.close()
  await prod?.close()
})

const BAD: [string, string][] = [
  ['not absolute', '/backchannel-logout'],
  ['a fragment', 'https://app.example.com/bcl#x'],
  ['credentials', 'https://user:pw@app.example.com/bcl'],
  ['a script scheme', 'javascript:alert(1)'],
  ['plain http to another host', 'http://app.example.com/bcl'],
]

describe('POST /api/v1/oidc-clients with backchannelLogoutUri', () => {
  it('registers it, with sid required by default, and audits it', async () => {
    const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'App', redirectUris: CB, backchannelLogoutUri: GOOD })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ backchannelLogoutUri: GOOD, backchannelLogoutSessionRequired: true })
    expect((await operator(ctx, 'GET', `/oidc-clients/${created.json.id}`)).json).toMatchObject({ backchannelLogoutUri: GOOD })
    const sessionless = await operator(ctx, 'POST', '/oidc-clients', {
      name: 'Sub only',
      redirectUris: CB,
      backchannelLogoutUri: GOOD,
      backchannelLogoutSessionRequired: false,
    })
    expect(sessionless.json.backchannelLogoutSessionRequired).toBe(false)
  })

  for (const [what, uri] of BAD) {
    it(`refuses one with ${what}, storing nothing`, async () => {
      const before = (await operator(ctx, 'GET', '/oidc-clients')).json.data.length
      const refused = await operator(ctx, 'POST', '/oidc-clients', { name: 'Bad', redirectUris: CB, backchannelLogoutUri: uri })
      expect(refused.status).toBe(422)
      expect(refused.json.error.code).toBe('backchannel_logout_uri_invalid')
      expect(refused.json.error.fields).toHaveProperty(['backchannelLogoutUri'])
      expect((await operator(ctx, 'GET', '/oidc-clients')).json.data.length).toBe(before)
    })
  }

  it('in production refuses http and internal addresses, and accepts https to a public host', async () => {
    for (const uri of ['http://localhost:3000/bcl', 'https://127.0.0.1/bcl', 'https://10.0.0.8/bcl', 'https://[::1]/bcl']) {
      const refused = await operator(prod, 'POST', '/oidc-clients', { name: 'App', redirectUris: CB, backchannelLogoutUri: uri })
      expect(refused.json.error?.code, uri).toBe('backchannel_logout_uri_invalid')
    }
    expect((await operator(prod, 'POST', '/oidc-clients', { name: 'App', redirectUris: CB, backchannelLogoutUri: GOOD })).status).toBe(201)
  })
})

describe('PATCH /api/v1/oidc-clients/{id}', () => {
  it('sets, changes and removes the URI and the sid switch; the rest stays; audited', async () => {
    const { id } = (await operator(ctx, 'POST', '/oidc-clients', { name: 'Later', redirectUris: CB })).json
    const set = await operator(ctx, 'PATCH', `/oidc-clients/${id}`, { backchannelLogoutUri: GOOD })
    expect(set.status).toBe(200)
    expect(set.json).toMatchObject({ name: 'Later', redirectUris: CB, backchannelLogoutUri: GOOD, backchannelLogoutSessionRequired: true })
    const renamed = await operator(ctx, 'PATCH', `/oidc-clients/${id}`, { name: 'Renamed', backchannelLogoutSessionRequired: false })
    expect(renamed.json).toMatchObject({ name: 'Renamed', backchannelLogoutUri: GOOD, backchannelLogoutSessionRequired: false })
    const removed = await operator(ctx, 'PATCH', `/oidc-clients/${id}`, { backchannelLogoutUri: null })
    expect(removed.json.backchannelLogoutUri).toBeNull()
    const audit = await ctx.runtime.db.selectFrom('audit_events').selectAll().where('action', '=', 'oidc.client_updated').where('target', '=', id).execute()
    expect(audit).toHaveLength(3)
  })

  it('refuses a bad URI, changing nothing; the same call with a good one passes', async () => {
    const { id } = (await operator(ctx, 'POST', '/oidc-clients', { name: 'Kept', redirectUris: CB, backchannelLogoutUri: GOOD })).json
    const refused = await operator(ctx, 'PATCH', `/oidc-clients/${id}`, { name: 'Changed', backchannelLogoutUri: 'https://app.example.com/bcl#frag' })
    expect(refused.status).toBe(422)
    expect(refused.json.error.code).toBe('backchannel_logout_uri_invalid')
    expect((await operator(ctx, 'GET', `/oidc-clients/${id}`)).json).toMatchObject({ name: 'Kept', backchannelLogoutUri: GOOD })
    const accepted = await operator(ctx, 'PATCH', `/oidc-clients/${id}`, { name: 'Changed', backchannelLogoutUri: 'https://app.example.com/bcl' })
    expect(accepted.json).toMatchObject({ name: 'Changed', backchannelLogoutUri: 'https://app.example.com/bcl' })
  })

  it('answers 404 for an unknown client and 400 for an unknown field', async () => {
    expect((await operator(ctx, 'PATCH', '/oidc-clients/nope', { name: 'X' })).status).toBe(404)
    const { id } = (await operator(ctx, 'POST', '/oidc-clients', { name: 'Strict', redirectUris: CB })).json
    expect((await operator(ctx, 'PATCH', `/oidc-clients/${id}`, { clientSecret: 'mine' })).json.error.code).toBe('validation_failed')
  })
})

describe('discovery', () => {
  it('advertises back-channel logout with sessions', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/oidc/.well-known/openid-configuration' })
    expect(res.json()).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true })
  })
})
