/**
 * WAL checkpoints off the request thread. With SQLite's default, the connection that commits the
 * write pushing the WAL past 1,000 pages copies the WAL into the database file and fsyncs it, inside
 * that request: a stall as long as the disk takes, in the tail of the ACS's latency.
 *
 * Here a worker thread (store/checkpoint-worker.ts) with its own connection runs
 * `PRAGMA wal_checkpoint(PASSIVE)` (it waits for no reader or writer: commits go on appending to the
 * WAL meanwhile), and the app's connection only checkpoints by itself past `BACKSTOP_PAGES`, so the
 * WAL stays bounded whatever happens.
 *
 * How often matters more than it seems. A PASSIVE checkpoint copies the frames that were in the WAL
 * when it began; under sustained writes the app appends more while it runs, so the WAL is never
 * completely copied at the moment a write begins, SQLite never restarts it from the top, and it grows
 * to the backstop: the app's connection then checkpoints inside a request after all, costing whatever
 * the worker has not yet synced and copied. Checked once a second, that was a second of writes. So
 * the worker checks every `BUSY_INTERVAL_MS` while the WAL is growing, leaving the backstop only the
 * last few milliseconds of writes, and backs off, doubling, to `IDLE_INTERVAL_MS` while nothing is
 * written. Measured with and without: docs/PERFORMANCE.md.
 *
 * Durability is SQLite's WAL durability either way: a commit is in the WAL before it returns; a
 * checkpoint only copies committed pages into the database file, and after a crash the next open
 * replays the WAL. Nothing is held in memory here.
 */
import { startWorkerThread } from '../worker-thread.js'
import type { CheckpointWorkerData, CheckpointWorkerMessage, CheckpointWorkerRequest } from './checkpoint-worker.js'

/** The app's own connection checkpoints only past this many WAL pages (~40 MB at 4 KiB pages). */
export const BACKSTOP_PAGES = 10_000
/** Between checks while the app is writing, ms. */
export const BUSY_INTERVAL_MS = 50
/** The longest wait between checks once nothing is being written, ms. */
export const IDLE_INTERVAL_MS = 1_000

export interface Checkpointer {
  /** Checkpoints that copied at least one page so far (for tests). */
  readonly checkpoints: number
  /**
   * Checkpoints now, in the worker, and resolves when that checkpoint is done (never rejects: a
   * failure is reported through onError). Bulk writers (the expiry sweep) await this between
   * batches: with the app's writes paused the checkpoint copies the whole WAL, so the next commit
   * starts the WAL again from the top instead of growing it to the backstop.
   */
  checkpointNow(): Promise<void>
  /** Stops the timer and closes the worker's connection; resolves when the worker has exited. */
  stop(): Promise<void>
}

export interface CheckpointerOptions {
  /** Between checks while the WAL grows (default BUSY_INTERVAL_MS). */
  readonly intervalMs?: number
  /** The longest wait between checks while nothing is written (default IDLE_INTERVAL_MS). */
  readonly idleIntervalMs?: number
  readonly onError?: (message: string) => void
}

export function startCheckpointer(path: string, options: CheckpointerOptions = {}): Checkpointer {
  const busyMs = options.intervalMs ?? BUSY_INTERVAL_MS
  const workerData: CheckpointWorkerData = { path, busyMs, idleMs: Math.max(busyMs, options.idleIntervalMs ?? IDLE_INTERVAL_MS) }
  const worker = startWorkerThread(import.meta.url, './checkpoint-worker', { workerData })
  // Never what keeps the process alive.
  worker.unref()
  let checkpoints = 0
  let nextRequest = 0
  const waiting = new Map<number, () => void>()
  const settleAll = () => {
    for (const resolve of waiting.values()) resolve()
    waiting.clear()
  }
  worker.on('message', (message: CheckpointWorkerMessage) => {
    if ('checkpointed' in message) checkpoints++
    else if ('error' in message) options.onError?.(message.error)
    else {
      waiting.get(message.settled)?.()
      waiting.delete(message.settled)
    }
  })
  let gone = false
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      gone = true
      settleAll()
      resolve()
    })
    worker.once('error', (error) => {
      gone = true
      options.onError?.(error.message)
      settleAll()
      resolve()
    })
  })
  let stopped: Promise<void> | undefined
  return {
    get checkpoints() {
      return checkpoints
    },
    checkpointNow: () => {
      if (gone || stopped !== undefined) return Promise.resolve()
      const id = nextRequest++
      return new Promise<void>((resolve) => {
        waiting.set(id, resolve)
        const request: CheckpointWorkerRequest = { checkpointNow: id }
        worker.postMessage(request)
      })
    },
    stop: () => {
      if (stopped === undefined) {
        // Held open until it has closed its connection: whoever awaits this must see it happen (an
        // unref'd worker would let the process end first, with the await never settled).
        if (!gone) worker.ref()
        worker.postMessage('stop' satisfies CheckpointWorkerRequest)
        stopped = exited
      }
      return stopped
    },
  }
}
