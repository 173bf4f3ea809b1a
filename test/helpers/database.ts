/**
 * A fresh database for each test context: SQLite in memory by default; with
 * GATEHOUSE_TEST_DATABASE_URL=postgres://… a new schema in that database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { DatabaseConfig } from '../../src/config.js'

export const TEST_DATABASE_URL = process.env.GATEHOUSE_TEST_DATABASE_URL?.trim() || undefined
export const DIALECT: 'sqlite' | 'postgres' = TEST_DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'

export interface TestDatabase {
  readonly config: DatabaseConfig
  readonly searchPath?: string
  drop(): Promise<void>
}

/** `shared`: on SQLite a temporary file instead of memory, so that a second runtime (a restart, another process) can open it. */
export async function freshDatabase(options: { shared?: boolean } = {}): Promise<TestDatabase> {
  if (TEST_DATABASE_URL === undefined || DIALECT === 'sqlite') {
    if (options.shared !== true) return { config: { dialect: 'sqlite', path: ':memory:' }, drop: async () => {} }
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'))
    return { config: { dialect: 'sqlite', path: join(dir, 'gatehouse.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const schema = `gh_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  return {
    config: { dialect: 'postgres', url: TEST_DATABASE_URL },
    searchPath: schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await client.connect()
      await client.query(`drop schema ${schema} cascade`)
      await client.end()
    },
  }
}
