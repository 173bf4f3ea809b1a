/**
 * Passwords under SSO (DESIGN §2.4, §3): "forgot password" for a member who may use a password in none
 * of their orgs mails the org's SSO sign-in instead of a reset link, and sets nothing — no dormant
 * password. Each attack (a password for an SSO-only member) is paired with the legitimate case.
 * Every reset request that mails something, and every completed reset, is in the org's audit log.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { MEMBER, pathOf, refusalCode, seedAcme, tokenOf } from './support.js'

const NEW_PASSWORD = 'a brand new passphrase'

let ctx: TestContext
let idp: TestIdp
beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  idp ??= await createTestIdp('reset-sso')
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** Acme's SSO, enabled with this policy. */
async function requireSso(policy: Record<string, unknown>, slug = 'acme'): Promise<void> {
  expect((await operator(ctx, 'PUT', `/organizations/${slug}/sso`, { ssoName: slug })).status).toBe(201)
  expect(
    (
      await operator(ctx, 'PUT', `/organizations/${slug}/sso/idp`, {
        ssoUrl: 'https://idp.test/sso',
        entityId: idp.entityId,
        certificates: [idp.certificatePem],
      })
    ).status,
  ).toBe(200)
  expect((await operator(ctx, 'PATCH', `/organizations/${slug}/sso/policy`, policy)).status).toBe(200)
  expect((await operator(ctx, 'POST', `/organizations/${slug}/sso/enable`, { skipTest: true })).status).toBe(200)
}

async function forgot(email: string) {
  const res = await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email })
  expect(res.statusCode).toBe(200)
  return res
}

async function mailTo(email: string) {
  const mails = (await ctx.sentMail()).filter((m) => m.to === email)
  expect(mails).toHaveLength(1)
  return mails[0]!
}

async function liveResetTokens(email: string): Promise<number> {
  const user = (await ctx.deps.store.users.findByEmail(email))!
  return (
    await ctx.runtime.db.selectFrom('one_time_tokens').select('token_hash').where('user_id', '=', user.id).where('purpose', '=', 'password_reset').execute()
  ).length
}

async function passwordHash(email: string) {
  return (await ctx.runtime.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow()).password_hash
}

async function audit(slug = 'acme') {
  return (await operator(ctx, 'GET', `/organizations/${slug}/audit-log`)).json.data as {
    action: string
    actor: string
    target: string
    detail: Record<string, unknown>
  }[]
}

const SSO_LINK = 'http://gatehouse.test/sso/acme'
const RESET_LINK = /http:\/\/gatehouse\.test\/reset-password\?token=/

describe('forgot password for a member whose org requires SSO', () => {
  it("mails the org's SSO sign-in under strict, with no reset link and no token, answering as for anyone", async () => {
    await requireSso({ enforcement: 'strict' })
    const res = await forgot(MEMBER)
    const nobody = await forgot('nobody@acme.test')
    expect(res.body.replaceAll(MEMBER, 'EMAIL')).toBe(nobody.body.replaceAll('nobody@acme.test', 'EMAIL'))
    const mail = await mailTo(MEMBER)
    expect(mail.text).toContain(SSO_LINK)
    expect(mail.text).not.toMatch(RESET_LINK)
    expect(await liveResetTokens(MEMBER)).toBe(0)
    expect((await audit())[0]).toMatchObject({
      action: 'password.reset_requested',
      actor: 'system:forgot-password',
      target: MEMBER,
      detail: { mailed: 'sso_sign_in' },
    })
  })

  it('mails a reset link when the same org leaves SSO optional', async () => {
    await requireSso({ enforcement: 'optional' })
    await forgot(MEMBER)
    expect((await mailTo(MEMBER)).text).toMatch(RESET_LINK)
    expect(await liveResetTokens(MEMBER)).toBe(1)
  })

  const exceptions: [string, Record<string, unknown>, 'sso' | 'reset'][] = [
    ['mails the SSO sign-in under exceptions to a member not allowed without SSO', {}, 'sso'],
    ['mails a reset link under exceptions to a member allowed access without SSO', { allowWithoutSso: true }, 'reset'],
  ]
  for (const [name, change, expected] of exceptions) {
    it(name, async () => {
      await requireSso({ enforcement: 'exceptions' })
      const member = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data.find((m: { email: string }) => m.email === MEMBER)
      if (Object.keys(change).length > 0) expect((await operator(ctx, 'PATCH', `/organizations/acme/members/${member.id}`, change)).status).toBe(200)
      await forgot(MEMBER)
      const text = (await mailTo(MEMBER)).text
      if (expected === 'sso') {
        expect(text).toContain(SSO_LINK)
        expect(await liveResetTokens(MEMBER)).toBe(0)
      } else {
        expect(text).toMatch(RESET_LINK)
        expect(await liveResetTokens(MEMBER)).toBe(1)
      }
    })
  }

  it('mails a reset link under strict to an email on the API allow-list, whose password still signs in to the API', async () => {
    await requireSso({ enforcement: 'strict', apiAllowList: [MEMBER] })
    await forgot(MEMBER)
    expect((await mailTo(MEMBER)).text).toMatch(RESET_LINK)
  })

  it('mails a reset link to a member of a strict org who may use a password in another org', async () => {
    await requireSso({ enforcement: 'strict' })
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    expect((await operator(ctx, 'POST', '/organizations/globex/members', { email: MEMBER, role: 'member' })).status).toBe(201)
    await forgot(MEMBER)
    expect((await mailTo(MEMBER)).text).toMatch(RESET_LINK)
  })

  it("mails every org's SSO sign-in to a member whose orgs all require SSO", async () => {
    await requireSso({ enforcement: 'strict' })
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    expect((await operator(ctx, 'POST', '/organizations/globex/members', { email: MEMBER, role: 'member' })).status).toBe(201)
    await requireSso({ enforcement: 'exceptions' }, 'globex')
    await forgot(MEMBER)
    const text = (await mailTo(MEMBER)).text
    expect(text).toContain(SSO_LINK)
    expect(text).toContain('http://gatehouse.test/sso/globex')
    expect(await liveResetTokens(MEMBER)).toBe(0)
  })
})

describe('a reset link mailed before the org required SSO', () => {
  it('sets no password once the org requires SSO of the member, and works again when it no longer does', async () => {
    await forgot(MEMBER)
    const link = await ctx.linkMailedTo(MEMBER)
    await requireSso({ enforcement: 'strict' })
    const before = await passwordHash(MEMBER)
    const b = browser(ctx.app)
    expect((await b.get(pathOf(link))).statusCode).toBe(200)
    const refused = await b.post('/reset-password', { token: tokenOf(link), password: NEW_PASSWORD })
    expect(refused.statusCode).toBe(403)
    expect(refusalCode(ctx, refused)).toBe('sso_required')
    expect(await passwordHash(MEMBER)).toBe(before)
    expect((await audit()).some((e) => e.action === 'password.reset')).toBe(false)

    expect((await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'optional' })).status).toBe(200)
    await b.get(pathOf(link))
    expect((await b.post('/reset-password', { token: tokenOf(link), password: NEW_PASSWORD })).statusCode).toBe(303)
    expect(await passwordHash(MEMBER)).not.toBe(before)
  })
})

describe('the audit log', () => {
  it("records the reset request and the completed reset in the member's org, without the link's token", async () => {
    await forgot(MEMBER)
    const link = await ctx.linkMailedTo(MEMBER)
    const b = browser(ctx.app)
    await b.get(pathOf(link))
    expect((await b.post('/reset-password', { token: tokenOf(link), password: NEW_PASSWORD })).statusCode).toBe(303)
    const entries = await audit()
    expect(entries.slice(0, 2)).toMatchObject([
      { action: 'password.reset', actor: `user:${MEMBER}`, target: MEMBER },
      { action: 'password.reset_requested', actor: 'system:forgot-password', target: MEMBER, detail: { mailed: 'reset_link' } },
    ])
    expect(JSON.stringify(entries)).not.toContain(tokenOf(link))
    // Another member's reset is not in the log of an org they do not belong to.
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })).status).toBe(201)
    expect((await audit('globex')).some((e) => e.action.startsWith('password.'))).toBe(false)
  })

  it('records nothing for an email without an account', async () => {
    const before = await audit()
    await forgot('nobody@acme.test')
    expect(await ctx.sentMail()).toEqual([])
    expect(await audit()).toEqual(before)
  })
})
