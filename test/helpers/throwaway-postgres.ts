/**
 * A PostgreSQL cluster of a test's own (never the shared one), so the test may stop, kill and
 * restart it. Debian's server binaries; initdb refuses to run as root, so as root it runs as the
 * `postgres` user. Trust authentication on 127.0.0.1 and a socket in the cluster's own directory.
 */
import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from './built-cli.js'

const run = promisify(execFile)
export const PG_BIN = '/usr/lib/postgresql/15/bin'

export function postgresBinariesPresent(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'))
}

export interface ThrowawayPostgres {
  readonly port: number
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres (trust auth: the password is only there to prove it never leaks). */
  url(password: string): string
  start(): Promise<void>
  stop(mode: 'fast' | 'immediate'): Promise<void>
  /** Ends every other client backend (as an administrator or a proxy would); returns how many. */
  terminateBackends(): Promise<number>
  /** Stops the cluster if running and removes its directory; safe to call twice. */
  remove(): Promise<void>
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])])
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

export async function createThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-pg-'))
  const data = join(dir, 'data')
  const user = await postgresUser()
  if (user !== undefined) chownSync(dir, user.uid, user.gid)
  const asOwner = (binary: string, args: string[]) =>
    user === undefined ? run(join(PG_BIN, binary), args) : run('runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args])
  const port = await freePort()
  let running = false
  let removed = false
  try {
    await asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  // fsync=off: a stopped or killed server (not a power cut) keeps every committed write in the OS.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const cluster: ThrowawayPostgres = {
    port,
    url: (password) => `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async start() {
      await asOwner('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start'])
      running = true
    },
    async stop(mode) {
      await asOwner('pg_ctl', ['-D', data, '-w', '-t', '30', 'stop', '-m', mode])
      running = false
    },
    async terminateBackends() {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
      await client.connect()
      try {
        const result = await client.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
        )
        return result.rowCount ?? 0
      } finally {
        await client.end()
      }
    },
    async remove() {
      if (removed) return
      removed = true
      if (running) await cluster.stop('immediate').catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return cluster
}
