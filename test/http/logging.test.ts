/**
 * The logs of a busy session: sign-ins that work and fail, a password reset, API sign-in, personal
 * API tokens (made, used, refused, revoked), set-up and an invitation. Nothing secret may appear in
 * them, and every request carries its own request id.
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueSetupLink } from '../../src/core/setup.js'
import { browser, type Browser } from '../helpers/browser.js'
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../helpers/test-app.js'
import { MEMBER, OWNER, PASSWORD, cookieHeader, logLines, pathOf, seedAcme, tokenOf } from './support.js'

const WRONG_PASSWORD = 'not-the-password-9271'
const NEW_PASSWORD = 'reset-passphrase-5508'
const INVITEE_PASSWORD = 'invitee-passphrase-3316'
const SETUP_PASSWORD = 'setup-passphrase-8841'

let ctx: TestContext
const responses: LightMyRequestResponse[] = []
/** Name → value of everything that must never be logged. */
const secrets = new Map<string, string>()

function track(res: LightMyRequestResponse): LightMyRequestResponse {
  responses.push(res)
  return res
}

/** A browser whose every request is tracked, and whose cookies and CSRF tokens are noted as secrets. */
function trackedBrowser(label: string, b: Browser = browser(ctx.app)) {
  const note = () => {
    for (const [name, value] of b.cookies) secrets.set(`${label} cookie ${name}`, value)
    if (b.csrf() !== '') secrets.set(`${label} csrf token`, b.csrf())
    if (b.cookies.size > 0) secrets.set(`${label} cookie header`, cookieHeader(b))
  }
  return {
    b,
    get: async (url: string) => {
      const res = track(await b.get(url))
      note()
      return res
    },
    post: async (url: string, form: Record<string, string>) => {
      note()
      const res = track(await b.post(url, form))
      note()
      return res
    },
  }
}

beforeAll(async () => {
  ctx = await createTestContext()
  secrets.set('admin token', ADMIN_TOKEN)

  // Set-up of the first org, by link.
  const setupLink = (await issueSetupLink(ctx.deps))!
  secrets.set('setup token', tokenOf(setupLink))
  const operatorBrowser = trackedBrowser('setup')
  await operatorBrowser.get(pathOf(setupLink))
  const setup = await operatorBrowser.post('/setup', {
    token: tokenOf(setupLink),
    orgName: 'Globex',
    orgSlug: 'globex',
    email: 'gina@globex.test',
    firstName: 'Gina',
    lastName: 'G',
    password: SETUP_PASSWORD,
  })
  expect(setup.statusCode).toBe(303)
  await operatorBrowser.get('/dashboard')

  await seedAcme(ctx)

  // A sign-in that works and one that fails.
  const max = trackedBrowser('max')
  await max.get('/login')
  expect((await max.post('/login', { email: MEMBER, password: PASSWORD })).statusCode).toBe(303)
  await max.get('/dashboard')
  const failed = trackedBrowser('failed')
  await failed.get('/login')
  expect((await failed.post('/login', { email: OWNER, password: WRONG_PASSWORD })).statusCode).toBe(401)

  // A password reset.
  const forgot = trackedBrowser('forgot')
  await forgot.get('/forgot-password')
  await forgot.post('/forgot-password', { email: MEMBER })
  const resetLink = await ctx.linkMailedTo(MEMBER)
  secrets.set('reset token', tokenOf(resetLink))
  await forgot.get(pathOf(resetLink))
  expect((await forgot.post('/reset-password', { token: tokenOf(resetLink), password: NEW_PASSWORD })).statusCode).toBe(303)

  // API sign-in, then a call with the token, and a call with a bad one.
  const api = track(await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email: MEMBER, password: NEW_PASSWORD, org: 'acme' } }))
  expect(api.statusCode).toBe(200)
  const token = api.json().token as string
  secrets.set('api token', token)
  expect(track(await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200)
  const badBearer = 'gha_thisIsNotARealTokenButLooksLikeOne123456'
  secrets.set('bad bearer', badBearer)
  expect(track(await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${badBearer}` } })).statusCode).toBe(401)
  expect(
    track(await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email: MEMBER, password: WRONG_PASSWORD, org: 'acme' } })).statusCode,
  ).toBe(401)

  // A personal API token: created through the API and through the page, used, refused, revoked.
  const created = track(
    await ctx.app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: { authorization: `Bearer ${token}` }, payload: { name: 'logged?' } }),
  )
  expect(created.statusCode).toBe(201)
  const personal = created.json().token as string
  secrets.set('personal api token', personal)
  secrets.set('personal api token without prefix', personal.slice('ghpt_'.length))
  expect(track(await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${personal}` } })).statusCode).toBe(200)
  expect(
    track(await ctx.app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: { authorization: `Bearer ${personal}` }, payload: { name: 'minted' } }))
      .statusCode,
  ).toBe(403)
  const badPersonal = `ghpt_${'Q'.repeat(43)}`
  secrets.set('bad personal token', badPersonal)
  expect(track(await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${badPersonal}` } })).statusCode).toBe(401)
  const tokensPage = trackedBrowser('tokens page')
  await tokensPage.get('/login')
  expect((await tokensPage.post('/login', { email: MEMBER, password: NEW_PASSWORD })).statusCode).toBe(303)
  await tokensPage.get('/orgs/acme/tokens')
  const fromPage = await tokensPage.post('/orgs/acme/tokens', { name: 'from the page', expiresInDays: '7' })
  expect(fromPage.statusCode).toBe(201)
  secrets.set('personal api token from the page', /ghpt_[A-Za-z0-9_-]{43}/.exec(fromPage.body)![0])
  expect(
    track(await ctx.app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${created.json().id as string}`, headers: { authorization: `Bearer ${token}` } }))
      .statusCode,
  ).toBe(204)
  expect(track(await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${personal}` } })).statusCode).toBe(401)

  // An invitation, sent from the page and accepted.
  const owner = trackedBrowser('owner')
  await owner.get('/login')
  await owner.post('/login', { email: OWNER, password: PASSWORD })
  await owner.get('/orgs/acme/members')
  await owner.post('/orgs/acme/invitations', { email: 'nina@acme.test', role: 'member' })
  const inviteLink = await ctx.linkMailedTo('nina@acme.test')
  secrets.set('invitation token', tokenOf(inviteLink))
  const nina = trackedBrowser('nina')
  await nina.get(pathOf(inviteLink))
  expect(
    (await nina.post('/invitations/accept', { token: tokenOf(inviteLink), firstName: 'Nina', lastName: 'N', password: INVITEE_PASSWORD })).statusCode,
  ).toBe(303)

  // A refused form, and sign-out.
  await max.get('/dashboard')
  const refused = track(
    await ctx.app.inject({
      method: 'POST',
      url: '/logout',
      payload: `_csrf=forged-token-value&password=${encodeURIComponent(PASSWORD)}`,
      headers: { cookie: cookieHeader(max.b), 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.test' },
    }),
  )
  expect(refused.statusCode).toBe(403)
  await max.get('/logout')
  const realTokenForeignOrigin = track(
    await ctx.app.inject({
      method: 'POST',
      url: '/logout',
      payload: `_csrf=${max.b.csrf()}`,
      headers: { cookie: cookieHeader(max.b), 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.test' },
    }),
  )
  expect(realTokenForeignOrigin.statusCode).toBe(403)
  await owner.post('/logout', {})

  for (const [name, value] of [
    ['password', PASSWORD],
    ['wrong password', WRONG_PASSWORD],
    ['new password', NEW_PASSWORD],
    ['invitee password', INVITEE_PASSWORD],
    ['setup password', SETUP_PASSWORD],
  ] as const) {
    secrets.set(name, value)
  }
})
afterAll(() => ctx.close())

describe('the logs', () => {
  it('saw the activity they are checked for', () => {
    expect(responses.length).toBeGreaterThan(20)
    expect(ctx.logs()).toContain('"event":"sign_in"')
    expect(ctx.logs()).toContain('"event":"sign_in_failed"')
    expect(secrets.size).toBeGreaterThan(15)
  })

  it('contain no password, session id, CSRF token, API token, personal API token or one-time link token', () => {
    const logs = ctx.logs()
    const leaked = [...secrets].filter(([, value]) => value.length >= 8 && logs.includes(value)).map(([name]) => name)
    expect(leaked).toEqual([])
  })

  it('contain no cookie, set-cookie or authorization header values', () => {
    const offending: string[] = []
    const visit = (value: unknown, path: string) => {
      if (value === null || typeof value !== 'object') return
      for (const [key, inner] of Object.entries(value)) {
        const here = `${path}.${key}`
        if (/^(cookie|set-cookie|authorization|headers)$/i.test(key) && inner !== '[redacted]') offending.push(here)
        visit(inner, here)
      }
    }
    logLines(ctx).forEach((line, i) => visit(line, `line ${i}`))
    expect(offending).toEqual([])
    expect(ctx.logs()).not.toMatch(/Bearer\s+\S/)
    expect(ctx.logs()).not.toMatch(/gh_session=|gh_csrf=/)
  })

  it('log no query string, where one-time links carry their tokens', () => {
    const paths = logLines(ctx)
      .map((line) => (line.req as { path?: string } | undefined)?.path)
      .filter((p) => p !== undefined)
    expect(paths.length).toBeGreaterThan(0)
    expect(paths.filter((p) => p.includes('?'))).toEqual([])
  })

  it('tag each request with its own id, the one sent back in X-Request-Id', () => {
    const ids = responses.map((res) => res.headers['x-request-id'] as string)
    expect(new Set(ids).size).toBe(ids.length)
    const lines = logLines(ctx)
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      const mine = lines.filter((line) => line.reqId === id)
      expect(
        mine.map((line) => line.msg),
        id,
      ).toEqual(expect.arrayContaining(['incoming request', 'request completed']))
    }
  })
})
