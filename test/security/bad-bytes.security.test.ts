/**
 * No 500 from bad bytes (issue 14, item 11): generated strings — NUL, lone surrogates, invalid UTF-8
 * byte sequences (raw and %-escaped), very long values, any Unicode, JSON of the wrong type — thrown
 * into every path parameter, query parameter and form or JSON field of every route Fastify serves
 * (read from its routing tree, so a new route is covered without being named here), signed in as an
 * owner with a valid CSRF token, an operator token or a member token so the handlers run past
 * authentication. Every answer must be below 500, carry the security headers, and a refusal must be
 * the usual page (HTML) or API error (`{"error":{"code","message"}}`).
 *
 * Bounded: FC_RUNS generated requests per route (default 20 on SQLite, 10 on PostgreSQL); seeded by FC_SEED (default: now), and
 * a failure names the seed, the route and the request so it can be replayed.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signedIn, seedAcme, OWNER, PASSWORD, type Acme } from '../http/support.js'
import { TEST_DATABASE_URL } from '../helpers/database.js'
import { appRoutes, paramsOf, type AppRoute } from '../helpers/routes.js'
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../helpers/test-app.js'
import type { Browser } from '../helpers/browser.js'
import { setupSsoOrg } from '../helpers/sso.js'
import { createTestIdp } from '../helpers/test-idp.js'

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)
// Tuned to keep the file under a minute on each database (PostgreSQL's round trips cost ~4× SQLite's).
const RUNS = Number(process.env.FC_RUNS ?? (TEST_DATABASE_URL === undefined ? 20 : 10))
const SSO_NAME = 'globex-sso'
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** Field names the page handlers read, found in the source (so a new form field is fuzzed too). */
function formFieldNames(): string[] {
  const root = new URL('../../src/', import.meta.url).pathname
  const names = new Set<string>(['_csrf', 'SAMLResponse', 'RelayState', 'next'])
  for (const file of readdirSync(root, { recursive: true }) as string[]) {
    if (!/\.tsx?$/.test(file)) continue
    const text = readFileSync(join(root, file), 'utf8')
    for (const m of text.matchAll(/field\((?:request\.)?body, '([A-Za-z_]+)'\)/g)) names.add(m[1]!)
    for (const m of text.matchAll(/\bname="([A-Za-z_]+)"/g)) names.add(m[1]!)
  }
  return [...names]
}

// ---- generated strings ----------------------------------------------------------------------

const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))
const nasty = fc.constantFrom(
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\uffff',
  '\ufeff',
  '\u202e',
  '\r\n',
  '%00',
  '..',
  '/',
  '"\'<>&',
  'acme',
  'prod',
)
const long = fc.tuple(fc.constantFrom(300, 2_000, 20_000), fc.constantFrom('a', 'é', '\u0000', '😀', '%')).map(([n, c]) => c.repeat(n))
/** A JS string (lone surrogates included): what a JSON body or a decoded field can carry. */
const badString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: nasty },
  {
    weight: 3,
    arbitrary: fc.array(fc.oneof(nasty, surrogate, fc.string({ unit: 'binary-ascii', maxLength: 5 })), { maxLength: 6 }).map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: long },
)
/** Bytes no UTF-8 decoder accepts: stray continuation, over-long NUL and '/', a surrogate, a cut sequence. */
const INVALID_UTF8 = ['%FF', '%C0%80', '%C0%AF', '%ED%A0%80', '%E2%82', '%80', '%F5%80%80%80', '%', '%zz', '%00']

/** Percent-encodes every byte of the string's UTF-8 (a lone surrogate becomes EF BF BD, as a browser would send). */
function pct(text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8'))
    out += /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  return out
}

/** URL text for a path segment or query value: a string %-encoded, or raw invalid escapes mixed in. */
const urlText = fc.oneof(
  { weight: 3, arbitrary: badString.map(pct) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...INVALID_UTF8), badString.map(pct)), { minLength: 1, maxLength: 4 }).map((p) => p.join('')) },
)

/** A field's value in a raw body: UTF-8 text, or bytes that are not UTF-8 at all. */
const rawValue = fc.oneof(
  { weight: 3, arbitrary: badString.map((s) => Buffer.from(pct(s))) },
  { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b)) },
)
const jsonValue = fc.oneof(
  { weight: 4, arbitrary: badString },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.array(badString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(badString, badString, { maxKeys: 3 }) },
)

// ---- the application under test -------------------------------------------------------------

interface Api {
  readonly query: string[]
  readonly body: string[]
}

interface World {
  readonly ctx: TestContext
  readonly acme: Acme
  readonly owner: Browser
  readonly memberToken: string
  readonly routes: AppRoute[]
  readonly api: Map<string, Api>
  readonly formFields: string[]
}

let world: World

beforeAll(async () => {
  const ctx = await createTestContext()
  const acme = await seedAcme(ctx)
  // An enabled SSO connection, so the SSO start, metadata and ACS routes run past "no such connection".
  await setupSsoOrg(ctx, await createTestIdp('globex'), { slug: 'globex', ssoName: SSO_NAME })
  const owner = await signedIn(ctx, OWNER)
  await owner.get('/dashboard')
  const signIn = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email: OWNER, password: PASSWORD, org: 'acme' } })
  expect(signIn.statusCode).toBe(200)
  const openapi = (await ctx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
  const api = new Map<string, Api>()
  for (const [path, item] of Object.entries(openapi.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      const query = ((op.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === 'query').map((p) => p.name)
      const body = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {})
      api.set(`${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '').replace(/\{(\w+)\}/g, ':$1')}`, { query, body })
    }
  }
  // Signing out ends the owner's session: last, so every other page runs signed in.
  const routes = appRoutes(ctx.app)
    .filter((r) => METHODS.has(r.method))
    .sort((a, b) => Number(a.url === '/logout') - Number(b.url === '/logout'))
  world = { ctx, acme, owner, memberToken: signIn.json().token as string, routes, api, formFields: formFieldNames() }
}, 60_000)

afterAll(async () => {
  await world?.ctx.close()
})

// ---- one generated request ------------------------------------------------------------------

interface Generated {
  readonly params: Record<string, string>
  readonly query: [string, string][]
  readonly fields: [string, unknown][]
  readonly rawFields: [string, Buffer][]
  readonly form: boolean
  readonly validCsrf: boolean
}

function requestArbitrary(route: AppRoute, api: Api | undefined, formFields: string[]): fc.Arbitrary<Generated> {
  const params = paramsOf(route.url)
  const KNOWN: Record<string, string> = { org: 'acme', workspace: 'prod', ssoName: SSO_NAME }
  const known = (name: string) => (route.method === 'DELETE' ? undefined : KNOWN[name])
  const paramArb = fc.tuple(
    ...params.map((name) => {
      const good = known(name)
      return good === undefined ? urlText : fc.oneof(fc.constant(good), urlText)
    }),
  )
  const names = [...new Set([...(api?.query ?? []), ...(api?.body ?? []), ...formFields])]
  const nameArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: badString })
  return fc.record({
    params: paramArb.map((values) => Object.fromEntries(params.map((name, i) => [name, values[i]!]))),
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names).map(pct), urlText), urlText), { maxLength: 3 }),
    fields: fc.array(fc.tuple(nameArb, jsonValue), { maxLength: 6 }),
    rawFields: fc.array(fc.tuple(nameArb, rawValue), { maxLength: 6 }),
    form: fc.boolean(),
    validCsrf: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  })
}

async function send(route: AppRoute, g: Generated): Promise<{ res: LightMyRequestResponse; url: string }> {
  const { ctx, owner, memberToken } = world
  let path = route.url
  for (const [name, value] of Object.entries(g.params)) path = path.replace(`:${name}`, value === '' ? 'x' : value)
  path = path.replace('*', g.params['*'] ?? 'auth')
  const query = g.query.map(([k, v]) => `${k}=${v}`).join('&')
  const url = query === '' ? path : `${path}?${query}`
  const isApi = url.startsWith('/api/')
  const headers: Record<string, string> = {}
  if (isApi) headers.authorization = `Bearer ${/^\/api\/v1\/(me|auth)\b/.test(url) ? memberToken : ADMIN_TOKEN}`
  else headers.cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  let payload: Buffer | string | undefined
  if (route.method !== 'GET' && route.method !== 'DELETE') {
    if (isApi && !g.form) {
      headers['content-type'] = 'application/json'
      const body = Object.fromEntries(g.fields)
      // Half the time the JSON text itself carries bytes that are not UTF-8 inside a string.
      payload =
        g.rawFields.length > 0 && g.rawFields[0]![1].length % 2 === 0
          ? Buffer.concat([
              Buffer.from('{"name":"'),
              Buffer.from(g.rawFields[0]![1].toString('latin1'), 'latin1'),
              Buffer.from('",'),
              Buffer.from(JSON.stringify(body).slice(1)),
            ])
          : JSON.stringify(body)
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      const parts: Buffer[] = []
      if (g.validCsrf) parts.push(Buffer.from(`_csrf=${owner.csrf()}`))
      for (const [name, value] of g.rawFields) parts.push(Buffer.concat([Buffer.from(`${pct(name)}=`), value]))
      for (const [name, value] of g.fields) parts.push(Buffer.from(`${pct(name)}=${pct(typeof value === 'string' ? value : JSON.stringify(value))}`))
      payload = Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('&'), p])))
    }
  }
  const res = await ctx.app.inject({ method: route.method, url, headers, ...(payload === undefined ? {} : { payload }) })
  return { res, url }
}

/** Why the answer is not acceptable, or undefined. */
function problemWith(res: LightMyRequestResponse, url: string): string | undefined {
  if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 300)}`
  if (res.headers['x-content-type-options'] !== 'nosniff' || res.headers['content-security-policy'] === undefined)
    return `status ${res.statusCode} without the security headers`
  if (res.statusCode < 400) return undefined
  const type = String(res.headers['content-type'] ?? '')
  if (url.startsWith('/api/')) {
    const body = safeJson(res.body) as { error?: { code?: unknown; message?: unknown } } | undefined
    if (!type.startsWith('application/json') || typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string')
      return `API refusal ${res.statusCode} is not the API error: ${res.body.slice(0, 200)}`
    return undefined
  }
  if (type.startsWith('text/html') && res.body.includes('<h1>')) return undefined
  // oidc-provider's JSON endpoints answer OAuth errors: {"error":"…","error_description":"…"}.
  if (url.startsWith('/oidc') && type.startsWith('application/json') && typeof (safeJson(res.body) as { error?: unknown } | undefined)?.error === 'string')
    return undefined
  return `page refusal ${res.statusCode} is not the usual page (${type}): ${res.body.slice(0, 200)}`
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

describe('generated bad input on every route', () => {
  it('reads every route from Fastify, forms and API alike', () => {
    const urls = new Set(world.routes.map((r) => `${r.method} ${r.url}`))
    for (const known of [
      'POST /login',
      'POST /orgs/:org/sso/idp',
      'POST /saml/:ssoName/acs',
      'PATCH /api/v1/organizations/:org',
      'POST /api/v1/me/tokens',
      'GET /oidc/*',
    ]) {
      expect(urls, known).toContain(known)
    }
    expect(world.routes.length).toBeGreaterThan(60)
  })

  it('answers every generated request below 500, with the security headers and the usual page or API error', async () => {
    const failures: string[] = []
    // Past authentication: neither 401/403 nor a redirect to the sign-in page (else the fuzz would only test the door).
    let sent = 0
    let pastAuth = 0
    for (const route of world.routes) {
      const api = route.url.startsWith('/api/v1') ? world.api.get(`${route.method} ${route.url.slice('/api/v1'.length)}`) : undefined
      const began = Date.now()
      const details = await fc.check(
        fc.asyncProperty(requestArbitrary(route, api, world.formFields), async (g) => {
          const { res, url } = await send(route, g)
          sent++
          if (res.statusCode !== 401 && res.statusCode !== 403 && !String(res.headers.location ?? '').startsWith('/login')) pastAuth++
          const problem = problemWith(res, url)
          if (problem !== undefined) throw new Error(`${route.method} ${url.slice(0, 300)}: ${problem}`)
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      )
      if (process.env.FC_TIMING) console.log(Date.now() - began, route.method, route.url)
      if (details.failed)
        failures.push(
          `${route.method} ${route.url} (FC_SEED=${SEED}, path ${details.counterexamplePath}): ${String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance).slice(0, 800)}`,
        )
    }
    expect(failures, `replay with FC_SEED=${SEED}`).toEqual([])
    if (process.env.FC_TIMING) console.log(`${pastAuth} of ${sent} requests past authentication`)
    expect(pastAuth / sent).toBeGreaterThan(0.6)
  }, 120_000)
})
