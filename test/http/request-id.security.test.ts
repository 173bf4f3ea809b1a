/**
 * X-Request-Id from the reverse proxy (nginx's `$request_id`) is kept only when the request came
 * from a proxy GATEHOUSE_TRUST_PROXY trusts and the id is well formed; a client cannot pick the id
 * its requests are answered and logged under.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { trustedPeer } from '../../src/http/request-id.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'

const PROXY_ID = '3f2a9c0d8e7b6a5f4e3d2c1b0a998877'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let ctx: TestContext
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** A fresh Gatehouse (the previous one closed), then one GET through it. */
async function get(trustProxy: string | undefined, remoteAddress: string, requestId: string) {
  await ctx?.close()
  ctx = undefined as never
  ctx = await createTestContext({ env: trustProxy === undefined ? {} : { GATEHOUSE_TRUST_PROXY: trustProxy } })
  return ctx.app.inject({ method: 'GET', url: '/login', remoteAddress, headers: { 'x-request-id': requestId, 'x-forwarded-for': '203.0.113.9' } })
}

describe('the request id', () => {
  it('keeps a well-formed X-Request-Id from a trusted proxy (hop count), answers with it and logs it', async () => {
    const res = await get('1', '10.0.0.2', PROXY_ID)
    expect(res.headers['x-request-id']).toBe(PROXY_ID)
    expect(ctx.logs()).toContain(`"reqId":"${PROXY_ID}"`)
  })

  it('keeps it from a proxy named by address or range, and not from an address outside the list', async () => {
    expect((await get('10.0.0.0/8', '10.0.0.2', PROXY_ID)).headers['x-request-id']).toBe(PROXY_ID)
    expect((await get('loopback', '::ffff:127.0.0.1', PROXY_ID)).headers['x-request-id']).toBe(PROXY_ID)
    const res = await get('10.0.0.0/8', '203.0.113.9', PROXY_ID)
    expect(res.headers['x-request-id']).toMatch(UUID)
    expect(ctx.logs()).not.toContain(PROXY_ID)
  })

  it('ignores an X-Request-Id a client sends when no proxy is trusted', async () => {
    const res = await get(undefined, '203.0.113.9', PROXY_ID)
    expect(res.headers['x-request-id']).toMatch(UUID)
    expect(ctx.logs()).not.toContain(PROXY_ID)
  })

  it('ignores a malformed id even from a trusted proxy (too short, too long, or characters that could forge log fields)', async () => {
    for (const bad of ['short', 'x'.repeat(129), 'abc"def,"admin":true', 'id with spaces ok']) {
      const res = await get('1', '10.0.0.2', bad)
      expect(res.headers['x-request-id'], bad).toMatch(UUID)
    }
  })
})

describe('trustedPeer', () => {
  it('trusts nobody when off, every peer for a hop count, and only listed addresses for a list', () => {
    expect(trustedPeer(false)('127.0.0.1')).toBe(false)
    expect(trustedPeer(1)('203.0.113.9')).toBe(true)
    const list = trustedPeer(['192.0.2.7', 'fd00::/8', 'uniquelocal'])
    expect(list('192.0.2.7')).toBe(true)
    expect(list('192.0.2.8')).toBe(false)
    expect(list('fd00::1')).toBe(true)
    expect(list('172.16.3.4')).toBe(true)
    expect(list('::ffff:192.168.1.1')).toBe(true)
    expect(list(undefined)).toBe(false)
  })
})
