/**
 * Personal API tokens (DESIGN §5, rules in src/core/api-tokens.ts): created from a session and
 * shown once, stored hashed, listed without secrets, revoked at once, scoped to one user in one org.
 * Every refusal is paired with the allowed call passing. Policy (DESIGN §2.4) is in
 * test/sso/enforcement-matrix.test.ts.
 */
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { days, minutes } from '../../src/core/clock.js'
import { browser } from '../helpers/browser.js'
import { ADMIN_TOKEN, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, MEMBER_PASSWORD } from './support.js'
import { NOW, SECRET_SHAPE, setUpTokens, tokenHelpers } from './api-tokens-support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await setUpTokens()
})
afterEach(() => ctx.close())
const { apiSession, create, list, revoke, me, tokenRows, auditOf, newToken } = tokenHelpers(() => ctx)

describe('POST /api/v1/me/tokens', () => {
  it('answers 201 with the token record and the secret, ghpt_ and 256 random bits, shown this once', async () => {
    const r = await create(await apiSession(), { name: 'deploy script' })
    expect(r.status).toBe(201)
    expect(Object.keys(r.json).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'token'])
    expect(r.json).toMatchObject({ name: 'deploy script', createdAt: new Date(NOW).toISOString(), lastUsedAt: null, expiresAt: null })
    expect(r.json.token).toMatch(SECRET_SHAPE)
    expect(Buffer.from(r.json.token.slice(5), 'base64url')).toHaveLength(32)
    const again = await create(await apiSession(), { name: 'another' })
    expect(again.json.token).not.toBe(r.json.token)
  })

  it('stores only the SHA-256 of the secret, never the secret', async () => {
    const { secret, id } = await newToken(await apiSession())
    const rows = await tokenRows()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.id).toBe(id)
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(secret).digest('base64url'))
    expect(JSON.stringify(rows)).not.toContain(secret)
    expect(JSON.stringify(rows)).not.toContain(secret.slice(5))
  })

  it('sets an expiry expiresInDays from now when asked', async () => {
    const { json } = await newToken(await apiSession(), { name: 'thirty days', expiresInDays: 30 })
    expect(json.expiresAt).toBe(new Date(NOW + days(30)).toISOString())
  })

  it('works from a browser session cookie of a user in one org, as from API sign-in', async () => {
    const b = browser(ctx.app)
    expect((await b.submit('/login', '/login', { email: 'max@acme.test', password: MEMBER_PASSWORD })).statusCode).toBe(303)
    const r = await call(ctx, 'POST', '/me/tokens', { headers: { cookie: `gh_session=${b.cookies.get('gh_session')}` }, payload: { name: 'from the browser' } })
    expect(r.status).toBe(201)
    expect((await me(`Bearer ${r.json.token}`)).json).toMatchObject({ email: 'max@acme.test', org: 'acme' })
  })

  it('refuses a browser session of a user in several orgs, which acts for none, with 409 org_not_selected, while API sign-in naming the org works', async () => {
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'max@acme.test', role: 'member' })
    const b = browser(ctx.app)
    expect((await b.submit('/login', '/login', { email: 'max@acme.test', password: MEMBER_PASSWORD })).statusCode).toBe(303)
    const cookie = `gh_session=${b.cookies.get('gh_session')}`
    expectApiError(await call(ctx, 'POST', '/me/tokens', { headers: { cookie }, payload: { name: 'which org?' } }), 409, 'org_not_selected')
    expectApiError(await call(ctx, 'GET', '/me/tokens', { headers: { cookie } }), 409, 'org_not_selected')
    expect(await tokenRows()).toEqual([])
    expect((await create(await apiSession('max@acme.test', 'globex'), { name: 'which org?' })).status).toBe(201)
  })

  it('refuses a personal token creating a token, with 403 session_required, while its session may', async () => {
    const session = await apiSession()
    const { bearer } = await newToken(session)
    expectApiError(await create(bearer, { name: 'minted by a token' }), 403, 'session_required')
    expect(await tokenRows()).toHaveLength(1)
    expect((await create(session, { name: 'minted by a token' })).status).toBe(201)
  })

  it('refuses a call with no credentials (401 unauthenticated) or a bad bearer (401 token_invalid)', async () => {
    expectApiError(await call(ctx, 'POST', '/me/tokens', { payload: { name: 'x' } }), 401, 'unauthenticated')
    expectApiError(await create(`Bearer ghpt_${'A'.repeat(43)}`, { name: 'x' }), 401, 'token_invalid')
    expectApiError(await create(`Bearer ${ADMIN_TOKEN}`, { name: 'x' }), 401, 'token_invalid')
    expect(await tokenRows()).toEqual([])
  })

  const BAD_NAMES: [string, string][] = [
    ['empty', ''],
    ['only spaces', '   '],
    ['101 characters', 'n'.repeat(101)],
    ['a control character', 'ci\u0007bell'],
    ['a newline', 'two\nlines'],
  ]
  for (const [what, name] of BAD_NAMES) {
    it(`refuses a name that is ${what} with 422 token_name_invalid naming the field, and creates nothing`, async () => {
      const r = await create(await apiSession(), { name })
      expectApiError(r, 422, 'token_name_invalid')
      expect(r.json.error.fields).toHaveProperty('name')
      expect(await tokenRows()).toEqual([])
    })
  }

  it('accepts a name of exactly 100 characters, and trims surrounding spaces', async () => {
    expect((await newToken(await apiSession(), { name: 'n'.repeat(100) })).json.name).toBe('n'.repeat(100))
    expect((await newToken(await apiSession(), { name: '  laptop  ' })).json.name).toBe('laptop')
  })

  const MALFORMED: [string, unknown][] = [
    ['no name', {}],
    ['a name that is not a string', { name: 42 }],
    ['an unknown field', { name: 'x', scopes: ['admin'] }],
    ['expiresInDays 0', { name: 'x', expiresInDays: 0 }],
    ['expiresInDays 367', { name: 'x', expiresInDays: 367 }],
    ['a fractional expiresInDays', { name: 'x', expiresInDays: 1.5 }],
    ['expiresInDays as a string', { name: 'x', expiresInDays: '30' }],
  ]
  for (const [what, body] of MALFORMED) {
    it(`refuses a body with ${what} with 400 validation_failed, and creates nothing`, async () => {
      expectApiError(await create(await apiSession(), body), 400, 'validation_failed')
      expect(await tokenRows()).toEqual([])
    })
  }

  it('accepts expiresInDays from 1 to 366', async () => {
    const session = await apiSession()
    expect((await create(session, { name: 'one', expiresInDays: 1 })).status).toBe(201)
    expect((await create(session, { name: 'max', expiresInDays: 366 })).status).toBe(201)
  })

  it('refuses a second token of the same name with 409 token_name_taken; another member, or the same user in another org, may use it', async () => {
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'max@acme.test', role: 'member' })
    const session = await apiSession()
    await newToken(session, { name: 'ci' })
    const r = await create(session, { name: 'ci' })
    expectApiError(r, 409, 'token_name_taken')
    expect(r.json.error.fields).toHaveProperty('name')
    expect(await tokenRows()).toHaveLength(1)
    await newToken(await apiSession('mia@acme.test'), { name: 'ci' })
    await newToken(await apiSession('max@acme.test', 'globex'), { name: 'ci' })
  })

  it('allows 50 tokens per member: the 51st is 409 token_limit_reached until one is revoked', async () => {
    const session = await apiSession()
    const ids: string[] = []
    for (let i = 0; i < 50; i++) ids.push((await newToken(session, { name: `t${i}` })).id)
    expectApiError(await create(session, { name: 'one too many' }), 409, 'token_limit_reached')
    expect(await tokenRows()).toHaveLength(50)
    expect((await create(await apiSession('mia@acme.test'), { name: 'mia has her own 50' })).status).toBe(201)
    expect((await revoke(session, ids[0]!)).status).toBe(204)
    expect((await create(session, { name: 'one too many' })).status).toBe(201)
  })

  it("writes token.created to the org's audit log with the name and id, never the secret", async () => {
    const { id, secret } = await newToken(await apiSession(), { name: 'ci', expiresInDays: 7 })
    const events = await auditOf('acme')
    const created = events.find((e) => e.action === 'token.created')
    expect(created).toMatchObject({
      actor: 'user:max@acme.test',
      target: 'max@acme.test',
      detail: { tokenId: id, name: 'ci', expiresAt: new Date(NOW + days(7)).toISOString() },
    })
    expect(JSON.stringify(events)).not.toContain(secret)
    expect((await auditOf('globex')).filter((e) => e.action.startsWith('token.'))).toEqual([])
  })
})

describe('using a personal API token', () => {
  it('authenticates GET /me for its user and org, with authMethod password and sessionExpiresAt null when it never expires', async () => {
    const { bearer } = await newToken(await apiSession())
    const r = await me(bearer)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      email: 'max@acme.test',
      firstName: 'Max',
      lastName: 'Member',
      org: 'acme',
      orgRole: 'member',
      workspaceRoles: { prod: 'editor' },
      authMethod: 'password',
      sessionExpiresAt: null,
    })
  })

  it('reports its expiry as sessionExpiresAt, works until then and is 401 token_invalid from that instant', async () => {
    const { bearer, json } = await newToken(await apiSession(), { name: 'short', expiresInDays: 1 })
    expect((await me(bearer)).json.sessionExpiresAt).toBe(json.expiresAt)
    ctx.clock.advance(days(1) - 1000)
    expect((await me(bearer)).status).toBe(200)
    ctx.clock.advance(1000)
    expectApiError(await me(bearer), 401, 'token_invalid')
    // Still listed (expired), so its owner sees why it stopped and can revoke it.
    expect((await list(await apiSession())).json.data).toMatchObject([{ id: json.id, expiresAt: json.expiresAt }])
  })

  it('outlives the session that made it: it has no idle timeout', async () => {
    const { bearer } = await newToken(await apiSession())
    ctx.clock.advance(days(60))
    expect((await me(bearer)).status).toBe(200)
  })

  it('refuses bearers that only look like tokens with 401 token_invalid', async () => {
    const { secret } = await newToken(await apiSession())
    for (const bad of [`ghpt_${'A'.repeat(43)}`, `${secret}x`, secret.slice(0, -1), 'ghpt_', `GHPT_${secret.slice(5)}`, secret.replace('ghpt_', 'gha_')]) {
      expectApiError(await me(`Bearer ${bad}`), 401, 'token_invalid')
    }
    expect((await me(`Bearer ${secret}`)).status).toBe(200)
  })

  it('does not authenticate the operator API', async () => {
    const { bearer } = await newToken(await apiSession())
    expectApiError(await call(ctx, 'GET', '/organizations/acme/members', { authorization: bearer }), 401, 'unauthorized')
  })

  it('does not work as a session cookie', async () => {
    const { secret } = await newToken(await apiSession())
    expectApiError(await call(ctx, 'GET', '/me', { headers: { cookie: `gh_session=${secret}` } }), 401, 'unauthenticated')
  })

  it('records lastUsedAt, written at most once a minute', async () => {
    const session = await apiSession()
    const { bearer } = await newToken(session)
    const lastUsed = async () => (await list(session)).json.data[0].lastUsedAt
    expect(await lastUsed()).toBeNull()
    await me(bearer)
    expect(await lastUsed()).toBe(new Date(NOW).toISOString())
    ctx.clock.advance(59_000)
    await me(bearer)
    expect(await lastUsed()).toBe(new Date(NOW).toISOString())
    ctx.clock.advance(1_000)
    await me(bearer)
    expect(await lastUsed()).toBe(new Date(NOW + minutes(1)).toISOString())
  })

  it('stops working once its member is removed from the org (401), and re-adding the member does not revive it', async () => {
    const { bearer } = await newToken(await apiSession())
    expect((await me(bearer)).status).toBe(200)
    expect((await operator(ctx, 'DELETE', '/organizations/acme/members/max@acme.test')).status).toBe(204)
    expectApiError(await me(bearer), 401, 'token_invalid')
    expect(await tokenRows()).toEqual([])
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test' })
    expectApiError(await me(bearer), 401, 'token_invalid')
  })

  it('stops working once its org is deleted (401)', async () => {
    const { bearer } = await newToken(await apiSession('gina@globex.test', 'globex'))
    expect((await operator(ctx, 'DELETE', '/organizations/globex')).status).toBe(204)
    expectApiError(await me(bearer), 401, 'token_invalid')
  })

  it('reads roles live: a change by the operator shows at the next call', async () => {
    const { bearer } = await newToken(await apiSession())
    await operator(ctx, 'PATCH', '/organizations/acme/members/max@acme.test', { role: 'admin', workspaceRoles: {} })
    expect((await me(bearer)).json).toMatchObject({ orgRole: 'admin', workspaceRoles: {} })
  })
})
