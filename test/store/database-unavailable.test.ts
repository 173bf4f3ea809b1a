/**
 * Which database failures are an outage (503 database_unavailable, retried at start) and which are
 * not (a wrong password, a bad query: answered or reported as they are), and the start-up back-off.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { Database } from '../../src/store/schema.js'
import { isDatabaseUnavailable } from '../../src/store/database-unavailable.js'
import { DatabaseStartTimeout, waitForDatabase } from '../../src/store/wait-for-database.js'

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code })

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ['an administrator shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a crash shutdown (57P02)', withCode('57P02')],
    ['a server starting up or shutting down (57P03)', withCode('57P03', 'the database system is shutting down')],
    ['a connection exception (08006)', withCode('08006')],
    ['a connection closed under a query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a client broken by an earlier connection error', new Error('Client has encountered a connection error and is not queryable')],
    ['a lock_timeout run out (55P03)', withCode('55P03', 'canceling statement due to lock timeout')],
    ["SQLite's write lock held past busy_timeout", withCode('SQLITE_BUSY', 'database is locked')],
    ["SQLite's busy snapshot", withCode('SQLITE_BUSY_SNAPSHOT')],
  ])('counts %s as the database being unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true)
  })

  it.each([
    ['a wrong password (28P01)', withCode('28P01')],
    ['a missing database (3D000)', withCode('3D000')],
    ['a unique violation (23505)', withCode('23505')],
    ['a syntax error (42601)', withCode('42601')],
    ['a SQLite constraint failure', withCode('SQLITE_CONSTRAINT_UNIQUE')],
    ['a SQLite code that only starts alike', withCode('SQLITE_BUSYNESS')],
    ['an unknown host', withCode('ENOTFOUND')],
    ['a plain bug', new TypeError('x is undefined')],
    ['a thrown string', 'boom'],
    ['nothing', undefined],
  ])('does not count %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false)
  })
})

describe('waitForDatabase', () => {
  /** A pool on a port nothing listens on: every try is refused at once. */
  const refusing = () =>
    new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://gh:secret-pw@127.0.0.1:1/gh' }) }) })

  it('retries with back-off from 0.5 s doubling to 5 s, then gives up naming the timeout', async () => {
    const db = refusing()
    let clock = 0
    const waits: number[] = []
    try {
      const error = await waitForDatabase(db, {
        timeoutMs: 20_000,
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms)
          clock += ms
        },
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DatabaseStartTimeout)
      expect((error as Error).message).toMatch(/^no answer within 20 s \(GATEHOUSE_DATABASE_START_TIMEOUT\) after 8 tries: connect ECONNREFUSED/)
      expect((error as Error).message).not.toContain('secret-pw')
      expect(waits).toEqual([500, 1000, 2000, 4000, 5000, 5000, 2500])
    } finally {
      await db.destroy()
    }
  })

  it('tries once when the timeout is 0', async () => {
    const db = refusing()
    const waits: number[] = []
    try {
      await expect(waitForDatabase(db, { timeoutMs: 0, sleep: async (ms) => void waits.push(ms) })).rejects.toThrow(/after 1 try:/)
      expect(waits).toEqual([])
    } finally {
      await db.destroy()
    }
  })
})
