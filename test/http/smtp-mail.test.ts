/** With GATEHOUSE_SMTP_URL set, mail goes over SMTP (nodemailer) to a real SMTP server, not to the outbox. */
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

let server: SMTPServer
let received: { from: string; to: string[]; data: string }[]
let port: number

beforeEach(async () => {
  received = []
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
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
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test', firstName: 'Max', lastName: 'M', role: 'member', password: 'correct horse battery' })
    const res = await browser(ctx.app).submit('/forgot-password', '/forgot-password', { email: 'max@acme.test' })
    expect(res.statusCode).toBe(200)
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({ from: 'login@gh.test', to: ['max@acme.test'] })
    expect(received[0]!.data).toContain('Subject: Reset your Gatehouse password')
    const body = received[0]!.data.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    expect(body).toMatch(/reset-password\?token=[A-Za-z0-9_-]{40,}/)
    expect((await browser(ctx.app).get('/dev/outbox')).statusCode).toBe(404)
    const stored = await ctx.runtime.db.selectFrom('mail_outbox').selectAll().execute()
    expect(stored).toHaveLength(0)
  } finally {
    await ctx.close()
  }
})
