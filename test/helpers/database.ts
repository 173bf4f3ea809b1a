/**
 * A fresh database for each test context: SQLite in memory by default; with
 * GATEHOUSE_TEST_DATABASE_URL=postgres://… a new schema in that database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { DatabaseConfig } from '../../src/config.js'

export const TEST_DATABASE_URL = process.env.GATEHOUSE_TEST_DATABASE_URL?.trim() || undefined
export const DIALECT: 'sqlite' | 'postgres' = TEST_DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'

export interface TestDatabase {
  readonly config: DatabaseConfig
  readonly searchPath?: string
  drop(): Promise<void>
}

export async function freshDatabase(): Promise<TestDatabase> {
  if (TEST_DATABASE_URL === undefined || DIALECT === 'sqlite') {
    return { config: { dialect: 'sqlite', path: ':memory:' }, drop: async () => {} }
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
