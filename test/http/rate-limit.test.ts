import { afterEach, describe, expect, it } from 'vitest'
import { minutes } from '../../src/core/clock.js'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { ADMIN, MEMBER, OWNER, PASSWORD, refusalCode, seedAcme } from './support.js'

let ctx: TestContext
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never // a later test whose context fails to start must not close this one again
})

async function start(env: Record<string, string> = {}) {
  ctx = await createTestContext({ env })
  await seedAcme(ctx)
}

async function attempt(b: Browser, email: string, password: string) {
  return b.submit('/login', '/login', { email, password })
}

async function apiAttempt(email: string, password: string, ip = '127.0.0.1') {
  return ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email, password, org: 'acme' }, remoteAddress: ip })
}

function retryAfter(res: { headers: Record<string, unknown> }): number {
  const value = String(res.headers['retry-after'])
  expect(value).toMatch(/^\d+$/)
  return Number(value)
}

describe('per-account limit on the sign-in page', () => {
  it('refuses even the right password after too many wrong ones, saying when to try again', async () => {
    await start()
    const b = browser(ctx.app)
    const limit = ctx.config.rateLimit.perAccount
    for (let i = 0; i < limit; i++) {
      const res = await attempt(b, MEMBER, `wrong password ${i}`)
      expect(res.statusCode, `attempt ${i + 1}`).toBe(401)
    }
    ctx.clock.advance(minutes(5))
    const res = await attempt(b, MEMBER, PASSWORD)
    expect(res.statusCode).toBe(429)
    expect(refusalCode(ctx, res)).toBe('rate_limited')
    // The window is fixed and the clock started on its boundary: 10 of 15 minutes remain.
    expect(retryAfter(res)).toBe(10 * 60)
    expect(res.body).toMatch(/try again in 10 minutes/i)
    expect(b.cookies.has('gh_session')).toBe(false)
  })

  it('accepts the right password once Retry-After has passed, and not a second before', async () => {
    await start()
    const b = browser(ctx.app)
    for (let i = 0; i <= ctx.config.rateLimit.perAccount; i++) await attempt(b, MEMBER, 'wrong password!')
    const locked = await attempt(b, MEMBER, PASSWORD)
    expect(locked.statusCode).toBe(429)
    const wait = retryAfter(locked)

    ctx.clock.advance(wait * 1000 - 1000)
    expect((await attempt(b, MEMBER, PASSWORD)).statusCode).toBe(429)
    ctx.clock.advance(1000)
    const res = await attempt(b, MEMBER, PASSWORD)
    expect(res.statusCode).toBe(303)
    expect(b.cookies.has('gh_session')).toBe(true)
  })

  it('accepts the right password after the 15-minute window', async () => {
    await start()
    const b = browser(ctx.app)
    for (let i = 0; i <= ctx.config.rateLimit.perAccount; i++) await attempt(b, MEMBER, 'wrong password!')
    expect((await attempt(b, MEMBER, PASSWORD)).statusCode).toBe(429)
    ctx.clock.advance(minutes(15))
    expect((await attempt(b, MEMBER, PASSWORD)).statusCode).toBe(303)
  })

  it("counts an account's attempts together whatever the case of the email and whichever browser sends them", async () => {
    await start()
    for (let i = 0; i < ctx.config.rateLimit.perAccount; i++) {
      const email = i % 2 === 0 ? MEMBER.toUpperCase() : ` ${MEMBER}`
      expect((await attempt(browser(ctx.app), email, 'wrong password!')).statusCode).toBe(401)
    }
    expect((await attempt(browser(ctx.app), MEMBER, PASSWORD)).statusCode).toBe(429)
  })

  it('does not lock other accounts', async () => {
    await start()
    for (let i = 0; i <= ctx.config.rateLimit.perAccount; i++) await attempt(browser(ctx.app), MEMBER, 'wrong password!')
    expect((await attempt(browser(ctx.app), MEMBER, PASSWORD)).statusCode).toBe(429)
    expect((await attempt(browser(ctx.app), OWNER, PASSWORD)).statusCode).toBe(303)
  })

  it('starts the count again after a successful sign-in', async () => {
    await start()
    const limit = ctx.config.rateLimit.perAccount
    for (let i = 0; i < limit - 1; i++) expect((await attempt(browser(ctx.app), MEMBER, 'wrong password!')).statusCode).toBe(401)
    expect((await attempt(browser(ctx.app), MEMBER, PASSWORD)).statusCode).toBe(303)
    for (let i = 0; i < limit - 1; i++) expect((await attempt(browser(ctx.app), MEMBER, 'wrong password!')).statusCode).toBe(401)
    expect((await attempt(browser(ctx.app), MEMBER, PASSWORD)).statusCode).toBe(303)
  })
})

describe('per-IP limit', () => {
  const ATTACKER = '203.0.113.7'
  const OTHER = '198.51.100.9'

  it('refuses an IP that tried too many accounts, even with a right password, while another IP signs in', async () => {
    await start({ GATEHOUSE_RATE_LIMIT_IP: '5' })
    expect(ctx.config.rateLimit.perIp).toBe(5)
    const attacker = browser(ctx.app, { ip: ATTACKER })
    for (const email of ['a@acme.test', 'b@acme.test', OWNER, ADMIN, 'c@acme.test']) {
      expect((await attempt(attacker, email, 'wrong password!')).statusCode).toBe(401)
    }
    const blocked = await attempt(attacker, MEMBER, PASSWORD)
    expect(blocked.statusCode).toBe(429)
    expect(refusalCode(ctx, blocked)).toBe('rate_limited')
    expect(retryAfter(blocked)).toBeGreaterThan(0)
    expect(attacker.cookies.has('gh_session')).toBe(false)

    const other = browser(ctx.app, { ip: OTHER })
    expect((await attempt(other, MEMBER, PASSWORD)).statusCode).toBe(303)
  })

  it('ignores X-Forwarded-For when no proxy is trusted, so an IP cannot claim to be another', async () => {
    await start({ GATEHOUSE_RATE_LIMIT_IP: '5' })
    const attacker = browser(ctx.app, { ip: ATTACKER })
    for (let i = 0; i < 5; i++) await attempt(attacker, `user${i}@acme.test`, 'wrong password!')
    await attacker.get('/login')
    const spoofed = await attacker.post('/login', { email: MEMBER, password: PASSWORD }, { 'x-forwarded-for': OTHER })
    expect(spoofed.statusCode).toBe(429)
    const honest = await browser(ctx.app, { ip: OTHER }).submit('/login', '/login', { email: MEMBER, password: PASSWORD })
    expect(honest.statusCode).toBe(303)
  })

  it('lets the IP in again after the window', async () => {
    await start({ GATEHOUSE_RATE_LIMIT_IP: '5' })
    const attacker = browser(ctx.app, { ip: ATTACKER })
    for (let i = 0; i < 5; i++) await attempt(attacker, `user${i}@acme.test`, 'wrong password!')
    expect((await attempt(attacker, MEMBER, PASSWORD)).statusCode).toBe(429)
    ctx.clock.advance(minutes(15))
    expect((await attempt(attacker, MEMBER, PASSWORD)).statusCode).toBe(303)
  })
})

describe('API password sign-in', () => {
  it('answers 429 rate_limited with Retry-After after too many wrong passwords, then works after the window', async () => {
    await start()
    for (let i = 0; i < ctx.config.rateLimit.perAccount; i++) {
      const res = await apiAttempt(MEMBER, 'wrong password!')
      expect(res.statusCode).toBe(401)
      expect(res.json().error.code).toBe('invalid_credentials')
    }
    const locked = await apiAttempt(MEMBER, PASSWORD)
    expect(locked.statusCode).toBe(429)
    expect(locked.json().error.code).toBe('rate_limited')
    expect(retryAfter(locked)).toBe(15 * 60)

    ctx.clock.advance(minutes(15))
    const res = await apiAttempt(MEMBER, PASSWORD)
    expect(res.statusCode).toBe(200)
    expect(res.json().token).toMatch(/^gha_/)
  })

  it('shares one count with the sign-in page', async () => {
    await start()
    const limit = ctx.config.rateLimit.perAccount
    for (let i = 0; i < limit; i++) {
      if (i % 2 === 0) await apiAttempt(MEMBER, 'wrong password!')
      else await attempt(browser(ctx.app), MEMBER, 'wrong password!')
    }
    expect((await apiAttempt(MEMBER, PASSWORD)).statusCode).toBe(429)
    expect((await attempt(browser(ctx.app), MEMBER, PASSWORD)).statusCode).toBe(429)
  })

  it('applies the per-IP limit, and another IP still gets a token', async () => {
    await start({ GATEHOUSE_RATE_LIMIT_IP: '5' })
    for (let i = 0; i < 5; i++) expect((await apiAttempt(`user${i}@acme.test`, 'wrong password!', '203.0.113.7')).statusCode).toBe(401)
    const blocked = await apiAttempt(MEMBER, PASSWORD, '203.0.113.7')
    expect(blocked.statusCode).toBe(429)
    expect(blocked.json().error.code).toBe('rate_limited')
    expect((await apiAttempt(MEMBER, PASSWORD, '198.51.100.9')).statusCode).toBe(200)
  })
})
