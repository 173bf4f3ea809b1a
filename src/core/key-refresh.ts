/**
 * How a key change made by one process (a rotation or retirement, by the CLI or the operator API)
 * reaches every other process on the same database: each process re-reads the active keys when its
 * copy is older than KEY_REFRESH_MS by its clock, so any request that starts at least that long
 * after the change was committed uses the new keys. No message between processes is needed, so it
 * works the same for any number of processes on PostgreSQL and for SQLite; the cost is one small
 * read (the few active key rows) per process every KEY_REFRESH_MS while requests come in.
 *
 * Rules of the copy (each one keeps the bound true):
 * - its age counts from when the read *started*: a read that began before a commit may miss it,
 *   and expires KEY_REFRESH_MS after it began, so before commit + KEY_REFRESH_MS;
 * - concurrent callers share one read (no burst of reads when the copy expires under load);
 * - a clock that moved backwards expires the copy (else it would never expire);
 * - `forget()` (this process changed the keys) discards the copy and any read already under way;
 * - a failed read is not kept: the next call reads again.
 */
import type { Clock } from './clock.js'

/** The documented bound (docs/architecture.md#signing-keys): every process uses a key change within it. */
export const KEY_REFRESH_MS = 5_000

export interface RefreshingValue<T> {
  /** The value, read afresh when the copy is KEY_REFRESH_MS old (or forgotten). */
  get(): Promise<T>
  /** This process changed the keys: the next `get()` reads them. */
  forget(): void
}

export function refreshingValue<T>(clock: Clock, maxAgeMs: number, read: () => Promise<T>): RefreshingValue<T> {
  let copy: { value: T; readAt: number; seq: number } | undefined
  let pending: { promise: Promise<T>; readAt: number; generation: number } | undefined
  let generation = 0
  let reads = 0
  const young = (readAt: number, now: number) => now >= readAt && now - readAt < maxAgeMs
  return {
    get: () => {
      const now = clock.now().getTime()
      if (copy !== undefined && young(copy.readAt, now)) return Promise.resolve(copy.value)
      // A read under way is shared only while it is young too (a read stuck for longer may predate a change).
      if (pending !== undefined && pending.generation === generation && young(pending.readAt, now)) return pending.promise
      const started = { readAt: now, generation, seq: ++reads }
      const promise = read()
        .then((value) => {
          // Kept unless forgotten since, or a read started later has finished first.
          if (started.generation === generation && (copy === undefined || copy.seq < started.seq)) copy = { value, readAt: started.readAt, seq: started.seq }
          return value
        })
        .finally(() => {
          if (pending?.promise === promise) pending = undefined
        })
      pending = { promise, readAt: started.readAt, generation: started.generation }
      return promise
    },
    forget: () => {
      generation += 1
      copy = undefined
      pending = undefined
    },
  }
}
