/**
 * Operator API for OpenID Connect clients: the secret shown once and stored sealed, never listed;
 * every bad redirect URI refused with redirect_uri_invalid and nothing stored, beside one accepted;
 * creation and deletion in the audit log without secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

let ctx: TestContext
beforeAll(async () => {
  ctx = await createTestContext()
})
afterAll(() => ctx.close())

describe('POST /api/v1/oidc-clients', () => {
  it('registers a confidential client, shows its secret once and stores it sealed', async () => {
    const created = await operator(ctx, 'POST', '/oidc-clients', {
      name: 'App',
      redirectUris: ['https://app.example.com/callback'],
      postLogoutRedirectUris: ['https://app.example.com/'],
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      name: 'App',
      public: false,
      redirectUris: ['https://app.example.com/callback'],
      postLogoutRedirectUris: ['https://app.example.com/'],
    })
    const secret = created.json.clientSecret as string
    expect(secret.length).toBeGreaterThanOrEqual(43)
    const got = await operator(ctx, 'GET', `/oidc-clients/${created.json.id as string}`)
    expect(got.status).toBe(200)
    expect(JSON.stringify(got.json)).not.toContain(secret)
    const list = await operator(ctx, 'GET', '/oidc-clients')
    expect(list.json.data.map((c: { id: string }) => c.id)).toContain(created.json.id)
    expect(JSON.stringify(list.json)).not.toContain(secret)
    const stored = await ctx.runtime.db.selectFrom('oidc_clients').selectAll().where('id', '=', created.json.id).executeTakeFirstOrThrow()
    expect(JSON.stringify(stored)).not.toContain(secret)
    const audit = await ctx.runtime.db.selectFrom('audit_events').selectAll().where('action', '=', 'oidc.client_created').execute()
    expect(audit).toHaveLength(1)
    expect(JSON.stringify(audit)).not.toContain(secret)
  })

  it('registers a public client without a secret', async () => {
    const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'SPA', redirectUris: ['http://localhost:5173/callback'], public: true })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ public: true, clientSecret: null })
  })

  const BAD: [string, string][] = [
    ['not absolute', '/callback'],
    ['a fragment', 'https://app.example.com/callback#x'],
    ['plain http to another host', 'http://app.example.com/callback'],
    ['credentials', 'https://user:pw@app.example.com/callback'],
    ['a script scheme', 'javascript:alert(1)'],
    ['a custom scheme', 'com.example.app:/callback'],
  ]
  for (const [what, uri] of BAD) {
    it(`refuses a redirect URI with ${what}, storing nothing`, async () => {
      const before = (await operator(ctx, 'GET', '/oidc-clients')).json.data.length
      const refused = await operator(ctx, 'POST', '/oidc-clients', { name: 'Bad', redirectUris: ['https://ok.example.com/cb', uri] })
      expect(refused.status).toBe(422)
      expect(refused.json.error.code).toBe('redirect_uri_invalid')
      expect(refused.json.error.fields).toHaveProperty(['redirectUris[1]'])
      expect((await operator(ctx, 'GET', '/oidc-clients')).json.data.length).toBe(before)
    })
  }

  it('refuses a bad post-logout redirect URI and an empty name', async () => {
    expect(
      (await operator(ctx, 'POST', '/oidc-clients', { name: 'Bad', redirectUris: ['https://ok.example.com/cb'], postLogoutRedirectUris: ['ftp://x'] })).json
        .error.code,
    ).toBe('redirect_uri_invalid')
    expect((await operator(ctx, 'POST', '/oidc-clients', { name: '  ', redirectUris: ['https://ok.example.com/cb'] })).json.error.code).toBe(
      'client_name_invalid',
    )
    expect((await operator(ctx, 'POST', '/oidc-clients', { name: 'No URIs', redirectUris: [] })).json.error.code).toBe('validation_failed')
  })

  it('refuses http://localhost in production and accepts https there', async () => {
    const prod = await createTestContext({ config: { production: true } })
    try {
      const refused = await operator(prod, 'POST', '/oidc-clients', { name: 'Dev', redirectUris: ['http://localhost:3000/callback'] })
      expect(refused.json.error.code).toBe('redirect_uri_invalid')
      expect((await operator(prod, 'POST', '/oidc-clients', { name: 'Prod', redirectUris: ['https://app.example.com/callback'] })).status).toBe(201)
    } finally {
      await prod.close()
    }
  })

  it('needs the operator token', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/oidc-clients', payload: { name: 'X', redirectUris: ['https://x.example.com/cb'] } })
    expect(res.statusCode).toBe(401)
  })
})

describe('DELETE /api/v1/oidc-clients/{id}', () => {
  it('deletes a client once, audited; then it is not found', async () => {
    const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Gone', redirectUris: ['https://gone.example.com/cb'] })
    const id = created.json.id as string
    expect((await operator(ctx, 'DELETE', `/oidc-clients/${id}`)).status).toBe(204)
    expect((await operator(ctx, 'GET', `/oidc-clients/${id}`)).json.error.code).toBe('oidc_client_not_found')
    expect((await operator(ctx, 'DELETE', `/oidc-clients/${id}`)).status).toBe(404)
    const audit = await ctx.runtime.db.selectFrom('audit_events').selectAll().where('action', '=', 'oidc.client_deleted').where('target', '=', id).execute()
    expect(audit).toHaveLength(1)
  })
})
