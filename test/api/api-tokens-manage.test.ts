/** Personal API tokens (DESIGN §5): scoped to one org, listed without secrets, revoked at once, and as the OpenAPI document describes them. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { days, minutes } from '../../src/core/clock.js'
import { operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError } from './support.js'
import { NOW, setUpTokens, tokenHelpers } from './api-tokens-support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await setUpTokens()
})
afterEach(() => ctx.close())
const { apiSession, create, list, revoke, me, tokenRows, auditOf, newToken } = tokenHelpers(() => ctx)

describe('a token made in one org gives nothing of another', () => {
  beforeEach(async () => {
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'max@acme.test', role: 'admin' })
  })

  it('acts only for its own org, whichever orgs its user belongs to', async () => {
    const a = await newToken(await apiSession('max@acme.test', 'acme'), { name: 'acme token' })
    const g = await newToken(await apiSession('max@acme.test', 'globex'), { name: 'globex token' })
    expect((await me(a.bearer)).json).toMatchObject({ org: 'acme', orgRole: 'member' })
    expect((await me(g.bearer)).json).toMatchObject({ org: 'globex', orgRole: 'admin', workspaceRoles: {} })
    expect((await list(a.bearer)).json.data.map((t: { name: string }) => t.name)).toEqual(['acme token'])
    expect((await list(g.bearer)).json.data.map((t: { name: string }) => t.name)).toEqual(['globex token'])
  })

  it('cannot be revoked from a session acting for the other org (404), only from its own', async () => {
    const a = await newToken(await apiSession('max@acme.test', 'acme'))
    expectApiError(await revoke(await apiSession('max@acme.test', 'globex'), a.id), 404, 'token_not_found')
    expect((await me(a.bearer)).status).toBe(200)
    expect((await revoke(await apiSession('max@acme.test', 'acme'), a.id)).status).toBe(204)
  })

  it('does not fall back to the other org when its own membership ends', async () => {
    const a = await newToken(await apiSession('max@acme.test', 'acme'))
    await operator(ctx, 'DELETE', '/organizations/acme/members/max@acme.test')
    expectApiError(await me(a.bearer), 401, 'token_invalid')
    expectApiError(await list(a.bearer), 401, 'token_invalid')
  })
})

describe('GET /api/v1/me/tokens', () => {
  it("lists the caller's tokens for the org, newest first: id, name, createdAt, lastUsedAt, expiresAt and never a secret or hash", async () => {
    const session = await apiSession()
    const first = await newToken(session, { name: 'first' })
    ctx.clock.advance(minutes(5))
    const second = await newToken(session, { name: 'second', expiresInDays: 90 })
    await newToken(await apiSession('mia@acme.test'), { name: "mia's" })
    const r = await list(session)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      data: [
        {
          id: second.id,
          name: 'second',
          createdAt: new Date(NOW + minutes(5)).toISOString(),
          lastUsedAt: null,
          expiresAt: new Date(NOW + minutes(5) + days(90)).toISOString(),
        },
        { id: first.id, name: 'first', createdAt: new Date(NOW).toISOString(), lastUsedAt: null, expiresAt: null },
      ],
    })
    const hashes = (await tokenRows()).map((row) => row.token_hash)
    for (const leak of [first.secret, second.secret, ...hashes]) expect(r.res.body).not.toContain(leak)
  })

  it('works with a personal token too (reading names is harmless)', async () => {
    const { bearer } = await newToken(await apiSession())
    expect((await list(bearer)).json.data).toHaveLength(1)
  })

  it('is empty for a member without tokens, and 401 without credentials', async () => {
    expect((await list(await apiSession('mia@acme.test'))).json).toEqual({ data: [] })
    expectApiError(await call(ctx, 'GET', '/me/tokens'), 401, 'unauthenticated')
  })
})

describe('DELETE /api/v1/me/tokens/{id}', () => {
  it('revokes the token at once: 204, then 401 token_invalid, gone from the list, in the audit log', async () => {
    const session = await apiSession()
    const { bearer, id, secret } = await newToken(session, { name: 'leaked' })
    expect((await me(bearer)).status).toBe(200)
    const r = await revoke(session, id)
    expect(r.status).toBe(204)
    expect(r.res.body).toBe('')
    expectApiError(await me(bearer), 401, 'token_invalid')
    expect((await list(session)).json.data).toEqual([])
    const events = await auditOf('acme')
    expect(events.find((e) => e.action === 'token.revoked')).toMatchObject({
      actor: 'user:max@acme.test',
      target: 'max@acme.test',
      detail: { tokenId: id, name: 'leaked' },
    })
    expect(JSON.stringify(events)).not.toContain(secret)
  })

  it('answers 404 token_not_found the second time, and for an id that never existed', async () => {
    const session = await apiSession()
    const { id } = await newToken(session)
    expect((await revoke(session, id)).status).toBe(204)
    expectApiError(await revoke(session, id), 404, 'token_not_found')
    expectApiError(await revoke(session, '00000000-0000-0000-0000-000000000000'), 404, 'token_not_found')
  })

  it("answers 404 token_not_found for another member's token, exactly as for none, and leaves it working", async () => {
    const mias = await newToken(await apiSession('mia@acme.test'))
    const max = await apiSession()
    const other = await revoke(max, mias.id)
    expectApiError(other, 404, 'token_not_found')
    expect(other.json).toEqual((await revoke(max, '00000000-0000-0000-0000-000000000000')).json)
    expect((await me(mias.bearer)).status).toBe(200)
    expect((await auditOf('acme')).filter((e) => e.action === 'token.revoked')).toEqual([])
  })

  it('refuses a personal token revoking a token (even itself) with 403 session_required; its session may', async () => {
    const session = await apiSession()
    const { bearer, id } = await newToken(session)
    expectApiError(await revoke(bearer, id), 403, 'session_required')
    expect((await me(bearer)).status).toBe(200)
    expect((await revoke(session, id)).status).toBe(204)
  })
})

describe('the OpenAPI document', () => {
  it("describes the token routes' bodies and answers as the API gives them, sessionExpiresAt null included", async () => {
    const doc = (await call(ctx, 'GET', '/openapi.json')).json
    const schemaOf = (path: string, method: string, status: string) =>
      z.fromJSONSchema(doc.paths[path][method].responses[status].content['application/json'].schema)
    const body = z.fromJSONSchema(doc.paths['/me/tokens'].post.requestBody.content['application/json'].schema)
    expect(body.safeParse({ name: 'ci', expiresInDays: 30 }).success).toBe(true)
    expect(body.safeParse({ name: 'ci', expiresInDays: 0 }).success).toBe(false)
    expect(body.safeParse({ name: 'ci', scopes: [] }).success).toBe(false)
    const session = await apiSession()
    const created = await create(session, { name: 'ci' })
    const answers: [string, string, string, unknown][] = [
      ['/me/tokens', 'post', '201', created.json],
      ['/me/tokens', 'get', '200', (await list(session)).json],
      ['/me', 'get', '200', (await me(`Bearer ${created.json.token}`)).json],
    ]
    for (const [path, method, status, answer] of answers) {
      const result = schemaOf(path, method, status).safeParse(answer)
      expect(result.success, `${method} ${path}: ${JSON.stringify(result.error?.issues)}`).toBe(true)
    }
    expect(Object.keys(doc.paths['/me/tokens/{id}'].delete.responses)).toEqual(expect.arrayContaining(['204', '401', '403', '404']))
  })
})
