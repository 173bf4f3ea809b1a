/**
 * Runs every job due now, a batch at a time, each under a lease (store/job-repository.ts claimDue):
 * a finished job is deleted; a failed one is released to run again after a back-off, or kept as
 * `failed` once its attempts run out. The worker (jobs/worker.ts) calls this on a short interval;
 * tests call it directly with their clock.
 *
 * The lease outlasts a job's time limit by far, so a job still running is never claimed by another
 * process; a process that dies mid-job leaves its lease to expire, and the job runs again then.
 * Logs name the job, never its payload (mail bodies carry single-use links).
 */
import { addMs, minutes } from '../core/clock.js'
import { secondsSince } from '../core/metrics.js'
import { MAX_ATTEMPTS, retryDelayMs } from './back-off.js'
import type { JobDeps, JobKind } from './job-kind.js'
import { JOB_KINDS } from './kinds.js'

export const LEASE_MS = minutes(10)
/** A job that runs longer is counted as failed (SMTP timeouts are shorter: mail/smtp-mailer.ts). */
export const JOB_TIME_LIMIT_MS = minutes(2)
const BATCH = 10

export interface RunOptions {
  readonly kinds?: ReadonlyMap<string, JobKind>
  /** Stops between jobs once aborted (shutdown). */
  readonly signal?: AbortSignal
}

export interface RunSummary {
  readonly done: number
  readonly retried: number
  readonly failed: number
}

export async function runDueJobs(deps: JobDeps, options: RunOptions = {}): Promise<RunSummary> {
  const kinds = options.kinds ?? JOB_KINDS
  const summary = { done: 0, retried: 0, failed: 0 }
  const started = performance.now()
  while (options.signal?.aborted !== true) {
    const now = deps.clock.now()
    const leaseUntil = addMs(now, LEASE_MS).toISOString()
    const claimed = await deps.store.jobs.claimDue(now.toISOString(), leaseUntil, BATCH)
    if (claimed.length === 0) break
    for (const job of claimed) {
      try {
        const kind = kinds.get(job.kind)
        if (kind === undefined) throw new Error(`no handler for job kind ${job.kind}`)
        await withTimeLimit(kind.run(deps, job.payload), JOB_TIME_LIMIT_MS)
        await deps.store.jobs.complete(job.id, job.leaseToken)
        summary.done++
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        const failed = job.attempts >= MAX_ATTEMPTS
        const at = deps.clock.now()
        const backOff = addMs(at, retryDelayMs(job.attempts)).toISOString()
        // A job over its time limit may still be running here: nobody takes it before the lease ends.
        const runAt = error instanceof TimeLimitError && leaseUntil > backOff ? leaseUntil : backOff
        await deps.store.jobs.release(job.id, job.leaseToken, { runAt, failed, error: message }, at.toISOString())
        if (failed) {
          summary.failed++
          deps.logger.error({ job: { id: job.id, kind: job.kind, attempts: job.attempts }, error: message }, 'job failed for good; kept as failed')
        } else {
          summary.retried++
          deps.logger.warn({ job: { id: job.id, kind: job.kind, attempts: job.attempts, retryAt: runAt }, error: message }, 'job failed; will retry')
        }
      }
    }
  }
  deps.metrics.periodicJob('job_queue', secondsSince(started), summary.done + summary.retried + summary.failed)
  return summary
}

class TimeLimitError extends Error {
  override name = 'TimeLimitError'
}

function withTimeLimit<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeLimitError(`timed out after ${ms / 1000} s`)), ms)
    timer.unref()
  })
  return Promise.race([work, limit]).finally(() => clearTimeout(timer))
}
