/**
 * A fresh database of the dialect under test (a SQLite file in a temporary folder, or a PostgreSQL
 * database of its own) and the environment for built server processes to share it with the test.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { DatabaseConfig } from '../../src/config.js'
import { freePort, ROOT, spawnCli } from './built-cli.js'
import { DIALECT, TEST_DATABASE_URL } from './database.js'

export interface Deployment {
  readonly env: Record<string, string>
  readonly database: DatabaseConfig
  drop(): Promise<void>
}

async function adminSql(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** `name` prefixes the database or folder (lower-case letters and _); `adminToken` is the operator's. */
export async function processDeployment(name: string, adminToken: string): Promise<Deployment> {
  const env = {
    GATEHOUSE_BASE_URL: 'http://gatehouse.test',
    GATEHOUSE_ADMIN_TOKEN: adminToken,
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
    GATEHOUSE_LOG_LEVEL: 'warn',
  }
  if (DIALECT === 'postgres') {
    const database = `gh_${name}_${randomBytes(4).toString('hex')}`
    await adminSql(`create database ${database}`)
    const url = new URL(TEST_DATABASE_URL!)
    url.pathname = `/${database}`
    return {
      env: { ...env, GATEHOUSE_DATABASE_URL: url.toString() },
      database: { dialect: 'postgres', url: url.toString() },
      drop: () => adminSql(`drop database if exists ${database} with (force)`),
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `gh-${name}-`))
  const path = join(dir, 'gatehouse.db')
  return {
    env: { ...env, GATEHOUSE_DATABASE_URL: `sqlite:${path}`, GATEHOUSE_DATA_DIR: dir },
    database: { dialect: 'sqlite', path },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

export interface ServerProcess {
  readonly child: ChildProcess
  readonly port: number
  /** The operator API's base: http://127.0.0.1:{port}/api/v1 */
  readonly api: string
  stderr(): string
}

/** A built server (`gatehouse start`) on the deployment's database, once /readyz answers. */
export async function startServerProcess(d: Deployment): Promise<ServerProcess> {
  const port = await freePort()
  const { child, stderr } = spawnCli(['start'], ROOT, { ...d.env, GATEHOUSE_PORT: String(port), GATEHOUSE_HOST: '127.0.0.1' })
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.ok)
      .catch(() => false)
    if (ok) return { child, port, api: `http://127.0.0.1:${port}/api/v1`, stderr }
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`the server did not become ready: ${stderr()}`)
}
