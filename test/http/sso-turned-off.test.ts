/**
 * A member signed in through SSO when the org turns SSO off (CLI, operator API or the owner's page):
 * their session reaches nothing now. Every page and the member API say what happened and the way
 * back in (sign out, sign in with a password, or set one), never "you are not a member" or "only
 * owners can see SSO"; and that way back in works.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../../src/cli.js'
import { browser, type Browser } from '../helpers/browser.js'
import { DIALECT, freshDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/database.js'
import { addMember, postAcs, responseFor, setupSsoOrg, startSso, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, SECRET_KEY, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

const TOLD = 'Single sign-on was turned off for Acme; sign in with your password (or set one).'
const OWNER = 'owner@acme.test'
const MEMBER = 'member@acme.test'
const PASSWORD = 'correct horse battery'

let database: TestDatabase
let ctx: TestContext
let idp: TestIdp
let org: SsoOrg

beforeEach(async () => {
  // A database the CLI can open too (a file on SQLite; on PostgreSQL the context's schema).
  database = await freshDatabase({ shared: true })
  ctx = await createTestContext({ database })
  idp = await createTestIdp('idp-off')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme' })
  await operator(ctx, 'PATCH', '/organizations/acme', { name: 'Acme' })
  await addMember(ctx, 'acme', OWNER, { role: 'owner' })
  await addMember(ctx, 'acme', MEMBER)
})
afterEach(async () => {
  await ctx.close()
  await database.drop()
})

async function signInWithSso(email: string): Promise<Browser> {
  const b = browser(ctx.app)
  const { requestId, relayState } = await startSso(b, org.ssoName)
  const res = await postAcs(b, org, responseFor(ctx, idp, org, { nameId: email, inResponseTo: requestId }), relayState)
  expect(res.statusCode).toBe(303)
  return b
}

/** `gatehouse sso disable` as the operator runs it, on the same database as the app. */
async function disableWithCli(): Promise<void> {
  const url =
    DIALECT === 'sqlite'
      ? `sqlite:${(database.config as { path: string }).path}`
      : `${TEST_DATABASE_URL}${TEST_DATABASE_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${database.searchPath}`)}`
  const printed: string[] = []
  const code = await main(
    ['sso', 'disable', '--org', 'acme'],
    { GATEHOUSE_DATABASE_URL: url, GATEHOUSE_SECRET_KEY: SECRET_KEY, GATEHOUSE_BASE_URL: ctx.config.baseUrl },
    (line) => printed.push(line),
  )
  expect(printed.join('\n')).toMatch(/^SSO is disabled for acme\./)
  expect(code).toBe(0)
}

const WAYS: Record<'CLI' | 'operator API' | "owner's page", (owner: Browser) => Promise<void>> = {
  CLI: async () => disableWithCli(),
  'operator API': async () => {
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/disable')).status).toBe(200)
  },
  "owner's page": async (owner) => {
    await owner.get('/orgs/acme/sso')
    const res = await owner.post('/orgs/acme/sso/disable', {})
    expect(res.statusCode).toBe(303)
    // Where the owner lands right after: told, not refused as a non-owner.
    const landing = await owner.get(String(res.headers.location))
    expect(landing.statusCode).toBe(403)
    expect(landing.body).toContain(TOLD)
    expect(landing.body).not.toContain('Only owners')
  },
}

describe.each(Object.keys(WAYS) as (keyof typeof WAYS)[])('SSO turned off by the %s', (way) => {
  it('tells members still signed in through SSO what happened and what to do, on every page and in the API', async () => {
    const owner = await signInWithSso(OWNER)
    const member = await signInWithSso(MEMBER)
    // Before: both reach Acme, and nobody is told anything.
    for (const b of [owner, member]) {
      const dashboard = await b.get('/dashboard')
      expect(dashboard.statusCode).toBe(200)
      expect(dashboard.body).toContain('id="org-acme"')
      expect(dashboard.body).not.toContain('turned off')
    }

    await WAYS[way](owner)

    for (const [b, pages] of [
      [owner, ['/dashboard', '/orgs/acme/sso', '/orgs/acme/members', '/orgs/acme/audit', '/orgs/acme/tokens']],
      [member, ['/dashboard', '/orgs/acme/tokens', '/orgs/acme/sso']],
    ] as const) {
      for (const url of pages) {
        const res = await b.get(url)
        expect(res.statusCode, url).toBe(403)
        expect(res.body, url).toContain(TOLD)
        expect(res.body, url).toMatch(/<form method="post" action="\/logout">[\s\S]*name="then" value="password"/)
        expect(res.body, url).toContain('href="/forgot-password"')
        expect(res.body, url).not.toContain('not a member')
        expect(res.body, url).not.toContain('Only owners')
      }
      const api = await ctx.app.inject({ method: 'GET', url: '/api/v1/me/tokens', headers: { cookie: `gh_session=${b.cookies.get('gh_session')}` } })
      expect(api.statusCode).toBe(403)
      expect(api.json().error).toEqual({ code: 'sso_turned_off', message: TOLD })
    }
  })

  it('leads the member back in: sign out, set a password by mail, sign in with it', async () => {
    const member = await signInWithSso(MEMBER)
    await WAYS[way](await signInWithSso(OWNER))
    await member.get('/dashboard')
    const out = await member.post('/logout', { then: 'password' })
    expect(out.statusCode).toBe(303)
    expect(out.headers.location).toBe('/login?notice=sso-turned-off')
    expect(member.cookies.has('gh_session')).toBe(false)
    expect((await member.get('/login?notice=sso-turned-off')).body).toContain(
      'Sign in with your email and password; no password yet? Choose &quot;Forgot your password?&quot; to set one.',
    )

    await member.submit('/forgot-password', '/forgot-password', { email: MEMBER })
    const link = new URL(await ctx.linkMailedTo(MEMBER))
    expect(link.pathname).toBe('/reset-password')
    expect(
      (await member.submit(link.pathname + link.search, '/reset-password', { token: link.searchParams.get('token')!, password: PASSWORD })).statusCode,
    ).toBe(303)
    const signIn = await member.submit('/login', '/login', { email: MEMBER, password: PASSWORD })
    expect(signIn.statusCode).toBe(303)
    const dashboard = await member.get('/dashboard')
    expect(dashboard.statusCode).toBe(200)
    expect(dashboard.body).toContain('id="org-acme"')
  })
})

describe('not told when it is not why', () => {
  it('a member signed in with a password (optional enforcement) keeps reaching the org, and is told nothing', async () => {
    await addMember(ctx, 'acme', 'pw@acme.test', { password: PASSWORD })
    const b = browser(ctx.app)
    expect((await b.submit('/login', '/login', { email: 'pw@acme.test', password: PASSWORD })).statusCode).toBe(303)
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/disable')).status).toBe(200)
    const dashboard = await b.get('/dashboard')
    expect(dashboard.statusCode).toBe(200)
    expect(dashboard.body).toContain('id="org-acme"')
    expect(dashboard.body).not.toContain('turned off')
  })

  it('a plain sign-out still says only that you are signed out', async () => {
    const member = await signInWithSso(MEMBER)
    await member.get('/logout')
    const out = await member.post('/logout', {})
    expect(out.headers.location).toBe('/login?notice=signed-out')
  })
})
