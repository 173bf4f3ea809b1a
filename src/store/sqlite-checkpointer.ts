/**
 * WAL checkpoints off the request thread. With SQLite's default, the connection that commits the
 * write pushing the WAL past 1,000 pages copies the WAL into the database file and fsyncs it, inside
 * that request: stalls of 6–100 ms on a busy disk, the tail of the ACS's latency.
 *
 * Here a worker thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` every
 * `intervalMs` (it waits for no reader or writer: commits go on appending to the WAL meanwhile), and
 * the app's connection only checkpoints by itself past `BACKSTOP_PAGES` (if the worker fell behind or
 * is gone), so the WAL stays bounded whatever happens.
 *
 * Durability is SQLite's WAL durability either way: a commit is in the WAL before it returns; a
 * checkpoint only copies committed pages into the database file, and after a crash the next open
 * replays the WAL. Nothing is held in memory here.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** The app's own connection checkpoints only past this many WAL pages (~40 MB at 4 KiB pages). */
export const BACKSTOP_PAGES = 10_000
export const CHECKPOINT_INTERVAL_MS = 1_000

export interface Checkpointer {
  /** Checkpoints that copied at least one page so far (for tests). */
  readonly checkpoints: number
  /** Stops the timer and closes the worker's connection; resolves when the worker has exited. */
  stop(): Promise<void>
}

// CommonJS, evaluated in the worker (works the same from src/ under tsx and from dist/).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path, { fileMustExist: true })
db.pragma('busy_timeout = 0')
let stopping = false
const tick = () => {
  if (stopping) return
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)')
    if (row && row.checkpointed > 0) parentPort.postMessage({ checkpointed: row.checkpointed })
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) })
  }
}
const timer = setInterval(tick, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  stopping = true
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

export function startCheckpointer(path: string, options: { intervalMs?: number; onError?: (message: string) => void } = {}): Checkpointer {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { path, intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  })
  // Never what keeps the process alive.
  worker.unref()
  let checkpoints = 0
  worker.on('message', (message: { checkpointed?: number; error?: string }) => {
    if (message.checkpointed !== undefined) checkpoints++
    if (message.error !== undefined) options.onError?.(message.error)
  })
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve())
    worker.once('error', (error) => {
      options.onError?.(error.message)
      resolve()
    })
  })
  let stopped: Promise<void> | undefined
  return {
    get checkpoints() {
      return checkpoints
    },
    stop: () => {
      stopped ??= (worker.postMessage('stop'), exited)
      return stopped
    },
  }
}
