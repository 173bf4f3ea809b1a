/**
 * The durable job queue (DESIGN §6, jobs/): a job runs once, failures back off exponentially up to a
 * cap and end as `failed` (kept, logged), a lease left by a dead process expires, a new process on the
 * same database finishes what the old one left, and two processes racing never run a job twice.
 * Runs on SQLite, and on PostgreSQL when GATEHOUSE_TEST_DATABASE_URL names one.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { addMs, minutes } from '../../src/core/clock.js'
import { enqueueMail, type MailMessage, type Mailer } from '../../src/core/mail.js'
import { FIRST_RETRY_DELAY_MS, MAX_ATTEMPTS, MAX_RETRY_DELAY_MS, retryDelayMs } from '../../src/jobs/back-off.js'
import { LEASE_MS } from '../../src/jobs/run-due-jobs.js'
import { startJobWorker } from '../../src/jobs/worker.js'
import { browser } from '../helpers/browser.js'
import { DIALECT, freshDatabase, type TestDatabase } from '../helpers/database.js'
import { capturingMailer, createTestContext, type TestContext } from '../helpers/test-app.js'
import { MEMBER, seedAcme } from '../http/support.js'

const contexts: TestContext[] = []
const databases: TestDatabase[] = []
afterEach(async () => {
  for (const ctx of contexts.splice(0)) await ctx.close()
  for (const database of databases.splice(0)) await database.drop()
})

async function context(options: Parameters<typeof createTestContext>[0] = {}): Promise<TestContext> {
  const ctx = await createTestContext(options)
  contexts.push(ctx)
  return ctx
}

async function sharedDatabase(): Promise<TestDatabase> {
  const database = await freshDatabase({ shared: true })
  databases.push(database)
  return database
}

const message = (i: number): MailMessage => ({
  to: `user${i}@acme.test`,
  subject: `Message ${i}`,
  text: `Secret body ${i}: https://gatehouse.test/x?token=SECRET${i}`,
})

async function queue(ctx: TestContext, m: MailMessage): Promise<void> {
  await ctx.deps.store.transaction((tx) => enqueueMail(tx, ctx.config.secretKey, m, ctx.clock.now()))
}

const failingMailer = (calls: MailMessage[]): Mailer => ({
  send: async (m) => {
    calls.push(m)
    throw new Error('connect ECONNREFUSED 127.0.0.1:25')
  },
})

describe('the back-off', () => {
  it('doubles from 30 seconds and stops growing at one hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map(retryDelayMs)).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ])
    expect(FIRST_RETRY_DELAY_MS).toBe(30_000)
    expect(MAX_RETRY_DELAY_MS).toBe(minutes(60))
  })
})

describe('a queued mail', () => {
  it('is sent once by the next run, and later runs send nothing more', async () => {
    const ctx = await context()
    await queue(ctx, message(1))
    expect(ctx.mail.sent).toHaveLength(0)
    expect(await ctx.runJobs()).toEqual({ done: 1, retried: 0, failed: 0 })
    expect(ctx.mail.sent).toEqual([message(1)])
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 0, failed: 0 })
    expect(ctx.mail.sent).toHaveLength(1)
    expect(await ctx.deps.store.jobs.list()).toEqual([])
  })

  it('is stored sealed: neither the body nor its link is readable in the jobs table', async () => {
    const ctx = await context()
    await queue(ctx, message(1))
    const rows = await ctx.runtime.db.selectFrom('jobs').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain('SECRET1')
    expect(JSON.stringify(rows)).not.toContain('user1@acme.test')
  })

  it('is retried after 30 s, 1 min, 2 min … capped at 1 h, and kept as failed after the last attempt, logged without its body', async () => {
    const calls: MailMessage[] = []
    const ctx = await context({ mailer: failingMailer(calls) })
    await queue(ctx, message(1))
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const summary = await ctx.runJobs()
      expect(calls, `attempt ${attempt}`).toHaveLength(attempt)
      const [job] = await ctx.deps.store.jobs.list()
      expect(job!.attempts).toBe(attempt)
      expect(job!.lastError).toBe('connect ECONNREFUSED 127.0.0.1:25')
      if (attempt === MAX_ATTEMPTS) {
        expect(summary).toEqual({ done: 0, retried: 0, failed: 1 })
        expect(job!.state).toBe('failed')
        break
      }
      expect(summary).toEqual({ done: 0, retried: 1, failed: 0 })
      expect(job!.state).toBe('queued')
      const delay = retryDelayMs(attempt)
      expect(job!.runAt).toBe(addMs(ctx.clock.now(), delay).toISOString())
      // Not a millisecond early.
      ctx.clock.advance(delay - 1)
      await ctx.runJobs()
      expect(calls).toHaveLength(attempt)
      ctx.clock.advance(1)
    }
    // Failed for good: kept, never run again, and said in the logs.
    ctx.clock.advance(minutes(24 * 60))
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 0, failed: 0 })
    expect(calls).toHaveLength(MAX_ATTEMPTS)
    expect(await ctx.deps.store.jobs.list('failed')).toHaveLength(1)
    expect(ctx.logs()).toContain('job failed for good')
    expect(ctx.logs()).toContain('will retry')
    expect(ctx.logs()).not.toContain('SECRET1')
    expect(ctx.logs()).not.toContain('Secret body')
  })

  it('held by a process that died is left alone until its lease ends, then sent by another run', async () => {
    const ctx = await context()
    await queue(ctx, message(1))
    const now = ctx.clock.now()
    // The "dead" process: it claims the job and never finishes it.
    expect(await ctx.deps.store.jobs.claimDue(now.toISOString(), addMs(now, LEASE_MS).toISOString(), 10)).toHaveLength(1)
    ctx.clock.advance(LEASE_MS - 1)
    expect(await ctx.runJobs()).toEqual({ done: 0, retried: 0, failed: 0 })
    ctx.clock.advance(1)
    expect(await ctx.runJobs()).toEqual({ done: 1, retried: 0, failed: 0 })
    expect(ctx.mail.sent).toEqual([message(1)])
  })
})

describe('a restart', () => {
  it('loses nothing: a new instance on the same database sends the mail the old one queued', async () => {
    const database = await sharedDatabase()
    const before = await context({ database })
    await seedAcme(before)
    const forgot = await browser(before.app).submit('/forgot-password', '/forgot-password', { email: MEMBER })
    expect(forgot.statusCode).toBe(200)
    await before.close()
    contexts.splice(contexts.indexOf(before), 1)

    const after = await context({ database })
    expect(after.mail.sent).toHaveLength(0)
    expect(await after.linkMailedTo(MEMBER)).toMatch(/\/reset-password\?token=/)
    expect(after.mail.sent.map((m) => m.to)).toEqual([MEMBER])
    expect(before.mail.sent).toHaveLength(0)
  })
})

describe(`two processes on one ${DIALECT === 'postgres' ? 'PostgreSQL' : 'SQLite'} database`, () => {
  it('claim each job once when they run at the same time, so each mail is sent once', async () => {
    const database = await sharedDatabase()
    const slow = () => {
      const mailer = capturingMailer()
      // Yield on every send so that the two runs interleave their claims.
      return {
        ...mailer,
        send: async (m: MailMessage) => {
          await new Promise((r) => setImmediate(r))
          await mailer.send(m)
        },
      }
    }
    const mailerA = slow()
    const mailerB = slow()
    const a = await context({ database, mailer: mailerA })
    const b = await context({ database, mailer: mailerB })
    const count = 60
    for (let i = 0; i < count; i++) await queue(i % 2 === 0 ? a : b, message(i))

    await Promise.all([a.runJobs(), b.runJobs(), a.runJobs(), b.runJobs()])

    const sent = [...mailerA.sent, ...mailerB.sent].map((m) => m.to).sort()
    expect(sent).toEqual(Array.from({ length: count }, (_, i) => message(i).to).sort())
    expect(new Set(sent).size).toBe(count)
    expect(await a.deps.store.jobs.list()).toEqual([])
  })

  it('never hand the same job to two claims made at once', async () => {
    const database = await sharedDatabase()
    const a = await context({ database })
    const b = await context({ database })
    const count = 40
    for (let i = 0; i < count; i++) await queue(a, message(i))
    const now = a.clock.now()
    const leaseUntil = addMs(now, LEASE_MS).toISOString()
    const claims = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).deps.store.jobs.claimDue(now.toISOString(), leaseUntil, 3)))
    const ids = claims.flat().map((j) => j.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBe(Math.min(count, 16 * 3))
  })
})

describe('the worker', () => {
  it('sends what is queued without being asked, and stops once the job in hand is done', async () => {
    let delivered!: (m: MailMessage) => void
    const sent = new Promise<MailMessage>((resolve) => (delivered = resolve))
    const ctx = await context({ mailer: { send: async (m) => delivered(m) } })
    const worker = startJobWorker(ctx.deps, { intervalMs: 10 })
    try {
      await queue(ctx, message(1))
      expect(await sent).toEqual(message(1))
    } finally {
      await worker.stop()
    }
    expect(await ctx.deps.store.jobs.list()).toEqual([])
  })
})
