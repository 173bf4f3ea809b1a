/**
 * Issue 21 item 1, the operator's side: POST/GET/DELETE /organizations/{org}/setup-links. The URL's
 * secret is in the creating answer only (stored hashed), the list never shows it, expiry is 7 days
 * by default and at most 30, bad input is a 400 in the error shape that changes nothing, and every
 * change is audited.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashSecretToken } from '../../src/core/secret-token.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
})
afterEach(() => ctx.close())

const links = async () => (await operator(ctx, 'GET', '/organizations/acme/setup-links')).json.data as { id: string; scope: string[]; expiresAt: string }[]
const audit = async () =>
  ((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; actor: string; target: string }[]).filter((e) =>
    e.action.startsWith('setup_link.'),
  )

describe('POST /organizations/{org}/setup-links', () => {
  it('answers 201 {id, url, expiresAt} with a 7-day default and a high-entropy secret stored only as its hash', async () => {
    const res = await operator(ctx, 'POST', '/organizations/acme/setup-links', { scope: ['sso', 'directory'] })
    expect(res.status).toBe(201)
    expect(res.json.url).toMatch(/^http:\/\/gatehouse\.test\/setup\/ghsl_[A-Za-z0-9_-]{43}$/)
    expect(res.json.expiresAt).toBe('2026-11-30T12:00:00.000Z')
    expect(res.json.scope).toEqual(['sso', 'directory'])
    const secret = res.json.url.split('/').pop() as string
    expect(await ctx.deps.store.setupLinks.findBySecretHash(hashSecretToken(secret))).toMatchObject({ id: res.json.id })
    const rows = JSON.stringify(await ctx.runtime.db.selectFrom('setup_links').selectAll().execute())
    expect(rows).not.toContain(secret)
    expect(await audit()).toEqual([expect.objectContaining({ action: 'setup_link.created', actor: 'operator', target: res.json.id })])
  })

  it('takes expiresInHours up to 720 (30 days)', async () => {
    const res = await operator(ctx, 'POST', '/organizations/acme/setup-links', { scope: ['policy'], expiresInHours: 720 })
    expect(res.status).toBe(201)
    expect(res.json.expiresAt).toBe('2026-12-23T12:00:00.000Z')
  })

  const bad: [string, unknown][] = [
    ['an empty scope', { scope: [] }],
    ['no scope', {}],
    ['an unknown scope', { scope: ['members'] }],
    ['an expiry past 30 days', { scope: ['sso'], expiresInHours: 721 }],
    ['an expiry of 0 hours', { scope: ['sso'], expiresInHours: 0 }],
    ['a fractional expiry', { scope: ['sso'], expiresInHours: 1.5 }],
    ['an unknown field', { scope: ['sso'], admin: true }],
  ]
  for (const [what, body] of bad) {
    it(`refuses ${what} with 400 in the error shape, and makes no link`, async () => {
      const res = await operator(ctx, 'POST', '/organizations/acme/setup-links', body)
      expect(res.status).toBe(400)
      expect(res.json.error.code).toBe('validation_failed')
      expect(res.json.error.message).toMatch(/body/)
      expect(await links()).toEqual([])
    })
  }

  it('answers 404 for an unknown org', async () => {
    const res = await operator(ctx, 'POST', '/organizations/nope/setup-links', { scope: ['sso'] })
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('org_not_found')
  })
})

describe('GET and DELETE /organizations/{org}/setup-links', () => {
  it('lists live links without their URL; a revoked or expired one drops out', async () => {
    const a = (await operator(ctx, 'POST', '/organizations/acme/setup-links', { scope: ['sso'], expiresInHours: 1 })).json
    ctx.clock.advance(1000)
    const b = (await operator(ctx, 'POST', '/organizations/acme/setup-links', { scope: ['directory'] })).json
    const res = await operator(ctx, 'GET', '/organizations/acme/setup-links')
    expect(res.status).toBe(200)
    expect(res.json.data.map((l: { id: string }) => l.id)).toEqual([b.id, a.id])
    expect(res.res.body).not.toContain('ghsl_')
    expect(res.json.data[0]).toEqual({ id: b.id, scope: ['directory'], createdBy: 'operator', createdAt: expect.any(String), expiresAt: b.expiresAt })

    expect((await operator(ctx, 'DELETE', `/organizations/acme/setup-links/${b.id}`)).status).toBe(204)
    expect((await links()).map((l) => l.id)).toEqual([a.id])
    ctx.clock.advance(3_600_000)
    expect(await links()).toEqual([])
    expect((await audit()).map((e) => e.action)).toEqual(['setup_link.revoked', 'setup_link.created', 'setup_link.created'])
  })

  it('answers 404 setup_link_not_found for an unknown, revoked or other org’s link', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Other', slug: 'other' })).status).toBe(201)
    const theirs = (await operator(ctx, 'POST', '/organizations/other/setup-links', { scope: ['sso'] })).json
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', theirs.id]) {
      const res = await operator(ctx, 'DELETE', `/organizations/acme/setup-links/${id}`)
      expect(res.status, id).toBe(404)
      expect(res.json.error.code).toBe('setup_link_not_found')
    }
    expect((await operator(ctx, 'DELETE', `/organizations/other/setup-links/${theirs.id}`)).status).toBe(204)
    expect((await operator(ctx, 'DELETE', `/organizations/other/setup-links/${theirs.id}`)).status).toBe(404)
  })
})
