/**
 * Is the database ready to serve (/readyz)? Reachable, migrated to this code's latest migration, and
 * writable. Writable is proved by a real committed write of one row (`readiness_probe`): on SQLite a
 * write that is rolled back never reaches the file, so only a commit sees a read-only file or a full
 * disk. The reason names the failure by its code only: never the database address or a driver
 * message (which can carry it).
 */
import { sql } from 'kysely'
import type { Db } from './database.js'
import { migrations } from './migrations/index.js'

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string }

/** A database that does not answer within this is not ready (pg waits on a dead host for minutes). */
export const READINESS_TIMEOUT_MS = 5000

const KNOWN_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  '3D000': 'database does not exist',
  '28P01': 'authentication failed',
  '28000': 'authentication failed',
  '25006': 'read-only transaction',
  '53100': 'disk full',
  '53200': 'out of memory',
  '53300': 'too many connections',
  '57P01': 'server shutting down',
  '57P03': 'server starting up',
  SQLITE_READONLY: 'read-only database file',
  SQLITE_FULL: 'disk full',
  SQLITE_CANTOPEN: 'cannot open the database file',
  SQLITE_IOERR: 'I/O error',
  SQLITE_BUSY: 'database locked',
}

/** "disk full (SQLITE_FULL)": a fixed phrase and the driver's code, nothing from the message. */
export function describeDatabaseError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !/^[A-Z0-9_]{1,40}$/.test(code)) return 'unexpected error'
  const phrase = KNOWN_CODES[code] ?? KNOWN_CODES[code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1')]
  return phrase === undefined ? code : `${phrase} (${code})`
}

async function check(db: Db, now: string): Promise<Readiness> {
  try {
    await sql`select 1`.execute(db)
  } catch (error) {
    return { ready: false, reason: `database unreachable: ${describeDatabaseError(error)}` }
  }
  let applied: Set<string>
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db)
    applied = new Set(rows.rows.map((r) => r.name))
  } catch {
    return { ready: false, reason: 'database not migrated: no migrations applied' }
  }
  const pending = Object.keys(migrations).filter((name) => !applied.has(name))
  if (pending.length > 0) return { ready: false, reason: `database not migrated: ${pending.length} migration(s) pending, the first ${pending[0]}` }
  try {
    await db
      .insertInto('readiness_probe')
      .values({ id: 1, checked_at: now })
      .onConflict((c) => c.column('id').doUpdateSet({ checked_at: now }))
      .execute()
  } catch (error) {
    return { ready: false, reason: `database not writable: ${describeDatabaseError(error)}` }
  }
  return { ready: true }
}

export async function checkReadiness(db: Db, now: string, timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reason: `database did not answer within ${timeoutMs / 1000} s` }), timeoutMs)
  })
  try {
    return await Promise.race([check(db, now), timeout])
  } finally {
    clearTimeout(timer)
  }
}
