import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(ctx, 'POST', '/organizations/acme/members', {
    email: 'Max@Acme.test',
    firstName: 'Max',
    lastName: 'Member',
    role: 'member',
    password: 'correct horse battery',
    workspaceRoles: { prod: 'editor' },
  })
})
afterEach(() => ctx.close())

describe('password sign-in page', () => {
  it('signs a member in with a new session cookie and shows their roles on the dashboard', async () => {
    const b = browser(ctx.app)
    const res = await b.submit('/login', '/login', { email: 'max@acme.test', password: 'correct horse battery' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/dashboard')
    const cookie = (res.cookies as { name: string; httpOnly?: boolean; sameSite?: string; secure?: boolean }[]).find((c) => c.name === 'gh_session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    expect(cookie?.secure).toBeFalsy()
    const dashboard = await b.get('/dashboard')
    expect(dashboard.statusCode).toBe(200)
    expect(dashboard.body).toContain('Acme')
    expect(dashboard.body).toContain('editor')
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `gh_session=${b.cookies.get('gh_session')}` } })
    expect(me.json()).toMatchObject({ email: 'Max@Acme.test', org: 'acme', orgRole: 'member', workspaceRoles: { prod: 'editor' }, authMethod: 'password' })
  })

  it('refuses a wrong password with the same answer as an unknown email', async () => {
    const b = browser(ctx.app)
    const wrong = await b.submit('/login', '/login', { email: 'max@acme.test', password: 'wrong password!' })
    const unknown = await b.submit('/login', '/login', { email: 'nobody@acme.test', password: 'wrong password!' })
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.body).toContain('The email or password is not right.')
    expect(unknown.body).toContain('The email or password is not right.')
    expect(b.cookies.has('gh_session')).toBe(false)
  })
})
