/**
 * Arbitrary path segments and query strings on the operator API and the event feed (fast-check):
 * odd ids (empty-ish, `__proto__`, percent-escapes, very long, non-UUID on PostgreSQL), paging
 * cursors and limits. Every answer is a JSON error or success under 500, and refusals change nothing
 * (the audit log, webhooks and keys stay as they were). Paired: the same routes with real values answer 200.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createTestContext, operator, type TestContext } from '../helpers/test-app.js'

/** Runs per property: each is a real request, kept to seconds on a shared machine. */
const RUNS = 200

let ctx: TestContext
beforeAll(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/directory', {})
  await operator(ctx, 'POST', '/webhooks', { url: 'https://hooks.example.com/gatehouse' })
}, 30_000)
afterAll(() => ctx.close())

const segment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    '..',
    '.',
    '%00',
    '%ZZ',
    '%E0%A4%A',
    'a'.repeat(3000),
    '00000000-0000-0000-0000-000000000000',
    "'; drop table x --",
  ),
)
/** A path segment as sent: encoded, or (for strings that are already escapes) raw. */
const sent = (s: string) => (/^%|^\.{1,2}$/.test(s) ? s : encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x')))
const templates = [
  ['GET', '/organizations/{}'],
  ['GET', '/organizations/{}/members/{}'],
  ['GET', '/organizations/acme/members/{}'],
  ['GET', '/organizations/acme/workspaces/{}'],
  ['GET', '/organizations/acme/domains/{}'],
  ['POST', '/organizations/acme/domains/{}/verify'],
  ['DELETE', '/organizations/acme/directory/tokens/{}'],
  ['GET', '/webhooks/{}'],
  ['GET', '/webhooks/{}/deliveries'],
  ['DELETE', '/webhooks/{}'],
  ['POST', '/sp-keys/{}/activate'],
  ['POST', '/sp-keys/{}/retire'],
  ['GET', '/oidc-clients/{}'],
  ['DELETE', '/me/tokens/{}'],
] as const
const queryKey = fc.constantFrom('after', 'limit', 'cursor', 'types', 'type', 'org', '__proto__', 'page')
const query = fc.array(fc.tuple(queryKey, segment), { maxLength: 3 }).map((pairs) => pairs.map(([k, v]) => `${k}=${sent(v)}`).join('&'))

async function snapshot() {
  const db = ctx.runtime.db
  const count = async (table: 'audit_events' | 'webhooks' | 'sp_keys' | 'directory_tokens') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return [await count('audit_events'), await count('webhooks'), await count('sp_keys'), await count('directory_tokens')]
}

const call = (method: string, url: string) => ctx.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })

describe('operator API paths and queries', () => {
  it('answer any id in the path under 500, as JSON; a refused call changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), segment, segment, query, async ([method, template], a, b, q) => {
        const path = template.replace('{}', sent(a)).replace('{}', sent(b))
        const url = `/api/v1${path}${q === '' ? '' : `?${q}`}`
        const before = await snapshot()
        const res = await call(method, url)
        expect(res.statusCode, `${method} ${url}`).toBeLessThan(500)
        if (res.statusCode >= 400) {
          expect(res.headers['content-type'], url).toMatch(/^application\/json/)
          expect(await snapshot(), url).toEqual(before)
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('answer any paging query of the lists and the event feed under 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/events', '/organizations', '/webhooks', '/organizations/acme/audit-log', '/organizations/acme/members'),
        query,
        async (path, q) => {
          const url = `/api/v1${path}?${q}`
          expect((await call('GET', url)).statusCode, url).toBeLessThan(500)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('answer the same routes with real values', async () => {
    const hook = ((await operator(ctx, 'GET', '/webhooks')).json.data as { id: string }[])[0]!
    expect((await call('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).statusCode).toBe(200)
    expect((await call('GET', '/api/v1/organizations/acme')).statusCode).toBe(200)
    expect((await call('GET', '/api/v1/events?limit=10')).statusCode).toBe(200)
  })
})
