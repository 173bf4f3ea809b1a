/**
 * test/suites.ts decides which files CI runs on PostgreSQL too. A file in neither list would not run
 * at all, and a store test put in ONCE_SUITES would never meet PostgreSQL: both fail here. Whether a
 * file opens a database is read from its imports: every database reaches test/helpers/database.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import config from '../vitest.config.js'
import { DATABASE_SUITES, ONCE_SUITES, ONCE_THOUGH_STORED, globs, onceFilesInDatabaseFolders, suiteOf } from './suites.js'

const ROOT = resolve(import.meta.dirname, '..')
const DATABASE_HELPER = join(ROOT, 'test/helpers/database.ts')

const testFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? testFiles(`${dir}/${entry.name}`) : /\.test\.tsx?$/.test(entry.name) ? [`${dir}/${entry.name}`] : [],
  )
const FILES = testFiles('test')

/** Local modules a file imports (type-only imports excluded: they do not run). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!)
  return specifiers.flatMap((specifier) => {
    const path = resolve(dirname(file), specifier)
    const found = [path.replace(/\.js$/, '.ts'), path.replace(/\.js$/, '.tsx'), path].find((candidate) => existsSync(candidate))
    return found === undefined ? [] : [found]
  })
}

function opensDatabase(file: string, seen = new Set<string>()): boolean {
  if (file === DATABASE_HELPER) return true
  if (seen.has(file) || !file.startsWith(join(ROOT, 'test'))) return false
  seen.add(file)
  return imports(file).some((next) => opensDatabase(next, seen))
}

describe('test/suites.ts', () => {
  it('puts every test file in exactly one of the two lists', () => {
    expect(FILES.length).toBeGreaterThan(100)
    expect(FILES.filter((file) => suiteOf(file) === undefined)).toEqual([])
  })

  it('runs on both databases exactly the files that open one, bar the listed exceptions', () => {
    const stored = new Set(FILES.filter((file) => opensDatabase(join(ROOT, file))))
    expect(stored.has('test/api/members.test.ts') && stored.has('test/store/upgrade.test.ts')).toBe(true) // the reading works
    const exempt = (file: string) => Object.keys(ONCE_THOUGH_STORED).some((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry))
    expect(
      FILES.filter((file) => suiteOf(file) === 'database' && !stored.has(file)),
      'database suites that never open a database: list them in ONCE_SUITES',
    ).toEqual([])
    expect(
      FILES.filter((file) => suiteOf(file) === 'once' && stored.has(file) && !exempt(file)),
      'these open a database: move them to DATABASE_SUITES, or say why not in ONCE_THOUGH_STORED',
    ).toEqual([])
  })

  it('lists no entry that matches nothing (a renamed file or folder)', () => {
    const entries = [...DATABASE_SUITES, ...ONCE_SUITES, ...Object.keys(ONCE_THOUGH_STORED)]
    expect(entries.filter((entry) => !FILES.some((file) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry)))).toEqual([])
  })

  it('is what vitest.config.ts runs', () => {
    const projects = (config.test?.projects ?? []) as Array<{ test: { name: string; include: string[]; exclude?: string[] } }>
    expect(projects.map((p) => [p.test.name, p.test.include, p.test.exclude ?? []])).toEqual([
      ['database', globs(DATABASE_SUITES), onceFilesInDatabaseFolders()],
      ['once', globs(ONCE_SUITES), []],
    ])
  })
})
