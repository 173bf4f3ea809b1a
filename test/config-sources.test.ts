/** The config object, that nothing below config.ts reads process.env, its documentation, and describeDatabase. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { afterEach, describe, expect, it } from 'vitest'
import { describeDatabase, loadConfig } from '../src/config.js'
import { HEX_KEY, removeTempDirs, ROOT, tempDir } from './config-support.js'

afterEach(removeTempDirs)

describe('the config object', () => {
  it('is frozen, nested settings included', () => {
    const config = loadConfig({ GATEHOUSE_SECRET_KEY: HEX_KEY, GATEHOUSE_SMTP_URL: 'smtp://mail:25' }, { cwd: tempDir() })
    expect(Object.isFrozen(config)).toBe(true)
    for (const part of [
      config.database,
      config.smtp,
      config.workspaceRoles,
      config.session,
      config.passwordHashing,
      config.rateLimit,
      config.devOutbox,
      config.devIdp,
    ]) {
      expect(Object.isFrozen(part)).toBe(true)
    }
    expect(() => {
      ;(config as { port: number }).port = 1
    }).toThrow(TypeError)
    expect(() => {
      ;(config.devOutbox as { enabled: boolean }).enabled = false
    }).toThrow(TypeError)
    expect(() => (config.workspaceRoles as string[]).push('root')).toThrow(TypeError)
    expect(config.port).toBe(4000)
    expect(config.devOutbox.enabled).toBe(true)
  })
})

describe('only config.ts reads the environment', () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return sourceFiles(path)
      return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [path] : []
    })
  }

  /** The code of a file with its comments removed (a comment may talk about process.env). */
  function code(path: string): string {
    const text = readFileSync(path, 'utf8')
    const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, path.endsWith('x') ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard, text)
    let result = ''
    for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
      if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) continue
      result += scanner.getTokenText()
    }
    return result
  }

  const READS_ENV = [
    /\bprocess\s*(\?\.|\.)\s*env\b/, // process.env, process?.env
    /\bprocess\s*(\?\.)?\s*\[\s*['"`]env['"`]\s*\]/, // process['env']
    /\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/, // const { env } = process
    /\bfrom\s*['"](node:)?process['"]/, // import { env } from 'node:process'
    /\brequire\s*\(\s*['"](node:)?process['"]\s*\)/,
  ]

  it('finds the comment stripper sound', () => {
    const dir = tempDir()
    const file = join(dir, 'x.ts')
    writeFileSync(file, "// process.env in a comment\nconst url = 'http://x' // trailing\n/* process.env */ const a = process.env.A\n")
    expect(code(file)).not.toContain('in a comment')
    expect(code(file)).toContain("'http://x'")
    expect(READS_ENV.some((pattern) => pattern.test(code(file)))).toBe(true)
  })

  it('no module under src/ other than config.ts touches process.env', () => {
    const files = sourceFiles(join(ROOT, 'src'))
    expect(files.length).toBeGreaterThan(10)
    const offenders = files
      .filter((file) => relative(ROOT, file) !== join('src', 'config.ts'))
      .filter((file) => READS_ENV.some((pattern) => pattern.test(code(file))))
      .map((file) => relative(ROOT, file))
    expect(offenders).toEqual([])
  })
})

describe('docs/configuration.md', () => {
  it('describes every variable config.ts reads', () => {
    const source = ['config.ts', 'config-values.ts'].map((file) => readFileSync(join(ROOT, 'src', file), 'utf8')).join('\n')
    const names = [...new Set([...source.matchAll(/\b(GATEHOUSE_[A-Z_]+|NODE_ENV)\b/g)].map((m) => m[1]!))]
    expect(names.length).toBeGreaterThan(10)
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')
    expect(names.filter((name) => !doc.includes(`\`${name}\``))).toEqual([])
  })
})

describe('describeDatabase', () => {
  it('names the SQLite file, and a PostgreSQL database without its credentials', () => {
    expect(describeDatabase({ dialect: 'sqlite', path: '/var/lib/gatehouse/gatehouse.db' })).toBe('sqlite:/var/lib/gatehouse/gatehouse.db')
    expect(describeDatabase({ dialect: 'postgres', url: 'postgres://gatehouse:s3cret-pw@db.internal:5432/gatehouse?sslmode=require' })).toBe(
      'postgres://db.internal:5432/gatehouse',
    )
  })
})
