import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hours, minutes } from '../../src/core/clock.js'
import { browser } from '../helpers/browser.js'
import { ADMIN_TOKEN, createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, MEMBER_PASSWORD } from './support.js'

const NOW = Date.parse('2026-11-23T12:00:00.000Z')

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Staging', slug: 'staging' })
  await operator(ctx, 'POST', '/organizations/acme/members', {
    email: 'Max@Acme.test',
    firstName: 'Max',
    lastName: 'Member',
    role: 'member',
    password: MEMBER_PASSWORD,
    workspaceRoles: { prod: 'editor', staging: 'viewer' },
  })
  await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
  await operator(ctx, 'POST', '/organizations/globex/members', { email: 'gina@globex.test', role: 'owner', password: MEMBER_PASSWORD })
})
afterEach(() => ctx.close())

const signIn = (body: Record<string, unknown>) => call(ctx, 'POST', '/auth/password', { payload: body })
const me = (authorization?: string, cookie?: string) => call(ctx, 'GET', '/me', { authorization, ...(cookie === undefined ? {} : { headers: { cookie } }) })
const sessionCount = async () => (await ctx.runtime.db.selectFrom('sessions').select('id_hash').execute()).length

async function token(email = 'max@acme.test', org = 'acme'): Promise<string> {
  const r = await signIn({ email, password: MEMBER_PASSWORD, org })
  expect(r.status).toBe(200)
  return r.json.token
}

describe('POST /api/v1/auth/password', () => {
  it('answers exactly {token, expiresAt}: a bearer token and when it ends (the idle limit, here)', async () => {
    const r = await signIn({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' })
    expect(r.status).toBe(200)
    expect(Object.keys(r.json).sort()).toEqual(['expiresAt', 'token'])
    expect(typeof r.json.token).toBe('string')
    expect(r.json.token.length).toBeGreaterThanOrEqual(40)
    const idle = new Date(NOW + minutes(ctx.config.session.idleMinutes)).toISOString()
    const absolute = new Date(NOW + hours(ctx.config.session.absoluteHours)).toISOString()
    expect(r.json.expiresAt).toBe(idle < absolute ? idle : absolute)
    expect(r.res.headers['set-cookie']).toBeUndefined()
  })

  it('accepts the email in any case', async () => {
    expect((await signIn({ email: 'MAX@ACME.TEST', password: MEMBER_PASSWORD, org: 'acme' })).status).toBe(200)
  })

  it('gives a new token at each sign-in', async () => {
    const a = await token()
    const b = await token()
    expect(a).not.toBe(b)
    expect((await me(`Bearer ${a}`)).status).toBe(200)
    expect((await me(`Bearer ${b}`)).status).toBe(200)
  })

  it('refuses a wrong password and an unknown email alike with 401 invalid_credentials', async () => {
    const wrong = await signIn({ email: 'max@acme.test', password: 'wrong password!!', org: 'acme' })
    const unknown = await signIn({ email: 'nobody@acme.test', password: 'wrong password!!', org: 'acme' })
    const noPassword = await operator(ctx, 'POST', '/organizations/acme/members', { email: 'nopass@acme.test' })
    expect(noPassword.status).toBe(201)
    const userWithoutPassword = await signIn({ email: 'nopass@acme.test', password: 'any password 123', org: 'acme' })
    for (const r of [wrong, unknown, userWithoutPassword]) {
      expectApiError(r, 401, 'invalid_credentials')
      expect(r.json.error).toEqual(wrong.json.error)
    }
    expect(await sessionCount()).toBe(0)
  })

  it('refuses a member of another org with 403 no_membership, and an unknown org the same way', async () => {
    const notMember = await signIn({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'globex' })
    const unknownOrg = await signIn({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'no-such-org' })
    expectApiError(notMember, 403, 'no_membership')
    expectApiError(unknownOrg, 403, 'no_membership')
    expect(unknownOrg.json).toEqual(notMember.json)
    expect(await sessionCount()).toBe(0)
  })

  it('checks the password before the org, so a wrong password learns nothing about memberships', async () => {
    for (const org of ['acme', 'globex', 'no-such-org']) {
      expectApiError(await signIn({ email: 'max@acme.test', password: 'wrong password!!', org }), 401, 'invalid_credentials')
    }
  })

  const MALFORMED: [string, Record<string, unknown>][] = [
    ['no org', { email: 'max@acme.test', password: MEMBER_PASSWORD }],
    ['no password', { email: 'max@acme.test', org: 'acme' }],
    ['no email', { password: MEMBER_PASSWORD, org: 'acme' }],
    ['an empty password', { email: 'max@acme.test', password: '', org: 'acme' }],
    ['an unknown field', { email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme', remember: true }],
    ['a password that is not a string', { email: 'max@acme.test', password: 12345678901, org: 'acme' }],
  ]
  for (const [what, body] of MALFORMED) {
    it(`refuses a body with ${what} with 400 validation_failed and signs no one in`, async () => {
      expectApiError(await signIn(body), 400, 'validation_failed')
      expect(await sessionCount()).toBe(0)
    })
  }

  const OTHER_MEDIA: [string, string][] = [
    ['text/plain', JSON.stringify({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' })],
    ['text/plain;charset=UTF-8', JSON.stringify({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' })],
    ['application/x-www-form-urlencoded', new URLSearchParams({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' }).toString()],
    ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nmax@acme.test\r\n--x--\r\n`],
  ]
  for (const [type, raw] of OTHER_MEDIA) {
    it(`refuses a ${type} body (a cross-site form could send it) with 415 unsupported_media_type and signs no one in`, async () => {
      const r = await call(ctx, 'POST', '/auth/password', { raw, headers: { 'content-type': type } })
      expectApiError(r, 415, 'unsupported_media_type')
      expect(r.res.headers['set-cookie']).toBeUndefined()
      expect(await sessionCount()).toBe(0)
    })
  }

  it('accepts application/json with a charset parameter', async () => {
    const r = await call(ctx, 'POST', '/auth/password', {
      raw: JSON.stringify({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(r.status).toBe(200)
  })

  it('limits attempts per account: after 10 failures the 11th is 429 rate_limited with Retry-After, even with the right password', async () => {
    const limit = ctx.config.rateLimit.perAccount
    for (let i = 0; i < limit; i++) {
      expectApiError(await signIn({ email: 'max@acme.test', password: `wrong password ${i}`, org: 'acme' }), 401, 'invalid_credentials')
    }
    const limited = await signIn({ email: 'MAX@acme.test', password: MEMBER_PASSWORD, org: 'acme' })
    expectApiError(limited, 429, 'rate_limited')
    expect(Number(limited.res.headers['retry-after'])).toBeGreaterThan(0)
    expect(await sessionCount()).toBe(0)
    ctx.clock.advance(minutes(ctx.config.rateLimit.windowMinutes))
    expect((await signIn({ email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' })).status).toBe(200)
  })

  it('never writes the password or the token to the log', async () => {
    const t = await token()
    await signIn({ email: 'max@acme.test', password: 'a wrong password', org: 'acme' })
    await me(`Bearer ${t}`)
    await me(`Bearer ${t}x`)
    const logs = ctx.logs()
    expect(logs.length).toBeGreaterThan(0)
    expect(logs).not.toContain(MEMBER_PASSWORD)
    expect(logs).not.toContain('a wrong password')
    expect(logs).not.toContain(t)
  })
})

describe('GET /api/v1/me', () => {
  it('answers the DESIGN §5 shape for an API token, with authMethod password', async () => {
    const t = await token()
    const r = await me(`Bearer ${t}`)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      email: 'Max@Acme.test',
      firstName: 'Max',
      lastName: 'Member',
      org: 'acme',
      orgRole: 'member',
      workspaceRoles: { prod: 'editor', staging: 'viewer' },
      authMethod: 'password',
      sessionExpiresAt: new Date(NOW + minutes(ctx.config.session.idleMinutes)).toISOString(),
    })
  })

  it('acts for the org the token was issued for, when the user belongs to several', async () => {
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'max@acme.test', role: 'admin' })
    expect((await me(`Bearer ${await token('max@acme.test', 'acme')}`)).json).toMatchObject({ org: 'acme', orgRole: 'member' })
    expect((await me(`Bearer ${await token('max@acme.test', 'globex')}`)).json).toMatchObject({ org: 'globex', orgRole: 'admin', workspaceRoles: {} })
  })

  it('reads roles live: a change by the operator shows at the next call', async () => {
    const t = await token()
    await operator(ctx, 'PATCH', '/organizations/acme/members/max@acme.test', { role: 'admin', workspaceRoles: { staging: 'developer' } })
    expect((await me(`Bearer ${t}`)).json).toMatchObject({ orgRole: 'admin', workspaceRoles: { staging: 'developer' } })
  })

  it('refuses a call with no credentials with 401 unauthenticated', async () => {
    expectApiError(await me(), 401, 'unauthenticated')
  })

  const GARBAGE = ['garbage', 'x'.repeat(43), `gha_${'A'.repeat(43)}`, 'x'.repeat(500), ADMIN_TOKEN]
  for (const bearer of GARBAGE) {
    it(`refuses the bearer ${JSON.stringify(bearer.length > 24 ? `${bearer.slice(0, 8)}…(${bearer.length})` : bearer)} with 401 token_invalid`, async () => {
      expectApiError(await me(`Bearer ${bearer}`), 401, 'token_invalid')
    })
  }

  it('does not fall back to the cookie when a bad bearer is sent', async () => {
    const b = browser(ctx.app)
    await b.submit('/login', '/login', { email: 'max@acme.test', password: MEMBER_PASSWORD })
    const cookie = `gh_session=${b.cookies.get('gh_session')}`
    expect((await me(undefined, cookie)).status).toBe(200)
    expectApiError(await me('Bearer garbage-token-garbage-token', cookie), 401, 'token_invalid')
  })

  it('refuses a token once its member is removed from the org, with 401', async () => {
    const t = await token()
    expect((await me(`Bearer ${t}`)).status).toBe(200)
    expect((await operator(ctx, 'DELETE', '/organizations/acme/members/max@acme.test')).status).toBe(204)
    expectApiError(await me(`Bearer ${t}`), 401, 'token_invalid')
  })

  it('refuses a token once its org is deleted, with 401', async () => {
    const t = await token('gina@globex.test', 'globex')
    expect((await operator(ctx, 'DELETE', '/organizations/globex')).status).toBe(204)
    expectApiError(await me(`Bearer ${t}`), 401, 'token_invalid')
  })

  it('refuses a token after its idle time with 401 token_invalid', async () => {
    const t = await token()
    ctx.clock.advance(minutes(ctx.config.session.idleMinutes) - 1000)
    expect((await me(`Bearer ${t}`)).status).toBe(200)
    ctx.clock.advance(minutes(ctx.config.session.idleMinutes))
    expectApiError(await me(`Bearer ${t}`), 401, 'token_invalid')
  })

  it('does not accept an API token as a session cookie', async () => {
    const t = await token()
    expectApiError(await me(undefined, `gh_session=${t}`), 401, 'unauthenticated')
  })

  it('does not accept a browser session id as a bearer token', async () => {
    const b = browser(ctx.app)
    const login = await b.submit('/login', '/login', { email: 'max@acme.test', password: MEMBER_PASSWORD })
    expect(login.statusCode).toBe(303)
    const sessionId = b.cookies.get('gh_session')!
    expect((await me(undefined, `gh_session=${sessionId}`)).status).toBe(200)
    expectApiError(await me(`Bearer ${sessionId}`), 401, 'token_invalid')
  })

  it('does not accept an API token for the operator API, nor the operator token as a member', async () => {
    const t = await token('gina@globex.test', 'globex')
    expectApiError(await call(ctx, 'GET', '/organizations', { authorization: `Bearer ${t}` }), 401, 'unauthorized')
    expectApiError(await call(ctx, 'GET', '/organizations/globex/members', { authorization: `Bearer ${t}` }), 401, 'unauthorized')
    expectApiError(await me(`Bearer ${ADMIN_TOKEN}`), 401, 'token_invalid')
  })
})
