/**
 * A production install as docs/deploy.md §1 gives it: `npm ci && npm run build && npm prune
 * --omit=dev`, then `npm start`, which runs the built dist/ with no devDependency installed (no
 * TypeScript, no tsx, no vitest). The tree is this checkout's files with node_modules hard-linked
 * (npm prune only unlinks; the one file npm rewrites is copied).
 */
import { execFileSync, spawn } from 'node:child_process'
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, freePort, ROOT, within } from './helpers/built-cli.js'

let tree: string

beforeAll(() => {
  ensureBuilt()
  tree = mkdtempSync(join(tmpdir(), 'gatehouse-production-'))
  for (const entry of ['package.json', 'package-lock.json', 'bin', 'dist', 'scripts', 'src', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(ROOT, entry), join(tree, entry), { recursive: true })
  }
  execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(tree, 'node_modules')])
  unlinkSync(join(tree, 'node_modules', '.package-lock.json'))
  copyFileSync(join(ROOT, 'node_modules', '.package-lock.json'), join(tree, 'node_modules', '.package-lock.json'))
  execFileSync('npm', ['prune', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: tree,
    stdio: 'pipe',
    env: { ...process.env, npm_config_loglevel: 'error' },
  })
}, 120_000)
afterAll(() => rmSync(tree, { recursive: true, force: true }))

/** `npm start` in the tree: with `until`, polled until it holds, then SIGTERM; without, left to exit by itself. */
async function npmStart(port: number, ms: number, until?: () => Promise<boolean>) {
  const child = spawn('npm', ['start'], {
    cwd: tree,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tree,
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: join(tree, 'data'),
      GATEHOUSE_LOG_LEVEL: 'warn',
    },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let reached = false
  try {
    if (until !== undefined) {
      reached = await within(
        (async () => {
          while (child.exitCode === null) {
            if (await until()) return true
            await new Promise((r) => setTimeout(r, 200))
          }
          return false
        })(),
        ms,
        'npm start to answer',
      )
    }
  } finally {
    if (until !== undefined && child.exitCode === null) process.kill(-child.pid!, 'SIGTERM')
  }
  return { code: await within(exited, 15_000, 'npm start to stop'), output: () => output, reached }
}

describe('a production install (npm prune --omit=dev)', () => {
  it('holds every dependency and no devDependency', () => {
    const lock = JSON.parse(readFileSync(join(tree, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> }
    const entries = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/'))
    expect(entries.filter(([path, entry]) => entry.dev === true && existsSync(join(tree, path))).map(([path]) => path)).toEqual([])
    expect(entries.filter(([path, entry]) => entry.dev !== true && entry.optional !== true && !existsSync(join(tree, path))).map(([path]) => path)).toEqual([])
    for (const tool of ['typescript', 'tsx', 'vitest']) expect(existsSync(join(tree, 'node_modules', tool)), tool).toBe(false)
  })

  it('npm start serves from the built dist/', async () => {
    const port = await freePort()
    const healthy = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    const run = await npmStart(port, 60_000, healthy)
    expect(run.reached, run.output()).toBe(true)
    expect(run.output()).not.toMatch(/tsc|Cannot find (module|package)/)
  }, 90_000)

  it('npm start refuses a dist/ that was not built from this src/, saying what to run', async () => {
    appendFileSync(join(tree, 'src', 'cli.ts'), '\n// changed after the build\n')
    const run = await npmStart(await freePort(), 30_000)
    expect(run.code).not.toBe(0)
    expect(run.output()).toMatch(/dist\/ was not built from this src\/ and TypeScript is not installed: run `npm run build`/)
  }, 60_000)
})
