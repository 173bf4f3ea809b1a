/**
 * scripts/dist.mjs decides whether dist/ is the build of this src/ (`npm start` and the tests that
 * start the built server rely on it): by content, so that an edit, another commit's dist/ or a dist/
 * copied from elsewhere is rebuilt whatever the files' times say.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { distState, ensureBuilt, sourceHash, stamp } from '../scripts/dist.mjs'

let root: string
const write = (path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true })
  writeFileSync(join(root, path), text)
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gatehouse-dist-'))
  write('package.json', '{"name":"dist-test","type":"module"}')
  write('tsconfig.json', '{}')
  write('tsconfig.build.json', '{"extends":"./tsconfig.json"}')
  write('src/cli.ts', 'export const a = 1\n')
  write('src/core/b.ts', 'export const b = 2\n')
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('dist/ against src/', () => {
  it('is missing without dist/cli.js, stale when not stamped, current once stamped', () => {
    expect(distState(root)).toBe('missing')
    write('dist/cli.js', '')
    expect(distState(root)).toBe('stale')
    stamp(root)
    expect(distState(root)).toBe('current')
  })

  it('is stale after any change to src/ or the tsconfig files, even with older file times', () => {
    write('dist/cli.js', '')
    stamp(root)
    const changes: Array<[string, string]> = [
      ['src/core/b.ts', 'export const b = 3\n'], // same length, older time below
      ['src/core/new.ts', ''],
      ['tsconfig.build.json', '{"extends":"./tsconfig.json","compilerOptions":{}}'],
    ]
    for (const [path, text] of changes) {
      write(path, text)
      utimesSync(join(root, path), new Date('2000-01-01'), new Date('2000-01-01'))
      expect(distState(root), path).toBe('stale')
      stamp(root)
      expect(distState(root)).toBe('current')
    }
    rmSync(join(root, 'src/core/new.ts'))
    expect(distState(root)).toBe('stale')
  })

  it('is stale when dist/ was built from another checkout (its stamp came along)', () => {
    write('dist/cli.js', '')
    stamp(root)
    const other = sourceHash(root)
    write('src/cli.ts', 'export const a = 2\n')
    write('dist/.source-hash', `${other}\n`)
    expect(distState(root)).toBe('stale')
  })

  it('takes a file renamed across folders as a change (paths are hashed with contents)', () => {
    const before = sourceHash(root)
    rmSync(join(root, 'src/core/b.ts'))
    write('src/b.ts', 'export const b = 2\n')
    expect(sourceHash(root)).not.toBe(before)
  })

  it('without TypeScript: uses a current dist/, refuses a stale or missing one saying what to run', () => {
    expect(() => ensureBuilt(root)).toThrow(/dist\/ is missing and TypeScript is not installed: run `npm ci && npm run build`/)
    write('dist/cli.js', '')
    stamp(root)
    expect(ensureBuilt(root)).toBe('current')
    write('src/cli.ts', 'export const a = 9\n')
    expect(() => ensureBuilt(root)).toThrow(/dist\/ was not built from this src\/ and TypeScript is not installed/)
  })

  it('a dist/ shipped without src/ is used as it is', () => {
    write('dist/cli.js', '')
    rmSync(join(root, 'src'), { recursive: true })
    expect(sourceHash(root)).toBeUndefined()
    expect(distState(root)).toBe('current')
  })
})
