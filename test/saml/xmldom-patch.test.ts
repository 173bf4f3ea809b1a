/**
 * The patch scripts/patch-dependencies.mjs makes to xmldom (namespace scopes as flat copies, not
 * prototype chains): in place after `npm ci`, and namespaces resolved exactly as before on both of its
 * paths. What it is for (a parsed document no longer outlives young-generation GCs) is measured by
 * bench/saml/xmldom-gc.ts, not here: a GC share depends on the machine and the Node version.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { Document } from '@xmldom/xmldom'
import { parseXml } from '../../src/saml/xml.js'

const ROOT = join(import.meta.dirname, '..', '..')
const SCRIPT = join(ROOT, 'scripts', 'patch-dependencies.mjs')
const XMLDOM = dirname(createRequire(import.meta.url).resolve('@xmldom/xmldom/package.json'))
const MARKER = 'gatehouse patch xmldom-namespace-scope'

const scratch = mkdtempSync(join(tmpdir(), 'gh-xmldom-patch-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

interface Patch {
  id: string
  package: string
  version: string
  file: string
  before: string
  after: string
}
const PATCHES = JSON.parse(
  spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { PATCHES } from ${JSON.stringify(pathToFileURL(SCRIPT).href)}; console.log(JSON.stringify(PATCHES))`],
    { encoding: 'utf8' },
  ).stdout,
) as Patch[]
const PATCH = PATCHES.find((p) => p.id === 'xmldom-namespace-scope')!

/** A copy of the installed xmldom under `dir`, with sax.js as upstream ships it (the patch undone). */
function unpatchedCopy(dir: string): string {
  const target = join(dir, 'node_modules', '@xmldom', 'xmldom')
  mkdirSync(dirname(target), { recursive: true })
  cpSync(XMLDOM, target, { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{"name":"scratch","private":true}\n')
  const sax = join(target, 'lib', 'sax.js')
  const text = readFileSync(sax, 'utf8')
  expect(text.split(PATCH.after)).toHaveLength(2)
  writeFileSync(sax, text.replace(PATCH.after, PATCH.before))
  return target
}

describe('scripts/patch-dependencies.mjs', () => {
  it('has patched the installed xmldom', () => {
    expect(readFileSync(join(XMLDOM, 'lib', 'sax.js'), 'utf8')).toContain(MARKER)
    const r = run('--check')
    expect(r.out).toContain('xmldom-namespace-scope')
    expect(r.status).toBe(0)
  })

  it('applies once, then leaves it alone; --check fails until it is applied', () => {
    const dir = join(scratch, 'apply')
    const target = unpatchedCopy(dir)
    const sax = join(target, 'lib', 'sax.js')
    expect(run('--check', '--root', dir)).toMatchObject({ status: 1, out: expect.stringContaining('not applied yet') })
    expect(run('--root', dir)).toMatchObject({ status: 0, out: expect.stringContaining('applied') })
    const once = readFileSync(sax, 'utf8')
    expect(once).toContain(MARKER)
    expect(once).toContain(PATCH.after)
    expect(run('--root', dir)).toMatchObject({ status: 0, out: expect.stringContaining('in place') })
    expect(readFileSync(sax, 'utf8')).toBe(once)
    expect(run('--check', '--root', dir).status).toBe(0)
  })

  it('fails the install, naming the patch, when the text it replaces is gone or the version moved', () => {
    const dir = join(scratch, 'moved')
    const target = unpatchedCopy(dir)
    const sax = join(target, 'lib', 'sax.js')
    writeFileSync(sax, readFileSync(sax, 'utf8').replace(PATCH.before, PATCH.before.replace(';', '; // changed upstream')))
    const gone = run('--root', dir)
    expect(gone.status).toBe(1)
    expect(gone.out).toMatch(/xmldom-namespace-scope .*the text to replace is not in .*sax\.js exactly once/)

    const manifest = join(target, 'package.json')
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), version: '0.9.99' }))
    const other = run('--root', dir)
    expect(other.status).toBe(1)
    expect(other.out).toContain('installed version is 0.9.99: check whether upstream fixed this')
  })

  it('says what is wrong, without a stack trace, for a missing package or a --root without a directory', () => {
    const empty = join(scratch, 'empty')
    mkdirSync(empty, { recursive: true })
    writeFileSync(join(empty, 'package.json'), '{"name":"empty","private":true}\n')
    const missing = run('--root', empty)
    expect(missing.status).toBe(1)
    expect(missing.out).toContain('@xmldom/xmldom is not installed under')
    expect(missing.out).not.toMatch(/\n\s+at /)
    const bare = run('--root')
    expect(bare.status).toBe(2)
    expect(bare.out).toContain('--root needs a directory')
    expect(bare.out).not.toMatch(/\n\s+at /)
  })
})

describe('namespace scopes, as flat copies and (over 64 prefixes) as prototype chains', () => {
  const ns = (doc: Document, localName: string) => [...doc.getElementsByTagNameNS('*', localName)].map((e) => e.namespaceURI)

  it('resolves nested redeclarations, and a sibling after a scope sees the outer binding', () => {
    const doc = parseXml('<p:a xmlns:p="urn:1"><p:b/><c xmlns:p="urn:2" xmlns="urn:d"><p:d/><e/><f xmlns=""/></c><p:g/><h/></p:a>', 1 << 20)
    expect(ns(doc, 'a')).toEqual(['urn:1'])
    expect(ns(doc, 'b')).toEqual(['urn:1'])
    expect(ns(doc, 'c')).toEqual(['urn:d'])
    expect(ns(doc, 'd')).toEqual(['urn:2'])
    expect(ns(doc, 'e')).toEqual(['urn:d'])
    expect(ns(doc, 'f')).toEqual([null])
    expect(ns(doc, 'g')).toEqual(['urn:1'])
    expect(ns(doc, 'h')).toEqual([null])
  })

  it('takes prefixes that are names of Object.prototype members as plain prefixes', () => {
    const doc = parseXml(
      '<r xmlns:constructor="urn:c" xmlns:toString="urn:t"><x xmlns:__proto__="urn:p"><__proto__:y constructor:z="1"/><toString:w/></x><constructor:v/></r>',
      1 << 20,
    )
    expect(ns(doc, 'y')).toEqual(['urn:p'])
    expect(ns(doc, 'w')).toEqual(['urn:t'])
    expect(ns(doc, 'v')).toEqual(['urn:c'])
    const y = doc.getElementsByTagNameNS('urn:p', 'y')[0]!
    expect(y.getAttributeNS('urn:c', 'z')).toBe('1')
  })

  for (const count of [10, 63, 64, 65, 300]) {
    it(`resolves every prefix with ${count} in scope, through three more levels`, () => {
      const declarations = Array.from({ length: count }, (_, i) => `xmlns:p${i}="urn:p${i}"`).join(' ')
      const uses = Array.from({ length: count }, (_, i) => `<p${i}:u/>`).join('')
      const xml = `<r ${declarations}><a xmlns:q="urn:q"><b xmlns:p0="urn:again"><c xmlns:q="urn:q2">${uses}<q:v/></c><p0:w/><q:x/></b></a><p0:y/></r>`
      const doc = parseXml(xml, 1 << 20)
      expect(ns(doc, 'u')).toEqual(Array.from({ length: count }, (_, i) => (i === 0 ? 'urn:again' : `urn:p${i}`)))
      expect(ns(doc, 'v')).toEqual(['urn:q2'])
      expect(ns(doc, 'w')).toEqual(['urn:again'])
      expect(ns(doc, 'x')).toEqual(['urn:q'])
      expect(ns(doc, 'y')).toEqual(['urn:p0'])
      // q was bound inside <a> only: after it, the prefix is unbound again.
      expect(() => parseXml(xml.replace('</r>', '<q:z/></r>'), 1 << 20)).toThrow(/q:z|prefix|namespace/i)
    })
  }

  // Copying every scope would be quadratic: 20 000 prefixes in scope × 19 000 children that each
  // declare one took 40 s with an unbounded copy; inherited beyond 64 prefixes, it stays linear.
  // Growth, not time: 8 times the document costs 5–11 times the CPU here, an unbounded copy ~180 times.
  it('stays linear for a crafted document: prefixes on the root, children declaring one more each', () => {
    const crafted = (k: number) =>
      `<r ${Array.from({ length: 1_000 * k }, (_, i) => `xmlns:p${i}="urn:p"`).join(' ')}>${'<c xmlns:q="urn:q"><q:d/></c>'.repeat(500 * k)}</r>`
    const cpuMs = (xml: string) => {
      let best = Infinity
      for (let run = 0; run < 3; run++) {
        const before = process.cpuUsage()
        parseXml(xml, 1 << 20)
        const used = process.cpuUsage(before)
        best = Math.min(best, (used.user + used.system) / 1000)
      }
      return best
    }
    const small = crafted(1)
    const large = crafted(8)
    cpuMs(small) // JIT warm-up
    const ratio = cpuMs(large) / cpuMs(small)
    expect(ratio, `8× the document cost ${ratio.toFixed(1)}× the CPU`).toBeLessThan(32)
    const doc = parseXml(large, 1 << 20)
    expect(ns(doc, 'd')).toHaveLength(4_000)
    expect(new Set(ns(doc, 'd'))).toEqual(new Set(['urn:q']))
  })
})
