/**
 * The WAL checkpoint thread's entry (started by store/sqlite-checkpointer.ts): its own connection to
 * the database file runs `PRAGMA wal_checkpoint(PASSIVE)`, every `busyMs` while other connections
 * commit, backing off (doubling) to `idleMs` while nothing is written. Posts what it copied and any
 * error; on `{checkpointNow: id}` it checkpoints at once (and restarts the WAL when it copied all of
 * it) and answers `{settled: id}`; on 'stop' it
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

/** One PASSIVE checkpoint: whether another connection committed since the last look, and whether the whole WAL is now copied. */
const checkpoint = (): { written: boolean; complete: boolean } => {
  // Changes whenever another connection has committed since the last look: even a WAL that was
  // restarted and refilled to the same size counts as written.
  const version = db.pragma('data_version', { simple: true }) as number
  const written = version !== lastVersion
  lastVersion = version
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[]
  if (written && row !== undefined && row.checkpointed > 0) post({ checkpointed: row.checkpointed })
  return { written, complete: row !== undefined && row.busy === 0 && row.log > 0 && row.checkpointed === row.log }
}

/**
 * After a checkpoint that copied the whole WAL, the next commit starts the WAL again from the top, and
 * SQLite syncs the new WAL header before going on: an fsync inside that commit. Here that commit is
 * this thread's (the page-1 write of `user_version`, set to what it is), so the app's next commit
 * appends to a WAL already restarted, with no fsync of its own. When the app holds the write lock just
 * then (busy_timeout is 0 here), its own next commit restarts the WAL, as it would anyway.
 */
const restartLog = () => {
  try {
    const version = db.pragma('user_version', { simple: true }) as number
    db.pragma(`user_version = ${version}`)
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error
  }
}

const tick = () => {
  if (stopping) return
  try {
    delay = checkpoint().written ? busyMs : Math.min(idleMs, delay * 2)
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
        if (checkpoint().complete) restartLog()
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
