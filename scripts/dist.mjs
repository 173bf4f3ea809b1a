#!/usr/bin/env node
/**
 * Keeps dist/ in step with src/. `npm run build` ends with `stamp`, which writes into dist/ a hash
 * of what the build read (every file under src/ and the tsconfig files); `ensure` (run by
 * `prestart` and by the tests before they start the built server) rebuilds when that hash differs —
 * an edit, a checkout of another commit, a dist/ copied from elsewhere — and does nothing otherwise.
 * Without TypeScript (a production install, `npm ci --omit=dev`) `ensure` uses dist/ as it is when
 * it matches, or when there is no src/ to compare with, and otherwise stops saying what to run.
 *
 *   node scripts/dist.mjs stamp    after tsc: record what dist/ was built from
 *   node scripts/dist.mjs ensure   build unless dist/ matches src/
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STAMP = 'dist/.source-hash'
const INPUTS = ['tsconfig.json', 'tsconfig.build.json']

/** A hash of the build's inputs, or undefined when there is no src/ (dist/ shipped on its own). */
export function sourceHash(root = ROOT) {
  if (!existsSync(join(root, 'src'))) return undefined
  const files = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else files.push(path)
    }
  }
  walk(join(root, 'src'))
  files.push(...INPUTS.map((name) => join(root, name)).filter((path) => existsSync(path)))
  const hash = createHash('sha256')
  for (const path of files.map((file) => relative(root, file)).sort()) {
    const content = readFileSync(join(root, path))
    hash.update(`${path}\0${content.length}\0`).update(content)
  }
  return hash.digest('hex')
}

/** 'current', 'stale' (built from other sources, or not stamped) or 'missing' (no dist/cli.js). */
export function distState(root = ROOT) {
  if (!existsSync(join(root, 'dist', 'cli.js'))) return 'missing'
  const wanted = sourceHash(root)
  if (wanted === undefined) return 'current'
  const stamped = existsSync(join(root, STAMP)) ? readFileSync(join(root, STAMP), 'utf8').trim() : ''
  return stamped === wanted ? 'current' : 'stale'
}

export function stamp(root = ROOT) {
  const hash = sourceHash(root)
  if (hash !== undefined) writeFileSync(join(root, STAMP), `${hash}\n`)
}

/** Builds (tsc, then stamp) unless dist/ is current; throws when it is not and TypeScript is absent. */
export function ensureBuilt(root = ROOT, { stdio = 'inherit', timeout = 170_000 } = {}) {
  const state = distState(root)
  if (state === 'current') return 'current'
  let tsc
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
  } catch {
    throw new Error(
      state === 'missing'
        ? 'dist/ is missing and TypeScript is not installed: run `npm ci && npm run build` (with devDependencies) first'
        : 'dist/ was not built from this src/ and TypeScript is not installed: run `npm run build` where devDependencies are installed',
    )
  }
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio, timeout })
  stamp(root)
  return 'built'
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const command = process.argv[2]
  try {
    if (command === 'stamp') stamp()
    else if (command === 'ensure') ensureBuilt()
    else {
      console.error('usage: node scripts/dist.mjs stamp|ensure')
      process.exit(2)
    }
  } catch (error) {
    console.error(`gatehouse: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
