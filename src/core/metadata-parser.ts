/**
 * IdP metadata is parsed in a worker thread, never on the event loop: an owner's document of
 * hostile shape would otherwise hold every other request for as long as xmldom takes (a 4 MB
 * document of 990 000 empty elements: ~9 s). One worker, one job at a time:
 *
 * - a job still running after `timeoutMs` (counted from when the worker is ready, so a cold start
 *   never counts) has its worker terminated and fails with `metadata_too_complex`; the next job
 *   starts a fresh worker. A worker that dies (its heap is capped by `maxHeapMb`) fails its job the
 *   same way.
 * - at most `maxQueued` jobs wait behind the running one; more are refused with `metadata_busy`,
 *   so repeated hostile posts cannot pile up documents in memory.
 * - a document over the byte limit is refused here, before it is copied to the worker.
 *
 * The worker is `saml/metadata-worker.ts`: from dist/ its compiled .js; from src/ (vitest, tsx)
 * the .ts itself, through tsx's loader registered in the thread first.
 */
import type { ResourceLimits, Worker } from 'node:worker_threads'
import type { MetadataJob, MetadataJobResult, ParsedIdpMetadata } from '../saml/idp-metadata-job.js'
import { MAX_METADATA_BYTES, MetadataError } from '../saml/idp-metadata.js'
import { startWorkerThread } from '../worker-thread.js'

export type { ParsedIdpMetadata } from '../saml/idp-metadata-job.js'

/** Parses IdP metadata (see parseIdpMetadata) without blocking the caller's thread. */
export type MetadataParser = (xml: string, options: { readonly entityId?: string | undefined; readonly now: Date }) => Promise<ParsedIdpMetadata>

export interface MetadataParserOptions {
  /** Default 2 000: the largest document within the limits takes ~0.1 s; real ones a few ms. */
  readonly timeoutMs?: number
  /** Default 4. */
  readonly maxQueued?: number
  /** The worker's old-generation heap, default 256 MiB (a document at the limits needs ~30). */
  readonly maxHeapMb?: number
}

export interface MetadataParserPool {
  readonly parse: MetadataParser
  /** Counters for tests, the bench and operators. */
  stats(): { readonly workersStarted: number; readonly timedOut: number; readonly crashed: number; readonly running: boolean; readonly queued: number }
  /** Ends the worker; jobs still waiting fail. */
  close(): Promise<void>
}

interface Pending {
  readonly job: MetadataJob
  readonly resolve: (metadata: ParsedIdpMetadata) => void
  readonly reject: (error: Error) => void
}

export function createMetadataParser(options: MetadataParserOptions = {}): MetadataParserPool {
  // Read at each job, so a test can widen the limit of a pool whose worker it had timed out.
  const timeoutMs = () => options.timeoutMs ?? 2_000
  const maxQueued = options.maxQueued ?? 4
  const resourceLimits: ResourceLimits = { maxOldGenerationSizeMb: options.maxHeapMb ?? 256 }
  const queue: Pending[] = []
  let worker: Worker | undefined
  let ready = false
  let running: Pending | undefined
  let timer: NodeJS.Timeout | undefined
  let nextId = 1
  let closed = false
  const counts = { workersStarted: 0, timedOut: 0, crashed: 0 }

  const settle = (): Pending | undefined => {
    clearTimeout(timer)
    timer = undefined
    const job = running
    running = undefined
    return job
  }

  const discardWorker = () => {
    const old = worker
    worker = undefined
    ready = false
    void old?.terminate()
  }

  const armTimer = () => {
    const limit = timeoutMs()
    timer = setTimeout(() => {
      counts.timedOut++
      discardWorker()
      settle()?.reject(
        new MetadataError(
          'metadata_too_complex',
          `Reading the metadata took longer than ${limit / 1000} s and was stopped: real IdP metadata takes milliseconds. Give your IdP's own metadata.`,
        ),
      )
      pump()
    }, limit)
  }

  const startWorker = (): Worker => {
    const w = spawnMetadataWorker(resourceLimits)
    counts.workersStarted++
    worker = w
    ready = false
    w.on('message', (message: MetadataJobResult | { ready: true }) => {
      if (w !== worker) return
      if ('ready' in message) {
        ready = true
        if (running !== undefined) armTimer()
        return
      }
      const job = settle()
      if (job !== undefined) {
        if (message.ok) job.resolve(message.metadata)
        else job.reject(message.code === undefined ? new Error(message.message) : new MetadataError(message.code, message.message))
      }
      pump()
    })
    const died = (reason: string) => {
      if (w !== worker) return
      const wasReady = ready
      discardWorker()
      const job = settle()
      if (job !== undefined) {
        counts.crashed++
        // Before `ready` the fault is ours (the worker could not load), not the document's.
        job.reject(
          wasReady
            ? new MetadataError(
                'metadata_too_complex',
                "Reading the metadata needed more memory than any real IdP metadata does and was stopped. Give your IdP's own metadata.",
              )
            : new Error(`The metadata worker could not start: ${reason}`),
        )
      }
      pump()
    }
    w.on('error', (error) => died(error.message))
    w.on('exit', (code) => died(`exited with code ${code}`))
    return w
  }

  const pump = () => {
    if (closed || running !== undefined) return
    const next = queue.shift()
    if (next === undefined) {
      worker?.unref()
      return
    }
    running = next
    const w = worker ?? startWorker()
    w.ref()
    w.postMessage(next.job)
    if (ready) armTimer()
  }

  return {
    parse: (xml, parseOptions) => {
      if (closed) return Promise.reject(new Error('The metadata parser is closed.'))
      // Same message as parseXml's: refused before the document is copied to the worker.
      if (Buffer.byteLength(xml, 'utf8') > MAX_METADATA_BYTES)
        return Promise.reject(new MetadataError('metadata_too_large', `The XML is larger than ${MAX_METADATA_BYTES} bytes.`))
      if (running !== undefined && queue.length >= maxQueued) {
        return Promise.reject(new MetadataError('metadata_busy', 'Gatehouse is reading other metadata documents right now; try again in a few seconds.'))
      }
      return new Promise<ParsedIdpMetadata>((resolve, reject) => {
        queue.push({ job: { id: nextId++, xml, entityId: parseOptions.entityId, now: parseOptions.now.getTime() }, resolve, reject })
        pump()
      })
    },
    stats: () => ({ ...counts, running: running !== undefined, queued: queue.length }),
    close: async () => {
      closed = true
      const error = new Error('The metadata parser is closed.')
      settle()?.reject(error)
      for (const pending of queue.splice(0)) pending.reject(error)
      const old = worker
      worker = undefined
      await old?.terminate()
    },
  }
}

let shared: MetadataParserPool | undefined

/**
 * The process's metadata parser: one worker for every runtime in the process (its idle worker does
 * not keep the process alive), started at the first document.
 */
export function sharedMetadataParser(): MetadataParserPool {
  shared ??= createMetadataParser()
  return shared
}

function spawnMetadataWorker(resourceLimits: ResourceLimits): Worker {
  return startWorkerThread(import.meta.url, '../saml/metadata-worker', { resourceLimits })
}
