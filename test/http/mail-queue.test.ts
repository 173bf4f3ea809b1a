/**
 * No request waits on SMTP (DESIGN §6): with a mailer whose send never settles, every route that
 * causes a mail still answers at once and leaves the mail queued; the mail is written in the same
 * transaction as its cause. Forgot password does the same work whether or not the account exists.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { enqueueMail, type MailMessage, type Mailer } from '../../src/core/mail.js'
import type { Store, Stores } from '../../src/core/ports.js'
import { requestPasswordReset } from '../../src/core/password-reset.js'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { MEMBER, OWNER, seedAcme, signedIn } from './support.js'
import { createTestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** A mail server that accepts the connection and never answers. */
function hangingMailer(): Mailer & { calls: MailMessage[] } {
  const calls: MailMessage[] = []
  return {
    calls,
    send: (m) => {
      calls.push(m)
      return new Promise<void>(() => {})
    },
  }
}

/** The response, or a failure naming the route if it has not answered within 10 s. */
async function answered<T>(what: string, request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer: it waits on the mailer`)), 10_000)
  })
  return Promise.race([request, timeout]).finally(() => clearTimeout(timer))
}

describe('with a mail server that never answers', () => {
  it('answers forgot password, invitations and SSO disabling at once, and queues their mails', async () => {
    const mailer = hangingMailer()
    ctx = await createTestContext({ mailer })
    await seedAcme(ctx)
    const idp = await createTestIdp('hanging-mail')
    expect((await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBe(201)
    expect(
      (
        await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
          ssoUrl: 'https://idp.test/sso',
          entityId: idp.entityId,
          certificates: [idp.certificatePem],
        })
      ).status,
    ).toBe(200)
    expect(
      (await operator(ctx, 'POST', '/organizations/acme/members', { email: 'sso-only@acme.test', firstName: 'S', lastName: 'O', role: 'member' })).status,
    ).toBe(201)
    const owner = await signedIn(ctx, OWNER)

    const forgot = await answered('POST /forgot-password', browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: MEMBER }))
    expect(forgot.statusCode).toBe(200)
    await owner.get('/orgs/acme/members')
    const invited = await answered('POST /orgs/acme/invitations', owner.post('/orgs/acme/invitations', { email: 'nina@acme.test', role: 'member' }))
    expect(invited.statusCode).toBe(303)
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })).status).toBe(200)
    const disabledByApi = await answered('POST /api/v1/organizations/acme/sso/disable', operator(ctx, 'POST', '/organizations/acme/sso/disable'))
    expect(disabledByApi.status).toBe(200)
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })).status).toBe(200)
    await owner.get('/orgs/acme/sso')
    const disabledByPage = await answered('POST /orgs/acme/sso/disable', owner.post('/orgs/acme/sso/disable', {}))
    expect(disabledByPage.statusCode).toBe(303)

    // No request called the mailer; every mail waits in the queue.
    expect(mailer.calls).toHaveLength(0)
    expect((await ctx.deps.store.jobs.list()).map((j) => j.kind)).toEqual(['password_reset', 'mail', 'mail', 'mail'])
  })
})

describe('a mail queued with its cause', () => {
  it('is not queued when the invitation it announces is refused', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    const refused = await owner.post('/orgs/acme/invitations', { email: 'nina@acme.test', role: 'member', 'ws.nope': 'viewer' })
    expect(refused.statusCode).toBeGreaterThanOrEqual(400)
    expect(await ctx.deps.store.jobs.list()).toEqual([])
    const accepted = await owner.post('/orgs/acme/invitations', { email: 'nina@acme.test', role: 'member' })
    expect(accepted.statusCode).toBe(303)
    expect((await ctx.deps.store.jobs.list()).map((j) => j.kind)).toEqual(['mail'])
  })

  it('is rolled back with the change that failed after queueing it', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    await expect(
      ctx.deps.store.transaction(async (tx) => {
        await enqueueMail(tx, ctx.config.secretKey, { to: MEMBER, subject: 's', text: 't' }, ctx.clock.now())
        throw new Error('the cause failed')
      }),
    ).rejects.toThrow('the cause failed')
    expect(await ctx.deps.store.jobs.list()).toEqual([])
    expect(await ctx.sentMail()).toEqual([])
  })
})

/** Records every store call core makes, by store and method name. */
function recordingStore(store: Store, calls: string[]): Store {
  const wrap = <S extends object>(name: string, target: S): S =>
    new Proxy(target, {
      get: (t, key, receiver) => {
        const value = Reflect.get(t, key, receiver) as unknown
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          calls.push(`${name}.${String(key)}`)
          return (value as (...a: unknown[]) => unknown).apply(t, args)
        }
      },
    })
  const stores = Object.fromEntries(
    Object.entries(store)
      .filter(([k]) => k !== 'transaction')
      .map(([k, v]) => [k, wrap(k, v as object)]),
  ) as unknown as Stores
  return {
    ...stores,
    transaction: (work) => {
      calls.push('transaction')
      return store.transaction((tx) => work(tx))
    },
    settleWrites: () => store.settleWrites(),
  }
}

describe('forgot password', () => {
  it('does the same store work for an unknown email as for a member, so its time does not tell them apart', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    const known: string[] = []
    const unknown: string[] = []
    await requestPasswordReset({ ...ctx.deps, store: recordingStore(ctx.deps.store, known) }, MEMBER, '203.0.113.7')
    await requestPasswordReset({ ...ctx.deps, store: recordingStore(ctx.deps.store, unknown) }, 'nobody@acme.test', '203.0.113.7')
    expect(known).toEqual(['rateLimits.hit', 'rateLimits.hit', 'jobs.enqueue'])
    expect(unknown).toEqual(known)
    // And neither read the users table: the account is looked up by the worker, later.
    expect(known.some((c) => c.startsWith('users.'))).toBe(false)
  })

  it('answers as usual, mailing nothing, once an address has asked too often in the window', async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
    for (let i = 0; i < 7; i++) {
      expect((await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: MEMBER })).statusCode).toBe(200)
    }
    expect((await ctx.sentMail()).map((m) => m.to)).toEqual(Array(5).fill(MEMBER))
  })

  it('refuses an address sending the form for many emails past the per-IP limit (429), while another address is served', async () => {
    ctx = await createTestContext({ env: { GATEHOUSE_RATE_LIMIT_IP: '3' } })
    await seedAcme(ctx)
    const spammer = browser(ctx.app, { ip: '203.0.113.9' })
    for (let i = 0; i < 3; i++) {
      expect((await spammer.submit('/forgot-password', '/forgot-password', { email: `stranger${i}@example.test` })).statusCode).toBe(200)
    }
    const refused = await spammer.submit('/forgot-password', '/forgot-password', { email: MEMBER })
    expect(refused.statusCode).toBe(429)
    expect(refused.body).toContain('Too many requests from your network')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    // The same request from another address: answered and mailed.
    expect((await browser(ctx.app, { ip: '198.51.100.4' }).submit('/forgot-password', '/forgot-password', { email: MEMBER })).statusCode).toBe(200)
    expect(await ctx.deps.store.jobs.list()).toHaveLength(4)
    await ctx.runJobs()
    expect((await ctx.sentMail()).filter((m) => m.to === MEMBER)).toHaveLength(1)
  })
})
