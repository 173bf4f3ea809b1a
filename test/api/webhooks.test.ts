/** The webhook routes of the operator API (DESIGN §9): registration, the secret shown once, type filter, URL rules, delete, delivery log. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWebhookSender } from '../../src/net/webhook-sender.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

describe('webhook registration', () => {
  let ctx: TestContext
  beforeEach(async () => {
    ctx = await createTestContext()
  })
  afterEach(async () => ctx.close())

  it('registers a webhook and shows its secret once: whsec_ and 256 bits', async () => {
    const res = await operator(ctx, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', types: ['member.created', 'member.removed'] })
    expect(res.status).toBe(201)
    expect(res.json).toMatchObject({ url: 'http://127.0.0.1:9/hook', types: ['member.created', 'member.removed'], createdAt: '2026-11-23T12:00:00.000Z' })
    expect(res.json.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    const one = await operator(ctx, 'GET', `/webhooks/${res.json.id}`)
    expect(one.status).toBe(200)
    expect(one.json).toMatchObject({ id: res.json.id, lastEventId: null, failingAttempts: 0, failingSince: null })
    expect(one.json).not.toHaveProperty('secret')
    const list = await operator(ctx, 'GET', '/webhooks')
    expect(list.json.data.map((w: { id: string }) => w.id)).toEqual([res.json.id])
    for (const body of [one.res.body, list.res.body]) expect(body).not.toContain(res.json.secret)
    // Stored sealed, not as itself.
    const row = await ctx.runtime.db.selectFrom('webhooks').selectAll().executeTakeFirstOrThrow()
    expect(JSON.stringify(row)).not.toContain(res.json.secret)
  })

  it('types left out means every type (null)', async () => {
    const res = await operator(ctx, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook' })
    expect(res.status).toBe(201)
    expect(res.json.types).toBeNull()
  })

  it('refuses unknown event types, naming them, and registers nothing; accepts the known ones', async () => {
    const bad = await operator(ctx, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', types: ['member.created', 'member.exploded', 'user.*'] })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('webhook_types_invalid')
    expect(bad.json.error.message).toContain('member.exploded')
    expect(bad.json.error.message).toContain('user.*')
    expect(bad.json.error.message).not.toContain('member.created')
    const empty = await operator(ctx, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', types: [] })
    expect(empty.json.error.code).toBe('webhook_types_invalid')
    expect((await operator(ctx, 'GET', '/webhooks')).json.data).toEqual([])
    expect((await operator(ctx, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', types: ['member.created'] })).status).toBe(201)
  })

  it('refuses a URL that is not absolute or carries credentials, in any mode', async () => {
    for (const url of ['/hook', 'ftp://example.com/hook', 'http://user:pass@127.0.0.1/hook']) {
      const res = await operator(ctx, 'POST', '/webhooks', { url })
      expect(res.status, url).toBe(400)
      expect(res.json.error.code, url).toBe('webhook_url_invalid')
    }
  })

  it('deletes a webhook (204), then answers 404 for it; its audit entries name no secret', async () => {
    const created = await operator(ctx, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook' })
    expect((await operator(ctx, 'DELETE', `/webhooks/${created.json.id}`)).status).toBe(204)
    for (const [method, path] of [
      ['GET', `/webhooks/${created.json.id}`],
      ['DELETE', `/webhooks/${created.json.id}`],
      ['GET', `/webhooks/${created.json.id}/deliveries`],
    ] as const) {
      const res = await operator(ctx, method, path)
      expect(res.status, path).toBe(404)
      expect(res.json.error.code).toBe('webhook_not_found')
    }
    const audit = await ctx.runtime.db.selectFrom('audit_events').select(['action', 'detail']).where('action', 'like', 'webhook.%').orderBy('id').execute()
    expect(audit.map((a) => a.action)).toEqual(['webhook.created', 'webhook.deleted'])
    expect(JSON.stringify(audit)).not.toContain(created.json.secret)
  })

  it('needs the operator token', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'http://127.0.0.1:9/hook' } })
    expect(res.statusCode).toBe(401)
    expect((await operator(ctx, 'GET', '/webhooks')).json.data).toEqual([])
  })

  it('is in the OpenAPI document', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/webhooks', '/webhooks/{id}', '/webhooks/{id}/deliveries']))
    expect(Object.keys(doc.paths['/webhooks/{id}'])).toEqual(['get', 'delete'])
  })
})

describe('webhook URL rules in production', () => {
  let ctx: TestContext
  beforeEach(async () => {
    ctx = await createTestContext({ webhookSender: createWebhookSender({ production: true }) })
  })
  afterEach(async () => ctx.close())

  const cases: [url: string, rule: RegExp][] = [
    ['http://hooks.example.com/in', /must use https/],
    ['https://127.0.0.1/in', /internal or special-purpose address/],
    ['https://[::1]/in', /internal or special-purpose address/],
    ['https://10.0.0.8/in', /internal or special-purpose address/],
    ['https://169.254.169.254/latest', /internal or special-purpose address/],
    ['https://0x7f.1/in', /internal or special-purpose address/],
  ]
  for (const [url, rule] of cases) {
    it(`refuses ${url}, naming the rule`, async () => {
      const res = await operator(ctx, 'POST', '/webhooks', { url })
      expect(res.status).toBe(400)
      expect(res.json.error.code).toBe('webhook_url_invalid')
      expect(res.json.error.message).toMatch(rule)
      expect(res.json.error.fields).toHaveProperty('url')
    })
  }

  it('accepts an https URL with a host name (its addresses are checked at every connection)', async () => {
    expect((await operator(ctx, 'POST', '/webhooks', { url: 'https://hooks.example.com/in' })).status).toBe(201)
    expect((await operator(ctx, 'GET', '/webhooks')).json.data).toHaveLength(1)
  })
})

describe('webhook URL rules in development', () => {
  it('accepts plain http to loopback, for local receivers', async () => {
    const ctx = await createTestContext()
    try {
      expect((await operator(ctx, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook' })).status).toBe(201)
      expect((await operator(ctx, 'POST', '/webhooks', { url: 'http://localhost:9/hook' })).status).toBe(201)
    } finally {
      await ctx.close()
    }
  })
})
