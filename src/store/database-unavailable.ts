/**
 * "The database is not there right now": a refused or dropped connection, a server shutting down or
 * starting up, a pool that could not connect in time. Such a failure passes by itself once the
 * database is back, so the HTTP edge answers 503 with Retry-After instead of 500.
 */

/** Node's socket errors for a server that is down, restarting or unreachable. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'])
/**
 * SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down), and
 * lock_not_available (a lock_timeout the operator set ran out: the rows are busy, not the request wrong).
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '55P03'])
/** What pg says when the socket closes under it, or its pool could not hand out a client in time. */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
]

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SQLSTATES.has(code)) return true
    // SQLite's write lock still held by another connection when busy_timeout ran out (another process
    // on the same file: a backup, a CLI command, an operator's sqlite3 shell), with its extended codes.
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) return true
    // Class 08: connection exception (SQLSTATE is five characters; Node's codes are longer).
    if (/^08[0-9A-Z]{3}$/.test(code)) return true
  }
  const message = (error as { message?: unknown }).message
  return typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message))
}

/** A one-line description of a database error for logs: its code and pg's message, never the URL. */
export function describeDatabaseError(error: unknown): { code?: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  return { ...(typeof code === 'string' ? { code } : {}), message }
}
