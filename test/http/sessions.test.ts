import { afterEach, describe, expect, it } from 'vitest'
import { hours, minutes } from '../../src/core/clock.js'
import { hashSecretToken } from '../../src/core/secret-token.js'
import { browser } from '../helpers/browser.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { MEMBER, PASSWORD, me, postForm, seedAcme, setCookie, signedIn } from './support.js'

let ctx: TestContext
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never // a later test whose context fails to start must not close this one again
})

async function start(env: Record<string, string> = {}) {
  ctx = await createTestContext({ env })
  await seedAcme(ctx)
}

async function sessionRows() {
  return ctx.runtime.db.selectFrom('sessions').selectAll().execute()
}

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/ and not Secure on http', async () => {
    await start()
    const b = browser(ctx.app)
    const res = await b.submit('/login', '/login', { email: MEMBER, password: PASSWORD })
    expect(res.statusCode).toBe(303)
    const cookie = setCookie(res, 'gh_session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(cookie?.secure).toBeFalsy()
    expect(cookie?.domain).toBeUndefined()
    expect(setCookie(res, '__Host-gh_session')).toBeUndefined()
  })

  it('is named __Host-gh_session and Secure when the base URL is https', async () => {
    await start({ GATEHOUSE_BASE_URL: 'https://gh.test' })
    const b = browser(ctx.app)
    const res = await b.submit('/login', '/login', { email: MEMBER, password: PASSWORD })
    expect(res.statusCode).toBe(303)
    const cookie = setCookie(res, '__Host-gh_session')
    // RFC 6265bis §4.1.3.2: __Host- requires Secure, Path=/ and no Domain.
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: true })
    expect(cookie?.domain).toBeUndefined()
    expect(setCookie(res, 'gh_session')).toBeUndefined()
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    const dashboard = await b.get('/dashboard')
    expect(dashboard.statusCode).toBe(200)
  })

  it('carries at least 128 random bits and only its hash is stored', async () => {
    await start()
    const b = await signedIn(ctx, MEMBER)
    const id = b.cookies.get('gh_session')!
    expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/)
    const rows = await sessionRows()
    expect(rows).toHaveLength(1)
    expect(rows.some((row) => row.id_hash === id)).toBe(false)
    expect(rows.some((row) => Object.values(row).some((value) => String(value).includes(id)))).toBe(false)
    expect(rows[0]!.id_hash).toBe(hashSecretToken(id))
  })
})

describe('signing in', () => {
  it('gives a new session id at every sign-in and ends the one the browser had', async () => {
    await start()
    const b = await signedIn(ctx, MEMBER)
    const first = b.cookies.get('gh_session')!
    expect((await me(ctx, { cookie: `gh_session=${first}` })).statusCode).toBe(200)

    await b.get('/dashboard')
    const again = await b.post('/login', { email: MEMBER, password: PASSWORD })
    expect(again.statusCode).toBe(303)
    const second = b.cookies.get('gh_session')!
    expect(second).not.toBe(first)

    const old = await me(ctx, { cookie: `gh_session=${first}` })
    expect(old.statusCode).toBe(401)
    expect(old.json().error.code).toBe('unauthenticated')
    expect((await me(ctx, { cookie: `gh_session=${second}` })).statusCode).toBe(200)
    expect((await sessionRows()).map((row) => row.id_hash)).toEqual([hashSecretToken(second)])
  })

  it('does not adopt a session id planted in the browser before sign-in (fixation)', async () => {
    await start()
    const b = browser(ctx.app)
    const planted = 'A'.repeat(43)
    b.cookies.set('gh_session', planted)
    const res = await b.submit('/login', '/login', { email: MEMBER, password: PASSWORD })
    expect(res.statusCode).toBe(303)
    expect(b.cookies.get('gh_session')).not.toBe(planted)
    expect((await me(ctx, { cookie: `gh_session=${planted}` })).statusCode).toBe(401)
    expect((await me(ctx, { cookie: `gh_session=${b.cookies.get('gh_session')}` })).statusCode).toBe(200)
  })
})

describe('session expiry', () => {
  it('ends a session left idle for the idle timeout, sending the browser to sign in', async () => {
    await start()
    const b = await signedIn(ctx, MEMBER)
    ctx.clock.advance(minutes(ctx.config.session.idleMinutes))
    const res = await b.get('/dashboard')
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/dashboard')}`)
    expect(await sessionRows()).toHaveLength(0)
  })

  it('keeps a session used within the idle timeout, sliding the window', async () => {
    await start()
    const b = await signedIn(ctx, MEMBER)
    const idle = ctx.config.session.idleMinutes
    ctx.clock.advance(minutes(idle - 1))
    expect((await b.get('/dashboard')).statusCode).toBe(200)
    // Now past the first idle deadline, but within the slid one.
    ctx.clock.advance(minutes(idle - 1))
    expect((await b.get('/dashboard')).statusCode).toBe(200)
    ctx.clock.advance(minutes(idle))
    expect((await b.get('/dashboard')).statusCode).toBe(302)
  })

  it('ends a session at its absolute lifetime however active it is', async () => {
    await start()
    const b = await signedIn(ctx, MEMBER)
    const lifetime = hours(ctx.config.session.absoluteHours)
    let elapsed = 0
    while (elapsed + minutes(30) < lifetime) {
      ctx.clock.advance(minutes(30))
      elapsed += minutes(30)
      expect((await b.get('/dashboard')).statusCode, `after ${elapsed / 60_000} minutes`).toBe(200)
    }
    ctx.clock.advance(lifetime - elapsed)
    const res = await b.get('/dashboard')
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toMatch(/^\/login\?next=/)
    expect((await me(ctx, { cookie: `gh_session=${b.cookies.get('gh_session')}` })).statusCode).toBe(401)
  })
})

describe('signing out', () => {
  it('ends the session on the server, not just in the browser', async () => {
    await start()
    const b = await signedIn(ctx, MEMBER)
    const id = b.cookies.get('gh_session')!
    expect((await me(ctx, { cookie: `gh_session=${id}` })).statusCode).toBe(200)

    await b.get('/logout')
    const res = await b.post('/logout', {})
    expect(res.statusCode).toBe(303)
    const cleared = setCookie(res, 'gh_session')
    expect(cleared?.value).toBe('')
    expect(b.cookies.has('gh_session')).toBe(false)

    const replayed = await me(ctx, { cookie: `gh_session=${id}` })
    expect(replayed.statusCode).toBe(401)
    expect(replayed.json().error.code).toBe('unauthenticated')
    expect(await sessionRows()).toHaveLength(0)
  })

  it("ends only the session signed out, not the same user's other sessions", async () => {
    await start()
    const laptop = await signedIn(ctx, MEMBER)
    const phone = await signedIn(ctx, MEMBER)
    await laptop.get('/logout')
    expect((await laptop.post('/logout', {})).statusCode).toBe(303)
    expect((await phone.get('/dashboard')).statusCode).toBe(200)
  })

  it('refuses a sign-out form without the CSRF token and keeps the session', async () => {
    await start()
    const b = await signedIn(ctx, MEMBER)
    const res = await postForm(ctx, b, '/logout', {})
    expect(res.statusCode).toBe(403)
    expect((await b.get('/dashboard')).statusCode).toBe(200)
  })
})
