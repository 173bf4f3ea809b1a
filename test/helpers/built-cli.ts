/**
 * The built CLI as a real process (`node bin/gatehouse.js …`), for tests of what an operator runs:
 * build when dist/ is missing or older than src/, spawn with exactly the given environment, wait for
 * a line, stop with SIGTERM.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const ROOT = new URL('../..', import.meta.url).pathname
const BIN = join(ROOT, 'bin', 'gatehouse.js')

/** `npm run build` unless dist/cli.js is newer than every file under src/. */
export function ensureBuilt(): void {
  const built = join(ROOT, 'dist', 'cli.js')
  const newest = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
    entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs))
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, 'src'))) {
    execSync('npm run build', { cwd: ROOT, stdio: 'pipe', timeout: 170_000 })
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
    cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8') })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const waitFor = (pattern: RegExp, ms: number, what: string) => within(new Promise<string>((resolve, reject) => {
    const look = () => {
      const found = pattern.exec(stdout)?.[1]
      if (found !== undefined) resolve(found)
    }
    child.stdout.on('data', look)
    look()
    void exited.then((code) => reject(new Error(`exited ${code} before printing ${what}:\n${stdout}\n${stderr}`)))
  }), ms, what)
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
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms) })
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
