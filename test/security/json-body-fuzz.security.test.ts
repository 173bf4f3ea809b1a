/**
 * Arbitrary JSON bodies through the real routes (fast-check): webhook registration and organization
 * creation on the operator API, user and group creation on SCIM. Every answer is under 500, and a
 * refused one changes nothing (the webhooks, organizations and SCIM resources are as before).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acmeWithDirectory, oktaUser, scim, type TestDirectory } from '../directory/support.js'
import { ADMIN_TOKEN, operator, type TestContext } from '../helpers/test-app.js'

/** Runs per property: each is a real request, kept to seconds on a shared machine. */
const RUNS = 150

let ctx: TestContext
let dir: TestDirectory
beforeAll(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
}, 30_000)
afterAll(() => ctx.close())

const key = fc.constantFrom('url', 'types', 'name', 'slug', '__proto__', 'constructor', 'userName', 'displayName', 'members', 'emails', 'schemas', 'active')
const leaf = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('https://hooks.example.com/x', 'http://127.0.0.1/', 'https://user:pw@hooks.example.com/', 'member.created', 'ann@acme.test', '__proto__', ''),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
)
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
})).value
const body = fc.oneof(fc.dictionary(key, json, { maxKeys: 4 }), json)

/** The raw request body: JSON text, or now and then not JSON at all. */
const payload = fc.oneof(
  body.map((b) => JSON.stringify(b)),
  fc.constantFrom('', '{', 'null', '[]', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}'),
)

const webhookCount = async () => ((await operator(ctx, 'GET', '/webhooks')).json.data as unknown[]).length
const orgCount = async () => ((await operator(ctx, 'GET', '/organizations')).json.data as unknown[]).length
const scimCount = async (path: string) => (await scim(ctx, dir, 'GET', `${path}?count=0`)).json.totalResults as number

async function send(url: string, text: string) {
  return ctx.app.inject({
    method: 'POST',
    url,
    payload: text,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
  })
}

describe('operator API bodies', () => {
  it('answer any webhook registration or organization body under 500; a refused one adds nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/webhooks', '/api/v1/organizations'), payload, async (url, text) => {
        const counted = url.endsWith('webhooks') ? webhookCount : orgCount
        const before = await counted()
        const res = await send(url, text)
        expect(res.statusCode, `${url} ${text}`).toBeLessThan(500)
        if (res.statusCode >= 400) expect(await counted(), `${url} ${text}`).toBe(before)
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
      }),
      { numRuns: RUNS },
    )
  })

  it('registers a webhook once the body is well formed', async () => {
    const before = await webhookCount()
    const res = await send('/api/v1/webhooks', JSON.stringify({ url: 'https://hooks.example.com/gatehouse', types: ['member.created'] }))
    expect(res.statusCode, res.body).toBe(201)
    expect(await webhookCount()).toBe(before + 1)
  })
})

describe('SCIM create bodies', () => {
  it('answer any user or group body under 500; a refused one creates nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/Users', '/Groups'), payload, async (path, text) => {
        const before = await scimCount(path)
        const r = await scim(ctx, dir, 'POST', path, { raw: text })
        expect(r.status, `${path} ${text}`).toBeLessThan(500)
        if (r.status >= 400) expect(await scimCount(path), `${path} ${text}`).toBe(before)
      }),
      { numRuns: RUNS },
    )
  })

  it('creates the user once the body is well formed', async () => {
    const before = await scimCount('/Users')
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('fuzz.ok@acme.test') })).status).toBe(201)
    expect(await scimCount('/Users')).toBe(before + 1)
  })
})
