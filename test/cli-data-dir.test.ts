/**
 * `gatehouse start` with a data directory it cannot write: one line naming the path and the problem,
 * exit 1, no stack trace. A file where the directory should be works for any user; a read-only bind
 * mount (root only, as root ignores permission bits) stands for a read-only volume.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli.js'

const ROOT = new URL('..', import.meta.url).pathname
const BIN = join(ROOT, 'bin', 'gatehouse.js')
const KEY = '22'.repeat(32)

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-datadir-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function start(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = []
  const code = await main(['start'], { GATEHOUSE_PORT: '1', GATEHOUSE_LOG_LEVEL: 'error', ...env }, (line) => lines.push(line))
  return { code, lines }
}

describe('gatehouse start with an unwritable data directory', () => {
  it('says in one line that a file is in the way of the data directory, and exits 1', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'data'), 'not a directory')
    const dataDir = join(dir, 'data', 'gatehouse')
    const { code, lines } = await start({ GATEHOUSE_DATA_DIR: dataDir })
    expect(code).toBe(1)
    expect(lines).toEqual([
      `gatehouse: cannot write ${dataDir} (GATEHOUSE_DATA_DIR must be a directory Gatehouse can write): a file is in the way: not a directory (ENOTDIR)`,
    ])
  })

  it.skipIf(process.getuid?.() !== 0)('says in one line that the data directory is on a read-only file system, and exits 1 (root: bind mount)', async () => {
    const dataDir = tempDir()
    execFileSync('mount', ['--bind', dataDir, dataDir])
    cleanups.push(() => execFileSync('umount', [dataDir]))
    execFileSync('mount', ['-o', 'remount,bind,ro', dataDir])
    const { code, lines } = await start({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET_KEY: KEY })
    expect(code).toBe(1)
    expect(lines).toEqual([
      `gatehouse: cannot write ${join(dataDir, `.gatehouse-write-check-${process.pid}`)} (GATEHOUSE_DATA_DIR must be a directory Gatehouse can write): read-only file system (EROFS)`,
    ])
  })

  it.skipIf(!existsSync(join(ROOT, 'dist', 'cli.js')))('prints no stack trace from the built server (bin/gatehouse.js), only the one line', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'data'), 'not a directory')
    const dataDir = join(dir, 'data', 'x')
    const child = spawnSync(process.execPath, [BIN, 'start'], {
      env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PORT: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(child.status).toBe(1)
    const output = `${child.stdout}${child.stderr}`.trim()
    expect(output.split('\n')).toHaveLength(1)
    expect(output).toContain(dataDir)
    expect(output).not.toMatch(/\n\s+at |Error:/)
  })

  it('still starts when the data directory is missing but can be made (the legitimate case)', async () => {
    const dataDir = join(tempDir(), 'fresh', 'data')
    mkdirSync(join(dataDir, '..'), { recursive: true })
    const { fileSystemProblem, assertWritableDirectory } = await import('../src/store/data-dir.js')
    assertWritableDirectory(dataDir)
    expect(existsSync(dataDir)).toBe(true)
    expect(fileSystemProblem(new Error('other'))).toBeUndefined()
  })
})
