/**
 * Bad bytes and the framework's own refusals (issue 14, item 11), case by case: each answers 4xx as
 * the usual page or API error, with the security headers, without echoing what was sent, and changes
 * nothing; the same request with ordinary (Unicode) text is still accepted. The generated version
 * over every route is test/security/bad-bytes.security.test.ts.
 */
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, operatorAuth } from '../api/support.js'
import { OWNER, postForm, refusalCode, seedAcme, signedIn, snapshot } from './support.js'

let ctx: TestContext
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

async function start() {
  ctx = await createTestContext()
  await seedAcme(ctx)
}

interface Answer {
  readonly statusCode: number
  readonly headers: Record<string, string | string[] | number | undefined>
  readonly body: string
}

function expectSecurityHeaders(res: Answer) {
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['x-frame-options']).toBe('DENY')
  expect(res.headers['referrer-policy']).toBe('same-origin')
  expect(String(res.headers['content-security-policy'])).toContain("default-src 'none'")
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
}

function expectApiError(res: Answer, status: number, code: string) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
  const body = JSON.parse(res.body) as { error: { code: string; message: string } }
  expect(body.error.code).toBe(code)
  expect(body.error.message.length).toBeGreaterThan(0)
  expectSecurityHeaders(res)
}

function expectPage(res: Answer, status: number) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^text\/html/)
  expect(res.body).toMatch(/^<!doctype html>/)
  expect(res.body).toContain(`Reference: <code>${String(res.headers['x-request-id'])}</code>`)
  expectSecurityHeaders(res)
}

const MARK = 'zq7echoprobe'

describe('NUL, lone surrogates and bytes that are not UTF-8', () => {
  it('refuses a NUL or a lone surrogate in an API JSON field with 400 validation_failed and changes nothing', async () => {
    await start()
    const before = await snapshot(ctx)
    for (const name of ['Acme\u0000Evil', 'Acme \ud800', '\udfffAcme']) {
      const res = await call(ctx, 'PATCH', '/organizations/acme', { authorization: operatorAuth, payload: { name } })
      expectApiError(res.res, 400, 'validation_failed')
      expect(res.json.error.message).toMatch(/NUL|UTF-8/)
    }
    expect(await snapshot(ctx)).toEqual(before)
  })

  it('refuses a JSON body whose bytes are not UTF-8 with 400 validation_failed', async () => {
    await start()
    const raw = Buffer.concat([Buffer.from('{"name":"Acme '), Buffer.from([0xff, 0xc0, 0x80]), Buffer.from('"}')])
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/api/v1/organizations/acme',
      headers: { authorization: operatorAuth, 'content-type': 'application/json' },
      payload: raw,
    })
    expectApiError(res, 400, 'validation_failed')
    expect((await operator(ctx, 'GET', '/organizations/acme')).json.name).toBe('Acme')
  })

  it('accepts Unicode in the same JSON field (accents, emoji, a surrogate pair)', async () => {
    await start()
    const res = await call(ctx, 'PATCH', '/organizations/acme', { authorization: operatorAuth, payload: { name: 'Acmé 😀 Ünïcode' } })
    expect(res.status).toBe(200)
    expect(res.json.name).toBe('Acmé 😀 Ünïcode')
  })

  it('refuses a NUL, a %-escape that is not UTF-8 or raw bytes that are not UTF-8 in a page form with the 400 page, changing nothing', async () => {
    await start()
    const b = await signedIn(ctx, OWNER)
    await b.get('/dashboard')
    const csrf = b.csrf()
    const before = await snapshot(ctx)
    const bodies = [
      `_csrf=${csrf}&firstName=Olivia%00x&lastName=Owner`,
      `_csrf=${csrf}&firstName=Olivia%FF&lastName=Owner`,
      `_csrf=${csrf}&firstName=Olivia%ED%A0%80`,
      `_csrf=${csrf}&firstName=Ol%zzivia`,
    ]
    for (const payload of [
      ...bodies.map((text) => Buffer.from(text)),
      Buffer.concat([Buffer.from(`_csrf=${csrf}&firstName=Olivia`), Buffer.from([0xff, 0xfe])]),
    ]) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/setup',
        headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      })
      expectPage(res, 400)
      expect(refusalCode(ctx, res)).toBe('validation_failed')
    }
    expect(await snapshot(ctx)).toEqual(before)
  })

  it('refuses an over-long value in an API JSON field or a page form field with 400 naming the field, changing nothing', async () => {
    await start()
    const b = await signedIn(ctx, OWNER)
    await b.get('/dashboard')
    const before = await snapshot(ctx)
    const long = 'A'.repeat(20_000)
    const api = await call(ctx, 'PATCH', '/organizations/acme', { authorization: operatorAuth, payload: { name: long } })
    expectApiError(api.res, 400, 'validation_failed')
    expect(api.json.error.message).toContain('"name" is too long')
    expect(api.json.error.message).not.toContain(long.slice(0, 100))
    const nested = await call(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      authorization: operatorAuth,
      payload: { apiAllowList: ['ok@acme.test', `${long}@acme.test`] },
    })
    expectApiError(nested.res, 400, 'validation_failed')
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/setup',
      headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${b.csrf()}&firstName=${long}&lastName=Owner`,
    })
    expectPage(page, 400)
    expect(refusalCode(ctx, page)).toBe('validation_failed')
    expect(await snapshot(ctx)).toEqual(before)
  })

  it('accepts the same fields at ordinary lengths, and IdP metadata far longer than the field cap', async () => {
    await start()
    const ok = await call(ctx, 'PATCH', '/organizations/acme', { authorization: operatorAuth, payload: { name: 'Acme Corporation' } })
    expect(ok.status).toBe(200)
    // 100 KB of metadata passes the input layer and reaches the metadata parser, which judges it.
    const metadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.test"><!--${'x'.repeat(100_000)}--></md:EntityDescriptor>`
    const res = await call(ctx, 'PUT', '/organizations/acme/sso/idp', { authorization: operatorAuth, payload: { metadataXml: metadata } })
    expect(res.json.error?.code).not.toBe('validation_failed')
  })

  it('accepts a page form with Unicode in its fields', async () => {
    await start()
    const b = await signedIn(ctx, OWNER)
    await b.get('/orgs/acme/tokens')
    const res = await postForm(ctx, b, '/orgs/acme/tokens', { _csrf: b.csrf(), name: 'Clé 😀', expiresInDays: '30' })
    expect(res.statusCode).toBeLessThan(400)
    expect((await b.get('/orgs/acme/tokens')).body).toContain('Clé 😀')
  })

  it('refuses a NUL or a %-escape that is not UTF-8 in a query or path with 400, and accepts %-encoded Unicode there', async () => {
    await start()
    for (const url of ['/login?next=%2F%00', '/login?next=%FF', '/login?%C0%80=x', '/sso/acme%00', '/sso/%ED%A0%80']) {
      const res = await ctx.app.inject({ method: 'GET', url })
      expectPage(res, 400)
      expect(res.body).not.toContain(url.slice(url.indexOf('/', 1) === -1 ? 1 : url.indexOf('/', 1)))
    }
    const api = await ctx.app.inject({ method: 'GET', url: '/api/v1/organizations/acme%00', headers: { authorization: operatorAuth } })
    expectApiError(api, 400, 'validation_failed')
    expect((await ctx.app.inject({ method: 'GET', url: '/login?next=%2Fdashboard%3Fq%3D%C3%A9%F0%9F%98%80' })).statusCode).toBe(200)
    expect((await ctx.app.inject({ method: 'GET', url: '/sso/acm%C3%A9' })).statusCode).toBeLessThan(500)
  })
})

describe("the framework's own refusals go through the error handler", () => {
  it('answers an unknown page with the 404 page and an unknown API route with the API error, neither echoing the path', async () => {
    await start()
    const page = await ctx.app.inject({ method: 'GET', url: `/no-such-${MARK}` })
    expectPage(page, 404)
    expect(page.body).not.toContain(MARK)
    const api = await ctx.app.inject({ method: 'GET', url: `/api/v1/no-such-${MARK}`, headers: { authorization: operatorAuth } })
    expectApiError(api, 404, 'not_found')
    expect(api.body).not.toContain(MARK)
    const oidc = await ctx.app.inject({ method: 'GET', url: `/oidc/no-such-${MARK}` })
    expect(oidc.statusCode).toBe(404)
    expect(oidc.body).toMatch(/^<!doctype html>/)
    expect(oidc.body).not.toContain(MARK)
  })

  it("answers a path parameter over 100 characters with 414 as the page or API error, not Fastify's JSON quoting the URL", async () => {
    await start()
    const long = MARK.repeat(10)
    const api = await ctx.app.inject({ method: 'GET', url: `/api/v1/organizations/${long}`, headers: { authorization: operatorAuth } })
    expectApiError(api, 414, 'uri_too_long')
    expect(api.body).not.toContain(MARK)
    const page = await ctx.app.inject({ method: 'GET', url: `/sso/${long}` })
    expectPage(page, 414)
    expect(page.body).not.toContain(MARK)
    // A parameter of 100 characters is still routed (and refused by the route's own slug rule).
    const routed = await ctx.app.inject({ method: 'GET', url: `/api/v1/organizations/${'a'.repeat(100)}`, headers: { authorization: operatorAuth } })
    expect(routed.json().error.code).not.toBe('uri_too_long')
    expect([400, 404]).toContain(routed.statusCode)
  })

  it('answers a path %-escape the router cannot decode with 400 as the page or API error', async () => {
    await start()
    const page = await ctx.app.inject({ method: 'GET', url: `/sso/${MARK}%E2%82` })
    expectPage(page, 400)
    expect(page.body).not.toContain(MARK)
    const api = await ctx.app.inject({ method: 'GET', url: `/api/v1/organizations/${MARK}%E2%82`, headers: { authorization: operatorAuth } })
    expectApiError(api, 400, 'validation_failed')
    expect(api.body).not.toContain(MARK)
  })

  it('answers a body over the limit with 413, malformed JSON with 400 and another content type with 415, each with the security headers', async () => {
    await start()
    const big = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: { authorization: operatorAuth, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: MARK.repeat(100_000) }),
    })
    expectApiError(big, 413, 'payload_too_large')
    expect(big.body).not.toContain(MARK)
    const bigForm = await ctx.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=${MARK.repeat(10_000)}`,
    })
    expectPage(bigForm, 413)
    expect(bigForm.body).not.toContain(MARK)
    const badJson = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: { authorization: operatorAuth, 'content-type': 'application/json' },
      payload: `{"name": "${MARK}"`,
    })
    expectApiError(badJson, 400, 'validation_failed')
    expect(badJson.body).not.toContain(MARK)
    const text = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: { authorization: operatorAuth, 'content-type': 'text/plain' },
      payload: MARK,
    })
    expectApiError(text, 415, 'unsupported_media_type')
    expect(text.body).not.toContain(MARK)
  })

  it("answers /oidc with a query (which crashed the provider's router) below 500", async () => {
    await start()
    const res = await ctx.app.inject({ method: 'GET', url: '/oidc?x=1' })
    expect(res.statusCode).toBe(404)
    expect(res.body).toMatch(/^<!doctype html>/)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })
})

describe("refusals by node's HTTP parser, on a listening server", () => {
  async function rawRequest(path: string, headers: Record<string, string>): Promise<Answer> {
    await ctx.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = ctx.app.server.address() as AddressInfo
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => resolve({ statusCode: res.statusCode!, headers: res.headers, body }))
      })
      req.on('error', reject)
      req.end()
    })
  }

  it('answers headers over 16 KiB with 431 as the page, with the security headers and nothing echoed', async () => {
    await start()
    const res = await rawRequest('/login', { 'x-padding': MARK.repeat(2_000) })
    expectPage(res, 431)
    expect(res.body).not.toContain(MARK)
  })

  it('answers an API request with headers over 16 KiB with 431 as the API error', async () => {
    await start()
    const res = await rawRequest('/api/v1/organizations', { authorization: operatorAuth, 'x-padding': MARK.repeat(2_000) })
    expectApiError(res, 431, 'headers_too_large')
    expect(res.body).not.toContain(MARK)
  })

  it('answers a URL over 16 KiB with 431 as the page, not echoing it', async () => {
    await start()
    const res = await rawRequest(`/login?next=${MARK.repeat(2_000)}`, {})
    expectPage(res, 431)
    expect(res.body).not.toContain(MARK)
  })

  it('still answers ordinary headers and URLs on the same server', async () => {
    await start()
    const res = await rawRequest(`/login?next=${encodeURIComponent('/orgs/acme/members')}`, { 'x-padding': 'a'.repeat(1_000) })
    expect(res.statusCode).toBe(200)
  })
})
