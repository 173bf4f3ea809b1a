/**
 * The operator API of directory sync (DESIGN §8): create, get, tokens with rotation (two live at
 * most), disable and enable again, the request log — audited, and enabling/disabling as events (§9).
 */
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DIRECTORY_REQUEST_LOG_SIZE } from '../../src/core/directory.js'
import { newSortableId } from '../../src/core/secret-token.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError } from './support.js'

const SECRET_SHAPE = /^ghsc_[A-Za-z0-9_-]{43}$/
const BASE = /^http:\/\/gatehouse\.test\/scim\/v2\/([0-9a-f-]{36})$/

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
})
afterEach(() => ctx.close())

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url')
const audit = async (org: string) =>
  ((await operator(ctx, 'GET', `/organizations/${org}/audit-log`)).json.data as { action: string; target: string; detail: unknown }[]).filter((e) =>
    e.action.startsWith('directory.'),
  )

async function createDirectory(org = 'acme') {
  const r = await operator(ctx, 'POST', `/organizations/${org}/directory`, {})
  expect(r.status, JSON.stringify(r.json)).toBe(201)
  return r.json as { baseUrl: string; enabled: boolean; token: { id: string; secret: string; createdAt: string } }
}

describe('POST /organizations/{org}/directory', () => {
  it('answers 201 with the base URL and a first token whose secret is shown once and stored as a hash only', async () => {
    const created = await createDirectory()
    expect(Object.keys(created).sort()).toEqual(['baseUrl', 'enabled', 'token'])
    expect(created.enabled).toBe(true)
    expect(created.baseUrl).toMatch(BASE)
    expect(created.token.secret).toMatch(SECRET_SHAPE)
    expect(created.token.createdAt).toBe(ctx.clock.now().toISOString())
    const rows = await ctx.runtime.db.selectFrom('directory_tokens').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.token_hash).toBe(sha256(created.token.secret))
    expect(JSON.stringify(rows)).not.toContain(created.token.secret.slice(5))
    const directory = await ctx.runtime.db.selectFrom('directories').selectAll().executeTakeFirstOrThrow()
    expect(created.baseUrl).toBe(`http://gatehouse.test/scim/v2/${directory.id}`)
  })

  it('refuses a second directory with 409 directory_exists; another org gets its own, with another id', async () => {
    const acme = await createDirectory()
    expectApiError(await operator(ctx, 'POST', '/organizations/acme/directory', {}), 409, 'directory_exists')
    const globex = await createDirectory('globex')
    expect(globex.baseUrl).not.toBe(acme.baseUrl)
    expect(globex.token.secret).not.toBe(acme.token.secret)
  })

  it('answers 404 org_not_found for an unknown org, 400 for a body with unknown fields, 401 without the operator token', async () => {
    expectApiError(await operator(ctx, 'POST', '/organizations/nope/directory', {}), 404, 'org_not_found')
    expectApiError(await operator(ctx, 'POST', '/organizations/acme/directory', { enabled: false }), 400, 'validation_failed')
    expectApiError(await call(ctx, 'POST', '/organizations/acme/directory', { payload: {} }), 401, 'unauthorized')
    expect(await ctx.runtime.db.selectFrom('directories').selectAll().execute()).toEqual([])
  })
})

describe('GET /organizations/{org}/directory', () => {
  it('shows the base URL, the live tokens by prefix (never a secret or hash), counts and the last request time', async () => {
    const created = await createDirectory()
    const r = await operator(ctx, 'GET', '/organizations/acme/directory')
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      baseUrl: created.baseUrl,
      enabled: true,
      tokens: [{ id: created.token.id, prefix: created.token.secret.slice(0, 11), createdAt: created.token.createdAt, lastUsedAt: null }],
      userCount: 0,
      groupCount: 0,
      lastRequestAt: null,
    })
    expect(r.res.body).not.toContain(created.token.secret)
    expect(r.res.body).not.toContain(sha256(created.token.secret))
  })

  it('answers 404 directory_not_found when the org has none', async () => {
    expectApiError(await operator(ctx, 'GET', '/organizations/acme/directory'), 404, 'directory_not_found')
    expectApiError(await operator(ctx, 'GET', '/organizations/acme/directory/requests'), 404, 'directory_not_found')
  })
})

describe('directory tokens', () => {
  it('rotates: a second token is made, a third refused (409), the old one revoked (204), then a new one made', async () => {
    const first = (await createDirectory()).token
    const second = await operator(ctx, 'POST', '/organizations/acme/directory/tokens', {})
    expect(second.status).toBe(201)
    expect(Object.keys(second.json).sort()).toEqual(['createdAt', 'id', 'secret'])
    expect(second.json.secret).toMatch(SECRET_SHAPE)
    expectApiError(await operator(ctx, 'POST', '/organizations/acme/directory/tokens', {}), 409, 'directory_token_limit_reached')
    const revoked = await operator(ctx, 'DELETE', `/organizations/acme/directory/tokens/${first.id}`)
    expect(revoked.status).toBe(204)
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).json.tokens.map((t: { id: string }) => t.id)).toEqual([second.json.id])
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/directory/tokens/${first.id}`), 404, 'directory_token_not_found')
    const third = await operator(ctx, 'POST', '/organizations/acme/directory/tokens', {})
    expect(third.status).toBe(201)
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).json.tokens).toHaveLength(2)
  })

  it("never revokes another org's token, nor an unknown id", async () => {
    await createDirectory()
    const globex = await createDirectory('globex')
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/directory/tokens/${globex.token.id}`), 404, 'directory_token_not_found')
    expectApiError(await operator(ctx, 'DELETE', '/organizations/acme/directory/tokens/nope'), 404, 'directory_token_not_found')
    expect((await operator(ctx, 'GET', '/organizations/globex/directory')).json.tokens).toHaveLength(1)
  })
})

describe('DELETE /organizations/{org}/directory', () => {
  it('disables it and revokes every token; no token can be made until it is created again, with the same base URL', async () => {
    const created = await createDirectory()
    expect((await operator(ctx, 'DELETE', '/organizations/acme/directory')).status).toBe(204)
    expect((await operator(ctx, 'DELETE', '/organizations/acme/directory')).status).toBe(204)
    const r = await operator(ctx, 'GET', '/organizations/acme/directory')
    expect(r.json).toMatchObject({ baseUrl: created.baseUrl, enabled: false, tokens: [] })
    expectApiError(await operator(ctx, 'POST', '/organizations/acme/directory/tokens', {}), 409, 'directory_disabled')
    const again = await createDirectory()
    expect(again.baseUrl).toBe(created.baseUrl)
    expect(again.token.secret).not.toBe(created.token.secret)
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).json).toMatchObject({ enabled: true, tokens: [{ id: again.token.id }] })
  })

  it('answers 404 directory_not_found when there is none', async () => {
    expectApiError(await operator(ctx, 'DELETE', '/organizations/acme/directory'), 404, 'directory_not_found')
  })
})

describe('audit and events', () => {
  it('audits every change without a secret, and writes directory.enabled/disabled events', async () => {
    const created = await createDirectory()
    const second = (await operator(ctx, 'POST', '/organizations/acme/directory/tokens', {})).json
    await operator(ctx, 'DELETE', `/organizations/acme/directory/tokens/${second.id as string}`)
    await operator(ctx, 'DELETE', '/organizations/acme/directory')
    await createDirectory()
    const entries = await audit('acme')
    expect(entries.map((e) => e.action)).toEqual([
      'directory.enabled',
      'directory.disabled',
      'directory.token_revoked',
      'directory.token_created',
      'directory.created',
    ])
    expect(entries.find((e) => e.action === 'directory.token_created')!.target).toBe(second.id)
    const text = JSON.stringify(entries)
    expect(text).not.toContain(created.token.secret)
    expect(text).not.toContain(second.secret)
    const events = await ctx.runtime.db.selectFrom('events').selectAll().orderBy('id').execute()
    const org = await ctx.runtime.db.selectFrom('organizations').select('id').where('slug', '=', 'acme').executeTakeFirstOrThrow()
    expect(events.filter((e) => e.type.startsWith('directory.')).map((e) => [e.type, e.org_id, JSON.parse(e.data)])).toEqual([
      ['directory.enabled', org.id, { directory: { id: created.baseUrl.split('/').pop(), baseUrl: created.baseUrl } }],
      ['directory.disabled', org.id, { directory: { id: created.baseUrl.split('/').pop(), baseUrl: created.baseUrl } }],
      ['directory.enabled', org.id, { directory: { id: created.baseUrl.split('/').pop(), baseUrl: created.baseUrl } }],
    ])
    expect(await audit('globex')).toEqual([])
  })
})

describe('GET /organizations/{org}/directory/requests', () => {
  it('lists the request log newest first and keeps only the last entries of each directory', async () => {
    await createDirectory()
    await createDirectory('globex')
    const [acme, globex] = await Promise.all(
      ['acme', 'globex'].map(async (slug) => {
        const org = await ctx.runtime.db.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()
        return (await ctx.deps.store.directories.findByOrg(org.id))!
      }),
    )
    const store = ctx.deps.store.directories
    await store.insertRequest(
      {
        id: newSortableId(),
        directoryId: globex!.id,
        method: 'GET',
        path: '/Users',
        status: 200,
        errorDetail: null,
        body: null,
        createdAt: ctx.clock.now().toISOString(),
      },
      DIRECTORY_REQUEST_LOG_SIZE,
    )
    for (let i = 0; i < 7; i += 1) {
      ctx.clock.advance(1000)
      await store.insertRequest(
        {
          id: newSortableId(),
          directoryId: acme!.id,
          method: 'PATCH',
          path: `/Users/${i}`,
          status: i === 6 ? 400 : 200,
          errorDetail: i === 6 ? 'bad' : null,
          body: '{}',
          createdAt: ctx.clock.now().toISOString(),
        },
        5,
      )
    }
    const r = await operator(ctx, 'GET', '/organizations/acme/directory/requests')
    expect(r.status).toBe(200)
    expect(r.json.data.map((e: { path: string }) => e.path)).toEqual(['/Users/6', '/Users/5', '/Users/4', '/Users/3', '/Users/2'])
    expect(r.json.data[0]).toEqual({ method: 'PATCH', path: '/Users/6', status: 400, errorDetail: 'bad', body: '{}', createdAt: ctx.clock.now().toISOString() })
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).json.lastRequestAt).toBe(ctx.clock.now().toISOString())
    expect((await operator(ctx, 'GET', '/organizations/globex/directory/requests')).json.data).toHaveLength(1)
  })
})
