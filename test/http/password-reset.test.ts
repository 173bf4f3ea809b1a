import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { minutes } from '../../src/core/clock.js'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { MEMBER, OWNER, PASSWORD, me, pathOf, refusalCode, seedAcme, signedIn, tokenOf } from './support.js'

const NEW_PASSWORD = 'a brand new passphrase'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never // a later test whose context fails to start must not close this one again
})

async function requestLink(email = MEMBER): Promise<string> {
  const res = await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email })
  expect(res.statusCode).toBe(200)
  return await ctx.linkMailedTo(email)
}

/** Opens the link in a fresh browser and submits the new password, as the mail's reader would. */
async function useLink(
  link: string,
  password = NEW_PASSWORD,
): Promise<{ b: Browser; page: number; status: number; location: string | undefined; code: string | undefined }> {
  const b = browser(ctx.app)
  // A CSRF token for this browser even when the link's page is a 410 without a form (e.g. a tab left open).
  await b.get('/forgot-password')
  const page = await b.get(pathOf(link))
  const res = await b.post('/reset-password', { token: tokenOf(link), password })
  return { b, page: page.statusCode, status: res.statusCode, location: res.headers.location, code: refusalCode(ctx, res) }
}

async function canSignIn(email: string, password: string): Promise<boolean> {
  const res = await browser(ctx.app).submit('/login', '/login', { email, password })
  return res.statusCode === 303
}

describe('asking for a reset link', () => {
  it('answers an unknown email exactly as a known one, and mails only the known one', async () => {
    const b = browser(ctx.app)
    const known = await b.submit('/forgot-password', '/forgot-password', { email: MEMBER })
    const unknown = await b.submit('/forgot-password', '/forgot-password', { email: 'nobody@acme.test' })
    expect(known.statusCode).toBe(200)
    expect(unknown.statusCode).toBe(200)
    // The page repeats the address typed; apart from that the two answers are the same bytes.
    expect(unknown.body.replaceAll('nobody@acme.test', 'EMAIL')).toBe(known.body.replaceAll(MEMBER, 'EMAIL'))
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(known.headers).sort())
    expect(unknown.headers['set-cookie']).toEqual(known.headers['set-cookie'])

    expect((await ctx.sentMail()).map((m) => m.to)).toEqual([MEMBER])
    expect(await ctx.linkMailedTo(MEMBER)).toMatch(/^http:\/\/gatehouse\.test\/reset-password\?token=[A-Za-z0-9_-]{43}$/)
  })

  it('finds the account whatever the case of the email typed', async () => {
    await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: '  MAX@Acme.TEST ' })
    expect((await ctx.sentMail()).map((m) => m.to)).toEqual([MEMBER])
  })
})

describe('the reset link', () => {
  it('sets a password that then signs in, and the old one no longer does', async () => {
    const link = await requestLink()
    const used = await useLink(link)
    expect(used.page).toBe(200)
    expect(used.status).toBe(303)
    expect(used.location).toBe('/login?notice=password-changed')
    expect(await canSignIn(MEMBER, NEW_PASSWORD)).toBe(true)
    expect(await canSignIn(MEMBER, PASSWORD)).toBe(false)
  })

  it('works once: a second use is refused with 410 and does not change the password', async () => {
    const link = await requestLink()
    expect((await useLink(link)).status).toBe(303)
    const again = await useLink(link, 'a third passphrase here')
    expect(again.page).toBe(410)
    expect(again.status).toBe(410)
    expect(again.code).toBe('link_invalid')
    expect(await canSignIn(MEMBER, NEW_PASSWORD)).toBe(true)
    expect(await canSignIn(MEMBER, 'a third passphrase here')).toBe(false)
  })

  it('expires after one hour', async () => {
    const link = await requestLink()
    ctx.clock.advance(minutes(60))
    const used = await useLink(link)
    expect(used.page).toBe(410)
    expect(used.status).toBe(410)
    expect(used.code).toBe('link_invalid')
    expect(await canSignIn(MEMBER, PASSWORD)).toBe(true)
  })

  it('still works a minute before the hour is up', async () => {
    const link = await requestLink()
    ctx.clock.advance(minutes(59))
    const used = await useLink(link)
    expect(used.page).toBe(200)
    expect(used.status).toBe(303)
  })

  it('ends every existing session of the user, browser and API alike', async () => {
    const laptop = await signedIn(ctx, MEMBER)
    const api = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email: MEMBER, password: PASSWORD, org: 'acme' } })
    const token = api.json().token as string
    expect((await me(ctx, { bearer: token })).statusCode).toBe(200)
    const owner = await signedIn(ctx, OWNER)

    expect((await useLink(await requestLink())).status).toBe(303)

    const dashboard = await laptop.get('/dashboard')
    expect(dashboard.statusCode).toBe(302)
    expect(dashboard.headers.location).toMatch(/^\/login\?next=/)
    const bearer = await me(ctx, { bearer: token })
    expect(bearer.statusCode).toBe(401)
    expect(bearer.json().error.code).toBe('token_invalid')
    // Someone else's session is untouched.
    expect((await owner.get('/dashboard')).statusCode).toBe(200)
  })

  it('refuses a weak password beside the field, and the link still works afterwards', async () => {
    const link = await requestLink()
    const b = browser(ctx.app)
    await b.get(pathOf(link))
    const weak = await b.post('/reset-password', { token: tokenOf(link), password: 'short' })
    expect(weak.statusCode).toBe(422)
    expect(weak.body).toContain('id="f-password-error"')
    expect(weak.body).toMatch(/<input[^>]*id="f-password"[^>]*aria-invalid="true"/)
    expect(await canSignIn(MEMBER, PASSWORD)).toBe(true)

    const strong = await b.post('/reset-password', { token: tokenOf(link), password: NEW_PASSWORD })
    expect(strong.statusCode).toBe(303)
    expect(await canSignIn(MEMBER, NEW_PASSWORD)).toBe(true)
  })

  it("refuses a password containing the email's name, and the link still works afterwards", async () => {
    const link = await requestLink(OWNER)
    const b = browser(ctx.app)
    await b.get(pathOf(link))
    const weak = await b.post('/reset-password', { token: tokenOf(link), password: 'olivia is my password' })
    expect(weak.statusCode).toBe(422)
    expect(weak.body).toContain('id="f-password-error"')
    expect((await b.post('/reset-password', { token: tokenOf(link), password: NEW_PASSWORD })).statusCode).toBe(303)
  })

  it('refuses a made-up token with 410, and a real one from the same mail is accepted', async () => {
    const link = await requestLink()
    const forged = `${tokenOf(link).slice(0, -1)}${tokenOf(link).endsWith('A') ? 'B' : 'A'}`
    const b = browser(ctx.app)
    expect((await b.get(`/reset-password?token=${forged}`)).statusCode).toBe(410)
    await b.get(pathOf(link))
    const res = await b.post('/reset-password', { token: forged, password: NEW_PASSWORD })
    expect(res.statusCode).toBe(410)
    expect(refusalCode(ctx, res)).toBe('link_invalid')
    expect((await b.post('/reset-password', { token: tokenOf(link), password: NEW_PASSWORD })).statusCode).toBe(303)
  })

  it('makes earlier links of the same user stop working once one is used', async () => {
    const first = await requestLink()
    const second = await requestLink()
    expect(first).not.toBe(second)
    expect((await useLink(second)).status).toBe(303)
    expect((await useLink(first, 'a third passphrase here')).status).toBe(410)
  })
})
