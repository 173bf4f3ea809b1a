/**
 * The metadata worker thread's entry (started by core/metadata-parser.ts): parses each posted
 * MetadataJob and posts back its MetadataJobResult, so a slow document holds this thread, never the
 * event loop that answers requests. Says `ready` once its modules are loaded, so the time limit of a
 * job never includes the thread's start.
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { runMetadataJob, type MetadataJob } from './idp-metadata-job.js'

const port = parentPort
if (port === null) throw new Error('metadata-worker.ts runs as a worker thread (core/metadata-parser.ts starts it)')
lowerThreadPriority()
port.on('message', (job: MetadataJob) => port.postMessage(runMetadataJob(job)))
port.postMessage({ ready: true })

/**
 * Nice 10 for this thread alone (Linux schedules threads, and /proc/thread-self names this one), so
 * on a busy machine the event loop thread gets the CPU before a document does. Elsewhere, or when
 * not allowed, the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const threadId = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1])
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 10)
  } catch {
    // not Linux, or not permitted: the same priority as the rest of the process
  }
}
