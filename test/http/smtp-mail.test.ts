/**
 * With GATEHOUSE_SMTP_URL set, mail goes over SMTP (nodemailer) to a real SMTP server, not to the
 * outbox, sent by the job worker. With that server down, requests answer as usual and the mail goes
 * out, once, when it is back (DESIGN §6).
 */
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { MEMBER, OWNER, seedAcme, signedIn } from './support.js'

/** The mail's text, quoted-printable soft breaks and escapes undone. */
const decoded = (data: string) => data.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))

let server: SMTPServer
let received: { from: string; to: string[]; data: string }[]
let port: number
/** While true the server refuses every connection, as a mail relay under maintenance does. */
let down: boolean

beforeEach(async () => {
  received = []
  down = false
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onConnect(_session, callback) {
      if (!down) return callback()
      const refusal = Object.assign(new Error('Service not available, closing transmission channel'), { responseCode: 421 })
      return callback(refusal)
    },
    onData(stream, session, callback) {
      let data = ''
      stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')))
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.server.address() as AddressInfo).port
})
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())))

it('sends the forgot-password mail over SMTP, and the outbox page does not exist', async () => {
  const env = { GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${port}`, GATEHOUSE_SMTP_FROM: 'Gatehouse <login@gh.test>' }
  const ctx: TestContext = await createTestContext({ env, mailer: 'configured' })
  try {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations/acme/members', {
      email: 'max@acme.test',
      firstName: 'Max',
      lastName: 'M',
      role: 'member',
      password: 'correct horse battery',
    })
    const res = await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: 'max@acme.test' })
    expect(res.statusCode).toBe(200)
    expect(received).toHaveLength(0)
    expect(await ctx.runJobs()).toEqual({ done: 1, retried: 0, failed: 0 })
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({ from: 'login@gh.test', to: ['max@acme.test'] })
    expect(received[0]!.data).toContain('Subject: Reset your Gatehouse password')
    const body = decoded(received[0]!.data)
    expect(body).toMatch(/reset-password\?token=[A-Za-z0-9_-]{40,}/)
    expect((await browser(ctx.app).get('/dev/outbox')).statusCode).toBe(404)
    const stored = await ctx.runtime.db.selectFrom('mail_outbox').selectAll().execute()
    expect(stored).toHaveLength(0)
  } finally {
    await ctx.close()
  }
})

it('answers a reset and an invitation as usual with SMTP down, retries, and sends each mail once when SMTP is back', async () => {
  const env = { GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${port}`, GATEHOUSE_SMTP_FROM: 'Gatehouse <login@gh.test>' }
  const ctx: TestContext = await createTestContext({ env, mailer: 'configured' })
  try {
    await seedAcme(ctx)
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    down = true

    const forgot = await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: MEMBER })
    expect(forgot.statusCode).toBe(200)
    const invited = await owner.post('/orgs/acme/invitations', { email: 'nina@acme.test', role: 'member' })
    expect(invited.statusCode).toBe(303)
    expect(invited.headers.location).toBe('/orgs/acme/members?notice=invited')

    // Both attempts fail; the jobs stay queued, to be tried again in 30 s.
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 2, failed: 0 })
    expect(received).toHaveLength(0)
    const queued = await ctx.deps.store.jobs.list()
    expect(queued.map((j) => [j.kind, j.state, j.attempts])).toEqual([
      ['password_reset', 'queued', 1],
      ['mail', 'queued', 1],
    ])
    expect(queued.every((j) => /421|Service not available/.test(j.lastError ?? ''))).toBe(true)
    ctx.clock.advance(29_000)
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 0, failed: 0 })
    ctx.clock.advance(1_000)
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 2, failed: 0 })

    down = false
    // Back-off: nothing before the next attempt is due (60 s after the second one).
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 0, failed: 0 })
    ctx.clock.advance(60_000)
    expect(await ctx.runJobs()).toEqual({ done: 2, retried: 0, failed: 0 })
    expect(received.map((r) => r.to)).toEqual([[MEMBER], ['nina@acme.test']])
    // The links work: the reset link is the one live token of the user (failed attempts left none).
    const resetLink = decoded(received[0]!.data).match(/http:\/\/gatehouse\.test\/reset-password\?token=[A-Za-z0-9_-]+/)![0]
    const user = (await ctx.deps.store.users.findByEmail(MEMBER))!
    const tokens = await ctx.runtime.db.selectFrom('one_time_tokens').selectAll().where('user_id', '=', user.id).execute()
    expect(tokens).toHaveLength(1)
    const b = browser(ctx.app)
    await b.get(new URL(resetLink).pathname + new URL(resetLink).search)
    expect((await b.post('/reset-password', { token: new URL(resetLink).searchParams.get('token')!, password: 'a brand new passphrase' })).statusCode).toBe(303)
    const inviteLink = decoded(received[1]!.data).match(/http:\/\/gatehouse\.test\/invitations\/accept\?token=[A-Za-z0-9_-]+/)![0]
    expect((await browser(ctx.app).get(new URL(inviteLink).pathname + new URL(inviteLink).search)).statusCode).toBe(200)

    ctx.clock.advance(24 * 3_600_000)
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 0, failed: 0 })
    expect(received).toHaveLength(2)
    expect(await ctx.deps.store.jobs.list()).toEqual([])

    // The failures are logged, without a link or a token.
    expect(ctx.logs()).toContain('job failed; will retry')
    expect(ctx.logs()).not.toContain(new URL(resetLink).searchParams.get('token')!)
    expect(ctx.logs()).not.toContain(new URL(inviteLink).searchParams.get('token')!)
  } finally {
    await ctx.close()
  }
})
