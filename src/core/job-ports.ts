/** The durable job queue's storage contract (jobs/ runs it; store/job-repository.ts implements it). */
/** Background work to do (DESIGN §6): `kind` names the handler in jobs/, `payload` is its JSON input. */
export interface NewJob {
  readonly kind: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly runAt: string
}

/** A job this process holds a lease on: only the holder of `leaseToken` may finish or reschedule it. */
export interface ClaimedJob {
  readonly id: string
  readonly kind: string
  readonly payload: Readonly<Record<string, unknown>>
  /** Counting this one. */
  readonly attempts: number
  readonly leaseToken: string
  readonly createdAt: string
}

export interface JobRow {
  readonly id: string
  readonly kind: string
  readonly state: 'queued' | 'failed'
  readonly runAt: string
  readonly attempts: number
  readonly lastError: string | null
}

export interface JobStore {
  /** Written with the change that causes it: pass the transaction's stores. */
  enqueue(job: NewJob, now: string): Promise<string>
  /**
   * Leases up to `limit` due jobs until `leaseUntil`; a job leased by another process (and not
   * expired) is never returned, so each job runs in one process at a time.
   */
  claimDue(now: string, leaseUntil: string, limit: number): Promise<ClaimedJob[]>
  /** Deletes a finished job, if the lease is still ours. */
  complete(id: string, leaseToken: string): Promise<void>
  /** Releases the lease and sets when to try again, or marks the job failed for good. */
  release(id: string, leaseToken: string, outcome: { runAt: string; failed: boolean; error: string }, now: string): Promise<void>
  /** Oldest first, for operators and tests. */
  list(state?: 'queued' | 'failed'): Promise<JobRow[]>
  /** Jobs waiting (queued, due or not) and failed for good: the queue depth for /metrics. */
  countByState(): Promise<{ queued: number; failed: number }>
}

/** A periodic task's row: when it runs next, and the last run's outcome (for operators and tests). */
export interface ScheduledRun {
  readonly name: string
  readonly nextRunAt: string
  readonly leaseUntil: string | null
  readonly lastStartedAt: string | null
  readonly lastFinishedAt: string | null
  readonly lastError: string | null
}

/**
 * Periodic tasks (the daily certificate check, the metadata refresh) run once per deployment however
 * many processes look: a run needs the task row's lease, taken by one atomic conditional update.
 */
export interface ScheduledRunStore {
  /**
   * Takes the task's lease until `leaseUntil` when the task is due (its next run has come) and no live
   * lease holds it: the lease token, or undefined when another process has it or it is not due. The
   * first claim of a task creates its row, due at once.
   */
  claim(name: string, now: string, leaseUntil: string): Promise<string | undefined>
  /** Releases the lease and sets the next run, if the lease is still ours. */
  finish(name: string, leaseToken: string, outcome: { nextRunAt: string; error: string | null }, now: string): Promise<void>
  find(name: string): Promise<ScheduledRun | undefined>
}
