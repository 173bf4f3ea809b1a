/**
 * Periodic tasks run once per deployment (jobs/periodic.ts): two Gatehouse processes on one database
 * (a shared SQLite file, or one PostgreSQL schema), each looking for due tasks, run the daily
 * certificate check once a day between them; a process that dies mid-run leaves its lease to
 * expire; a failed run is retried later with its error kept. And should two checks ever run at once,
 * the owners are still told once: the notice's primary key decides.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkCertificateExpiry } from '../../src/core/certificate-expiry.js'
import { addMs, days, hours, minutes } from '../../src/core/clock.js'
import { certificateCheck, PERIODIC_LEASE_MS, runDuePeriodicTasks, startPeriodicTasks, type PeriodicTask } from '../../src/jobs/periodic.js'
import { DIALECT, freshDatabase, type TestDatabase } from '../helpers/database.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { acmeWithIdp, eventsOf, expiringOn20270101 } from './certificate-support.js'

let database: TestDatabase
let a: TestContext
let b: TestContext

beforeEach(async () => {
  database = await freshDatabase({ shared: true })
  a = await createTestContext({ database, now: '2026-12-03T06:00:00.000Z' })
  b = await createTestContext({ database, now: '2026-12-03T06:00:00.000Z' })
  await acmeWithIdp(a, [(await expiringOn20270101()).certificatePem])
}, 30_000)
afterEach(async () => {
  await b?.close()
  await a?.close()
  await database?.drop()
})

/** Both processes' clocks move together. */
function advance(ms: number) {
  a.clock.advance(ms)
  b.clock.advance(ms)
}

const certificateMail = async () => [...(await a.sentMail()), ...(await b.sentMail())].filter((m) => /certificate/.test(m.subject))

describe('the daily certificate check on two processes', () => {
  it('runs once a day between them, and tells the owners once', async () => {
    const ran = await Promise.all([runDuePeriodicTasks(a.deps, [certificateCheck]), runDuePeriodicTasks(b.deps, [certificateCheck])])
    expect(ran.flat()).toEqual(['certificate_check'])
    expect(await certificateMail()).toHaveLength(2)
    expect(await eventsOf(a, 'sso.certificate_expiring')).toHaveLength(1)

    for (const step of [minutes(1), hours(12), hours(12) - minutes(2)]) {
      advance(step)
      expect(await Promise.all([runDuePeriodicTasks(a.deps, [certificateCheck]), runDuePeriodicTasks(b.deps, [certificateCheck])])).toEqual([[], []])
    }
    advance(minutes(1))
    const next = await Promise.all([runDuePeriodicTasks(b.deps, [certificateCheck]), runDuePeriodicTasks(a.deps, [certificateCheck])])
    expect(next.flat()).toEqual(['certificate_check'])
    expect(await certificateMail()).toHaveLength(2)
    expect(await a.deps.store.scheduledRuns.find('certificate_check')).toMatchObject({
      nextRunAt: addMs(a.clock.now(), days(1)).toISOString(),
      leaseUntil: null,
      lastError: null,
    })
  })

  it('tells the owners once even when two checks run at the same moment', async () => {
    // PostgreSQL: truly at once, the primary key decides. SQLite: one writer at a time, and in one
    // test process a second connection's busy wait would block the first's commit: one after the other.
    const sent =
      DIALECT === 'postgres'
        ? await Promise.all([checkCertificateExpiry(a.deps), checkCertificateExpiry(b.deps)])
        : [await checkCertificateExpiry(a.deps), await checkCertificateExpiry(b.deps)]
    expect(sent.flat().map((s) => s.notice)).toEqual(['30d'])
    expect(await certificateMail()).toHaveLength(2)
    expect(await eventsOf(b, 'sso.certificate_expiring')).toHaveLength(1)
  })

  it('are run once by the runners both processes start', async () => {
    const runs: string[] = []
    const task: PeriodicTask = { name: 'counted', everyMs: days(1), retryMs: hours(1), run: async () => void runs.push('run') }
    const runners = [startPeriodicTasks(a.deps, { intervalMs: 5, tasks: [task] }), startPeriodicTasks(b.deps, { intervalMs: 5, tasks: [task] })]
    await sleep(300)
    await Promise.all(runners.map((r) => r.stop()))
    expect(runs).toEqual(['run'])
  })
})

describe('a periodic task', () => {
  it('left mid-run by a process that died runs again once its lease has expired, not before', async () => {
    const started = a.clock.now()
    expect(await a.deps.store.scheduledRuns.claim('certificate_check', started.toISOString(), addMs(started, PERIODIC_LEASE_MS).toISOString())).toBeDefined()
    // A dies here: no finish.
    advance(PERIODIC_LEASE_MS - 1)
    expect(await runDuePeriodicTasks(b.deps, [certificateCheck])).toEqual([])
    expect(await certificateMail()).toHaveLength(0)
    advance(1)
    expect(await runDuePeriodicTasks(b.deps, [certificateCheck])).toEqual(['certificate_check'])
    expect(await certificateMail()).toHaveLength(2)
  })

  it('that fails is tried again after its retry delay, with the error kept, and then on its schedule', async () => {
    let fail = true
    const task: PeriodicTask = {
      name: 'flaky',
      everyMs: days(1),
      retryMs: hours(1),
      run: async () => {
        if (fail) throw new Error('metadata host down')
      },
    }
    expect(await runDuePeriodicTasks(a.deps, [task])).toEqual(['flaky'])
    expect(await a.deps.store.scheduledRuns.find('flaky')).toMatchObject({
      lastError: 'metadata host down',
      nextRunAt: addMs(a.clock.now(), hours(1)).toISOString(),
    })
    expect(a.logs()).toContain('periodic task failed; will retry')
    advance(hours(1) - 1)
    expect(await runDuePeriodicTasks(b.deps, [task])).toEqual([])
    advance(1)
    fail = false
    expect(await runDuePeriodicTasks(b.deps, [task])).toEqual(['flaky'])
    expect(await a.deps.store.scheduledRuns.find('flaky')).toMatchObject({ lastError: null, nextRunAt: addMs(b.clock.now(), days(1)).toISOString() })
  })
})
