/**
 * The background worker the composition root starts (cli.ts start): runs due jobs, then waits a
 * short interval and looks again. `stop()` takes no new job and waits for the one in hand, at most
 * STOP_WAIT_MS (shutdown is bounded); a job cut short keeps its lease and runs again once it ends.
 */
import { runDueJobs, type RunOptions } from './run-due-jobs.js'
import type { JobDeps } from './job-kind.js'

export const POLL_INTERVAL_MS = 1000
export const STOP_WAIT_MS = 10_000

export interface JobWorker {
  stop(): Promise<void>
}

export function startJobWorker(deps: JobDeps, options: Omit<RunOptions, 'signal'> & { intervalMs?: number } = {}): JobWorker {
  const stopping = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const tick = () => {
    running = runDueJobs(deps, { ...options, signal: stopping.signal })
      .then(
        () => undefined,
        (error: unknown) => deps.logger.error({ err: error }, 'job run failed'),
      )
      .finally(() => {
        running = undefined
        if (!stopping.signal.aborted) timer = setTimeout(tick, options.intervalMs ?? POLL_INTERVAL_MS)
      })
  }
  timer = setTimeout(tick, 0)
  return {
    stop: async () => {
      stopping.abort()
      clearTimeout(timer)
      let waited: NodeJS.Timeout | undefined
      await Promise.race([running, new Promise<void>((resolve) => (waited = setTimeout(resolve, STOP_WAIT_MS).unref()))])
      clearTimeout(waited)
    },
  }
}
