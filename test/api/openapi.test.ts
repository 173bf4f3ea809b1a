import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, MEMBER_PASSWORD } from './support.js'

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

/** Every `METHOD /path` Fastify has registered, read from printRoutes' tree (HEAD is Fastify's own twin of GET). */
function registeredRoutes(tree: string): string[] {
  const routes: string[] = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/u.exec(line)
    if (match === null) continue
    const depth = match[1]!.length / 4
    stack.length = depth
    const path = (stack[depth - 1] ?? '') + match[2]!
    stack.push(path)
    for (const method of (match[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push(`${method} ${path.replace(/\/{2,}/g, '/')}`)
    }
  }
  return routes.sort()
}

/** OpenAPI `{param}` → Fastify `:param`. */
const fastifyPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1')

let ctx: TestContext
let doc: any
beforeAll(async () => {
  ctx = await createTestContext()
  const r = await call(ctx, 'GET', '/openapi.json')
  expect(r.status).toBe(200)
  doc = r.json
})
afterAll(() => ctx.close())

function documented(): { method: string; path: string; op: any }[] {
  const out: { method: string; path: string; op: any }[] = []
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of METHODS) if (item[method] !== undefined) out.push({ method, path, op: item[method] })
  }
  return out
}

describe('GET /api/v1/openapi.json', () => {
  it("is an OpenAPI 3.1 document served as JSON without credentials, with the API's base URL as server", async () => {
    const r = await call(ctx, 'GET', '/openapi.json')
    expect(r.res.headers['content-type']).toMatch(/^application\/json/)
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) })
    expect(doc.servers).toEqual([{ url: 'http://gatehouse.test/api/v1' }])
    expect(doc.components.securitySchemes.operatorToken).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.components.schemas.Error).toBeDefined()
  })

  it('documents exactly the routes the app registers under /api/v1 (besides itself)', () => {
    const registered = registeredRoutes(ctx.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.split(' ')[1]!.startsWith('/api/v1/'))
      .map((r) => r.replace(' /api/v1', ' '))
      .filter((r) => r !== 'GET /openapi.json')
    expect(registered.length).toBeGreaterThanOrEqual(16)
    const inDocument = documented()
      .map(({ method, path }) => `${method.toUpperCase()} ${fastifyPath(path)}`)
      .sort()
    expect(inDocument).toEqual(registered)
  })

  it('has every documented route registered and answered by the app (no 404 not_found from the API scope)', async () => {
    for (const { method, path } of documented()) {
      expect(ctx.app.hasRoute({ method: method.toUpperCase(), url: `/api/v1${fastifyPath(path)}` }), `${method} ${path}`).toBe(true)
      const r = await ctx.app.inject({ method: method.toUpperCase() as 'GET', url: `/api/v1${path.replace(/\{[^}]+\}/g, 'x')}` })
      expect(r.json()?.error?.code, `${method} ${path}`).not.toBe('not_found')
    }
  })

  it('marks every operator route with the operator token, and the app refuses each without it', async () => {
    for (const { method, path, op } of documented()) {
      const isMember = path === '/me' || path.startsWith('/me/') || path.startsWith('/auth/')
      const r = await call(ctx, method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x'))
      if (isMember) {
        expect(op.security, `${method} ${path}`).not.toContainEqual({ operatorToken: [] })
        expect(r.json?.error?.code, `${method} ${path}`).not.toBe('unauthorized')
      } else {
        expect(op.security, `${method} ${path}`).toEqual([{ operatorToken: [] }])
        expectApiError(r, 401, 'unauthorized')
      }
    }
  })

  it('gives every route a summary, a success response and the error responses in the Error shape', () => {
    for (const { method, path, op } of documented()) {
      const where = `${method} ${path}`
      expect(typeof op.summary, where).toBe('string')
      const statuses = Object.keys(op.responses)
      expect(
        statuses.some((s) => s.startsWith('2')),
        where,
      ).toBe(true)
      expect(statuses, where).toContain('400')
      if (!path.startsWith('/auth/')) expect(statuses, where).toContain('401')
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(op.responses[status].content['application/json'].schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/Error' })
      }
    }
  })

  it('documents every path parameter of every route', () => {
    for (const { method, path, op } of documented()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()
      const declared = (op.parameters ?? [])
        .filter((p: any) => p.in === 'path')
        .map((p: any) => p.name)
        .sort()
      expect(declared, `${method} ${path}`).toEqual(inPath)
      for (const p of (op.parameters ?? []).filter((p: any) => p.in === 'path')) expect(p.required).toBe(true)
    }
  })

  it('has a JSON request schema for every POST, PUT and PATCH', () => {
    const writes = documented().filter(({ method }) => ['post', 'put', 'patch'].includes(method))
    expect(writes.length).toBeGreaterThanOrEqual(6)
    for (const { method, path, op } of writes) {
      const schema = op.requestBody?.content?.['application/json']?.schema
      expect(schema, `${method} ${path}`).toBeDefined()
      // An object, or a choice of objects (PUT …/sso/idp takes one of three shapes).
      const branches: any[] = schema.anyOf ?? schema.oneOf ?? [schema]
      for (const branch of branches) {
        expect(branch, `${method} ${path}`).toMatchObject({ type: 'object', properties: expect.any(Object) })
        expect(branch.additionalProperties, `${method} ${path} refuses unknown fields`).toBe(false)
      }
    }
  })
})

/** The request body schema the document gives for a route, as a validator. */
function bodySchema(method: string, path: string) {
  const schema = doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema
  expect(schema, `${method} ${path}`).toBeDefined()
  return z.fromJSONSchema(schema)
}

function responseSchema(method: string, path: string, status: string) {
  const schema = doc.paths[path]?.[method]?.responses?.[status]?.content?.['application/json']?.schema
  expect(schema, `${method} ${path} ${status}`).toBeDefined()
  return z.fromJSONSchema(schema)
}

describe('the document agrees with the API', () => {
  beforeAll(async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'owner@acme.test', role: 'owner', password: MEMBER_PASSWORD })
  })

  const REJECTED: { method: string; path: string; url: string; body: unknown }[] = [
    { method: 'post', path: '/organizations', url: '/organizations', body: { name: 'X', slug: 'xyz', extra: 1 } },
    { method: 'post', path: '/organizations', url: '/organizations', body: { name: 'X' } },
    { method: 'post', path: '/organizations', url: '/organizations', body: { name: '', slug: 'xyz' } },
    { method: 'post', path: '/organizations', url: '/organizations', body: { name: 'X', slug: 42 } },
    { method: 'patch', path: '/organizations/{org}', url: '/organizations/acme', body: { id: 'mine' } },
    { method: 'post', path: '/organizations/{org}/workspaces', url: '/organizations/acme/workspaces', body: { slug: 'w' } },
    { method: 'post', path: '/organizations/{org}/members', url: '/organizations/acme/members', body: { email: 'a@b.test', role: 'superuser' } },
    { method: 'post', path: '/organizations/{org}/members', url: '/organizations/acme/members', body: { email: 'a@b.test', allowWithoutSso: 'true' } },
    { method: 'post', path: '/organizations/{org}/members', url: '/organizations/acme/members', body: { email: 'a@b.test', workspaceRoles: { prod: 3 } } },
    { method: 'post', path: '/organizations/{org}/members', url: '/organizations/acme/members', body: { email: 'a@b.test', password: 'p'.repeat(257) } },
    { method: 'post', path: '/organizations/{org}/members', url: '/organizations/acme/members', body: { firstName: 'No email' } },
    { method: 'patch', path: '/organizations/{org}/members/{member}', url: '/organizations/acme/members/owner@acme.test', body: { role: 'root' } },
    { method: 'patch', path: '/organizations/{org}/members/{member}', url: '/organizations/acme/members/owner@acme.test', body: { email: 'new@acme.test' } },
    { method: 'post', path: '/auth/password', url: '/auth/password', body: { email: 'owner@acme.test', password: MEMBER_PASSWORD } },
    {
      method: 'post',
      path: '/auth/password',
      url: '/auth/password',
      body: { email: 'owner@acme.test', password: MEMBER_PASSWORD, org: 'acme', mfa: '123456' },
    },
  ]
  for (const c of REJECTED) {
    it(`a body the API refuses with validation_failed is invalid by the schema too: ${c.method.toUpperCase()} ${c.path} ${JSON.stringify(c.body).slice(0, 60)}`, async () => {
      const r = await operator(ctx, c.method.toUpperCase(), c.url, c.body)
      expectApiError(r, 400, 'validation_failed')
      expect(bodySchema(c.method, c.path).safeParse(c.body).success).toBe(false)
    })
  }

  const ACCEPTED: { method: string; path: string; url: string; body: unknown; status: number }[] = [
    { method: 'post', path: '/organizations', url: '/organizations', body: { name: 'Globex', slug: 'globex' }, status: 201 },
    { method: 'patch', path: '/organizations/{org}', url: '/organizations/globex', body: { name: 'Globex Inc' }, status: 200 },
    { method: 'post', path: '/organizations/{org}/workspaces', url: '/organizations/acme/workspaces', body: { name: 'Staging', slug: 'staging' }, status: 201 },
    {
      method: 'patch',
      path: '/organizations/{org}/workspaces/{workspace}',
      url: '/organizations/acme/workspaces/staging',
      body: { slug: 'stage' },
      status: 200,
    },
    {
      method: 'post',
      path: '/organizations/{org}/members',
      url: '/organizations/acme/members',
      status: 201,
      body: {
        email: 'max@acme.test',
        firstName: 'Max',
        lastName: 'M',
        role: 'admin',
        password: MEMBER_PASSWORD,
        allowWithoutSso: true,
        workspaceRoles: { prod: 'editor' },
      },
    },
    {
      method: 'patch',
      path: '/organizations/{org}/members/{member}',
      url: '/organizations/acme/members/max@acme.test',
      body: { role: 'member', workspaceRoles: {} },
      status: 200,
    },
    { method: 'post', path: '/auth/password', url: '/auth/password', body: { email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' }, status: 200 },
  ]
  for (const c of ACCEPTED) {
    it(`a body the API accepts is valid by the schema, and so is the answer: ${c.method.toUpperCase()} ${c.path}`, async () => {
      expect(bodySchema(c.method, c.path).safeParse(c.body).success).toBe(true)
      const r = await operator(ctx, c.method.toUpperCase(), c.url, c.body)
      expect(r.status).toBe(c.status)
      const answer = responseSchema(c.method, c.path, String(c.status)).safeParse(r.json)
      expect(answer.success, JSON.stringify(answer.error?.issues)).toBe(true)
    })
  }

  it('describes the answers of the GET routes, error answers included', async () => {
    const signIn = await call(ctx, 'POST', '/auth/password', { payload: { email: 'owner@acme.test', password: MEMBER_PASSWORD, org: 'acme' } })
    const reads: [string, string, string, string | undefined][] = [
      ['/organizations', '/organizations', '200', undefined],
      ['/organizations/{org}', '/organizations/acme', '200', undefined],
      ['/organizations/{org}/workspaces', '/organizations/acme/workspaces', '200', undefined],
      ['/organizations/{org}/members', '/organizations/acme/members', '200', undefined],
      ['/organizations/{org}/members/{member}', '/organizations/acme/members/owner@acme.test', '200', undefined],
      ['/organizations/{org}/audit-log', '/organizations/acme/audit-log', '200', undefined],
      ['/me', '/me', '200', `Bearer ${signIn.json.token}`],
      ['/organizations/{org}', '/organizations/nope', '404', undefined],
      ['/me', '/me', '401', undefined],
    ]
    for (const [path, url, status, authorization] of reads) {
      const r = path === '/me' ? await call(ctx, 'GET', url, { authorization }) : await operator(ctx, 'GET', url)
      expect(String(r.status), url).toBe(status)
      const schema = status === '200' ? responseSchema('get', path, status) : z.fromJSONSchema({ ...doc.components.schemas.Error })
      const parsed = schema.safeParse(r.json)
      expect(parsed.success, `${url}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true)
    }
  })
})
