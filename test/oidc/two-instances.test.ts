/**
 * Scale-out for OpenID Connect (DESIGN §6): two Gatehouse instances — each its own Fastify app and
 * its own oidc-provider, sharing only the database — behind a proxy that sends each request to the
 * other one in turn. A whole authorization (sign-in, interaction, code, token, refresh, userinfo)
 * works, so no provider state lives in one instance's memory.
 */
import { request as httpRequest, createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/http/app.js'
import { freePort } from '../helpers/e2e.js'
import { httpBrowser } from '../helpers/http-browser.js'
import { client, finishAuthorization, REDIRECT_URI, rpFor, signInWithPassword, startAuthorization, verifyIdToken } from '../helpers/oidc-rp.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

const PASSWORD = 'correct horse battery'
let ctx: TestContext
let second: FastifyInstance
let proxy: Server
let baseUrl: string
const served = [0, 0]

beforeAll(async () => {
  const port = await freePort()
  baseUrl = `http://127.0.0.1:${port}`
  ctx = await createTestContext({ env: { GATEHOUSE_BASE_URL: baseUrl, GATEHOUSE_RATE_LIMIT_IP: '100000' }, now: new Date().toISOString() })
  second = await buildApp(ctx.config, ctx.runtime.deps)
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  await second.listen({ port: 0, host: '127.0.0.1' })
  const backends = [(ctx.app.server.address() as AddressInfo).port, (second.server.address() as AddressInfo).port]
  let next = 0
  // A minimal round-robin reverse proxy: every request goes to the other instance than the last.
  proxy = createServer((req, res) => {
    const i = next++ % 2
    served[i]! += 1
    const upstream = httpRequest({ host: '127.0.0.1', port: backends[i], method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', r))

  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/members', { email: 'alice@acme.test', firstName: 'Alice', lastName: 'A', role: 'admin', password: PASSWORD })
}, 60_000)

afterAll(async () => {
  await new Promise((r) => proxy?.close(r))
  await second?.close()
  await ctx?.close()
})

describe('OpenID Connect across two instances on one database', () => {
  it('completes sign-in, code exchange, refresh and userinfo with every request on the other instance', async () => {
    const created = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI] })
    expect(created.status).toBe(201)
    const rp = await rpFor(baseUrl, created.json.id, created.json.clientSecret)
    const b = httpBrowser(baseUrl)
    const started = await startAuthorization(rp, { scope: 'openid email profile org offline_access', prompt: 'consent' })
    const login = await b.navigate(started.url.toString())
    const back = await signInWithPassword(b, login, 'alice@acme.test', PASSWORD)
    expect(back.leftTo ?? '', `${back.status} ${back.url}`).toMatch(/^http:\/\/localhost:5999\/callback\?/)
    const tokens = await finishAuthorization(rp, started, back.leftTo!)
    expect(await verifyIdToken(rp, tokens.id_token!)).toMatchObject({ email: 'alice@acme.test', org: 'acme', org_role: 'admin', amr: ['pwd'] })
    const sub = (await verifyIdToken(rp, tokens.id_token!)).sub as string
    expect(tokens.refresh_token).toBeDefined()
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!)
    expect(await verifyIdToken(rp, refreshed.id_token!)).toMatchObject({ org: 'acme' })
    expect(await client.fetchUserInfo(rp.config, tokens.access_token, sub)).toMatchObject({ email: 'alice@acme.test', org: 'acme' })
    // Both instances did real work: the proxy alternated, and every step still held.
    expect(served[0]).toBeGreaterThan(3)
    expect(served[1]).toBeGreaterThan(3)
  })
})
