/**
 * The WAL checkpoint thread's entry (started by store/sqlite-checkpointer.ts): its own connection to
 * the database file runs `PRAGMA wal_checkpoint(PASSIVE)`, every `busyMs` while other connections
 * commit, backing off (doubling) to `idleMs` while nothing is written. Posts what it copied and any
 * error; on `{checkpointNow: id}` it checkpoints at once and answers `{settled: id}`; on 'stop' it
 * closes its connection and lets the thread end.
 */
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

export interface CheckpointWorkerData {
  readonly path: string
  readonly busyMs: number
  readonly idleMs: number
}

export type CheckpointWorkerMessage = { readonly checkpointed: number } | { readonly error: string } | { readonly settled: number }

/** What the app sends: a checkpoint now (answered with `settled`), or 'stop'. */
export type CheckpointWorkerRequest = { readonly checkpointNow: number } | 'stop'

const port = parentPort
if (port === null) throw new Error('checkpoint-worker.ts runs as a worker thread (store/sqlite-checkpointer.ts starts it)')
const { path, busyMs, idleMs } = workerData as CheckpointWorkerData
const post = (message: CheckpointWorkerMessage) => port.postMessage(message)

const db = new Database(path, { fileMustExist: true })
db.pragma('busy_timeout = 0')
let stopping = false
let timer: NodeJS.Timeout | undefined
let delay = busyMs
let lastVersion = -1

/** One PASSIVE checkpoint; true when another connection committed since the last look. */
const checkpoint = (): boolean => {
  // Changes whenever another connection has committed since the last look: even a WAL that was
  // restarted and refilled to the same size counts as written.
  const version = db.pragma('data_version', { simple: true }) as number
  const written = version !== lastVersion
  lastVersion = version
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { checkpointed: number }[]
  if (written && row !== undefined && row.checkpointed > 0) post({ checkpointed: row.checkpointed })
  return written
}

const tick = () => {
  if (stopping) return
  try {
    delay = checkpoint() ? busyMs : Math.min(idleMs, delay * 2)
  } catch (error) {
    post({ error: error instanceof Error ? error.message : String(error) })
    delay = idleMs
  }
  timer = setTimeout(tick, delay)
}
timer = setTimeout(tick, delay)

port.on('message', (message: CheckpointWorkerRequest) => {
  if (message !== 'stop') {
    if (!stopping) {
      try {
        checkpoint()
      } catch (error) {
        post({ error: error instanceof Error ? error.message : String(error) })
      }
    }
    post({ settled: message.checkpointNow })
    return
  }
  stopping = true
  clearTimeout(timer)
  db.close()
  port.close()
})
