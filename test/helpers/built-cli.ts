/**
 * The built CLI as a real process (`node bin/gatehouse.js …`), for tests of what an operator runs:
 * build when dist/ does not match src/, spawn with exactly the given environment, wait for
 * a line, stop with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ensureBuilt as ensureDist } from '../../scripts/dist.mjs'

export const ROOT = new URL('../..', import.meta.url).pathname
const BIN = join(ROOT, 'bin', 'gatehouse.js')

/**
 * Builds dist/ unless it was built from exactly this src/ (scripts/dist.mjs compares a hash of the
 * sources with the one `npm run build` stamped into dist/): an edit, another commit's dist/ or a
 * dist/ copied from elsewhere all rebuild, so a test never starts stale code.
 */
export function ensureBuilt(): void {
  try {
    ensureDist(ROOT, { stdio: 'pipe' })
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString('utf8') ?? ''
    throw new Error(`building dist/ failed: ${(error as Error).message}\n${output}`, { cause: error })
  }
}

export interface CliProcess {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  /** The first group of `pattern` once it shows in stdout; fails if the process exits first or `ms` pass. */
  waitFor(pattern: RegExp, ms: number, what: string): Promise<string>
  readonly stdout: () => string
  readonly stderr: () => string
  /** SIGTERM, then SIGKILL after `ms`; resolves to the exit code (null when killed). */
  stop(ms?: number): Promise<number | null>
}

/** Starts the CLI with exactly `env` (plus PATH and HOME), never the test runner's environment. */
export function spawnCli(args: readonly string[], cwd: string, env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const waitFor = (pattern: RegExp, ms: number, what: string) =>
    within(
      new Promise<string>((resolve, reject) => {
        const look = () => {
          const found = pattern.exec(stdout)?.[1]
          if (found !== undefined) resolve(found)
        }
        child.stdout.on('data', look)
        look()
        void exited.then((code) => reject(new Error(`exited ${code} before printing ${what}:\n${stdout}\n${stderr}`)))
      }),
      ms,
      what,
    )
  const stop = async (ms = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    try {
      return await exited
    } finally {
      clearTimeout(timer)
    }
  }
  return { child, exited, waitFor, stdout: () => stdout, stderr: () => stderr, stop }
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it; the probe is closed before returning). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
