/**
 * Periodic tasks, each run once per deployment however many processes there are (DESIGN §6, §7):
 * every process looks every LOOK_EVERY_MS, and the one that takes the task's lease (store
 * scheduled_runs, an atomic conditional update) runs it and sets its next run; the others find it
 * leased or not due and do nothing. A process that dies mid-run leaves the lease to expire
 * (PERIODIC_LEASE_MS), after which another runs the task; a failed run is tried again after the
 * task's `retryMs`. What a task does must be safe to do twice anyway (the certificate check keeps
 * what it sent: core/certificate-expiry.ts), since a lease can outlive nothing but a stuck process.
 */
import { addMs, days, hours, minutes } from '../core/clock.js'
import { checkCertificateExpiry } from '../core/certificate-expiry.js'
import { refreshIdpMetadata } from '../core/metadata-refresh.js'
import type { JobDeps } from './job-kind.js'

export interface PeriodicTask {
  readonly name: string
  /** From the start of one run to the next. */
  readonly everyMs: number
  /** From a failed run to the next try. */
  readonly retryMs: number
  run(deps: JobDeps): Promise<void>
}

export const LOOK_EVERY_MS = minutes(1)
export const PERIODIC_LEASE_MS = minutes(30)

/** `certificate_check`: daily, the IdP certificates' 30/7/1-day and expired notices. */
export const certificateCheck: PeriodicTask = {
  name: 'certificate_check',
  everyMs: days(1),
  retryMs: hours(1),
  run: async (deps) => {
    const sent = await checkCertificateExpiry(deps)
    if (sent.length > 0) deps.logger.info({ notices: sent }, 'IdP certificate notices sent')
  },
}

/** `metadata_refresh`: hourly, re-reads the IdP metadata of connections configured by URL. */
export const metadataRefresh: PeriodicTask = {
  name: 'metadata_refresh',
  everyMs: hours(1),
  retryMs: minutes(10),
  run: async (deps) => {
    for (const outcome of await refreshIdpMetadata(deps)) {
      if (!outcome.ok) deps.logger.warn({ ssoName: outcome.ssoName, error: outcome.error }, 'IdP metadata refresh failed; keeping the last good configuration')
    }
  },
}

export const PERIODIC_TASKS: readonly PeriodicTask[] = [certificateCheck, metadataRefresh]

/** Runs each task that is due and not held by another process; the names of those this call ran. */
export async function runDuePeriodicTasks(deps: JobDeps, tasks: readonly PeriodicTask[] = PERIODIC_TASKS): Promise<string[]> {
  const ran: string[] = []
  for (const task of tasks) {
    const started = deps.clock.now()
    const leaseToken = await deps.store.scheduledRuns.claim(task.name, started.toISOString(), addMs(started, PERIODIC_LEASE_MS).toISOString())
    if (leaseToken === undefined) continue
    ran.push(task.name)
    try {
      await task.run(deps)
      await deps.store.scheduledRuns.finish(
        task.name,
        leaseToken,
        { nextRunAt: addMs(started, task.everyMs).toISOString(), error: null },
        deps.clock.now().toISOString(),
      )
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const at = deps.clock.now()
      deps.logger.error({ task: task.name, error: message }, 'periodic task failed; will retry')
      await deps.store.scheduledRuns.finish(task.name, leaseToken, { nextRunAt: addMs(at, task.retryMs).toISOString(), error: message }, at.toISOString())
    }
  }
  return ran
}

export interface PeriodicRunner {
  stop(): Promise<void>
}

/** What `gatehouse start` runs: a look every `intervalMs`, never two looks at once in one process. */
export function startPeriodicTasks(deps: JobDeps, options: { intervalMs?: number; tasks?: readonly PeriodicTask[] } = {}): PeriodicRunner {
  let stopped = false
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  const tick = () => {
    running = runDuePeriodicTasks(deps, options.tasks)
      .then(
        () => undefined,
        (error: unknown) => deps.logger.error({ err: error }, 'periodic tasks failed'),
      )
      .finally(() => {
        running = undefined
        if (!stopped) timer = setTimeout(tick, options.intervalMs ?? LOOK_EVERY_MS).unref()
      })
  }
  timer = setTimeout(tick, options.intervalMs ?? LOOK_EVERY_MS).unref()
  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
