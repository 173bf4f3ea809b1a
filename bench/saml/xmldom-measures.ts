/**
 * The two xmldom measures, with and without, on the ACS's own documents (bench/acs/fixtures.ts,
 * signed 5 KB and 90 KB responses): each variant parses --count documents in a child process of its
 * own under V8's GC trace, rounds alternating, and reports CPU µs per parse, the share of allocated
 * bytes that young-generation GCs promoted, and the full GCs (mark-compacts) it took.
 *
 * - grammar cache (src/saml/xml.ts `memoizeXmldomGrammar`): without, xmldom 0.9 compiles its grammar
 *   RegExps again for every end tag;
 * - namespace-scope patch (scripts/patch-dependencies.mjs): without, sax.js as shipped, whose
 *   Object.create scopes keep each parse alive until a full GC.
 *
 *   npx tsx bench/saml/xmldom-measures.ts [--count 2000] [--rounds 3] [--fixture small,large]
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createTestIdp } from '../../test/helpers/test-idp.js'
import { FIXTURE_LABEL, makeResponseXml, type FixtureKind } from '../acs/fixtures.js'
import { fmt, median, parseArgs, printTable } from '../acs/stats.js'

const args = parseArgs(process.argv.slice(2))
const COUNT = Number(args.count ?? 2000)
const ROUNDS = Number(args.rounds ?? 3)
const KINDS = (args.fixture ?? 'small,large').split(',') as FixtureKind[]
const ROOT = join(import.meta.dirname, '..', '..')
const XMLDOM = dirname(createRequire(import.meta.url).resolve('@xmldom/xmldom/package.json'))
const { PATCHES } = (await import(pathToFileURL(join(ROOT, 'scripts', 'patch-dependencies.mjs')).href)) as {
  PATCHES: { id: string; before: string; after: string }[]
}
const SCOPE_PATCH = PATCHES.find((p) => p.id === 'xmldom-namespace-scope')!

const scratch = mkdtempSync(join(tmpdir(), 'gh-xmldom-measures-'))
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }))
/** A copy of the installed xmldom, its sax.js as shipped when `unpatched`. */
function copy(name: string, unpatched: boolean): string {
  const dir = join(scratch, name, 'node_modules', '@xmldom', 'xmldom')
  mkdirSync(dirname(dir), { recursive: true })
  cpSync(XMLDOM, dir, { recursive: true })
  if (unpatched) {
    const sax = join(dir, 'lib', 'sax.js')
    const text = readFileSync(sax, 'utf8')
    if (text.split(SCOPE_PATCH.after).length !== 2) throw new Error('the installed xmldom is not patched (node scripts/patch-dependencies.mjs)')
    writeFileSync(sax, text.replace(SCOPE_PATCH.after, SCOPE_PATCH.before))
  }
  return dir
}
const VARIANTS = [
  { name: 'both', dir: copy('both', false), memo: true },
  { name: 'without grammar cache', dir: copy('no-cache', false), memo: false },
  { name: 'without scope patch', dir: copy('no-patch', true), memo: true },
]

// The child: parses the document COUNT times with the xmldom at `dir`, memoized as src/saml/xml.ts does when asked.
const child = join(scratch, 'child.ts')
writeFileSync(
  child,
  `
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { memoizeXmldomGrammar } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/saml/xml.ts')).href)}
const [dir, memo, file, count] = process.argv.slice(2)
const require = createRequire(import.meta.url)
if (memo === 'true' && !memoizeXmldomGrammar(require(dir + '/lib/grammar.js'))) throw new Error('not memoized')
const { DOMParser } = require(dir)
const bytes = readFileSync(file)
for (let i = 0; i < 50; i++) new DOMParser({ onError: () => {} }).parseFromString(bytes.toString('utf8'), 'text/xml')
const before = process.cpuUsage()
let n = 0
for (let i = 0; i < Number(count); i++) n += new DOMParser({ onError: () => {} }).parseFromString(bytes.toString('utf8'), 'text/xml').documentElement.childNodes.length
const used = process.cpuUsage(before)
console.log('RESULT', (used.user + used.system) / Number(count), n)
`,
)

const idp = await createTestIdp('bench-idp', 'https://idp.bench.test/metadata')
const sp = { entityId: 'https://gatehouse.bench.test/saml/acme', acsUrl: 'https://gatehouse.bench.test/saml/acme/acs', certificatePem: idp.certificatePem }
console.log(
  `xmldom measures: ${COUNT} parses a run, ${ROUNDS} rounds; node ${process.version}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
)
for (const kind of KINDS) {
  const file = join(scratch, `${kind}.xml`)
  writeFileSync(file, await makeResponseXml(kind, { idp, sp }))
  const count = kind === 'large' ? Math.max(100, Math.round(COUNT / 10)) : COUNT
  const results = new Map<string, { us: number[]; promoted: number[]; fullGcs: number[] }>(VARIANTS.map((v) => [v.name, { us: [], promoted: [], fullGcs: [] }]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--max-semi-space-size=8', '--trace-gc-nvp', child, variant.dir, String(variant.memo), file, String(count)],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 },
      )
      const result = /RESULT (\S+)/.exec(r.stdout)
      if (r.status !== 0 || result === null) throw new Error(`${variant.name}: ${r.stderr.slice(-2000)}`)
      let allocated = 0
      let promoted = 0
      let fullGcs = 0
      for (const line of r.stdout.split('\n')) {
        if (/ gc=s /.test(line)) {
          allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0)
          promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0)
        } else if (/ gc=mc /.test(line)) fullGcs++
      }
      const into = results.get(variant.name)!
      into.us.push(Number(result[1]))
      into.promoted.push(promoted / allocated)
      into.fullGcs.push(fullGcs)
    }
  }
  const both = median(results.get('both')!.us)
  console.log(`${FIXTURE_LABEL[kind]} (${(readFileSync(file).length / 1024).toFixed(0)} KB), ${count} parses a run:`)
  printTable(
    ['variant', 'CPU µs/parse', 'vs both', 'promoted', 'full GCs', 'each run µs'],
    VARIANTS.map((v) => {
      const r = results.get(v.name)!
      return [
        v.name,
        fmt(median(r.us)),
        v.name === 'both' ? '' : `${((median(r.us) / both - 1) * 100).toFixed(0)} %`,
        `${(median(r.promoted) * 100).toFixed(2)} %`,
        String(median(r.fullGcs)),
        r.us.map((u) => fmt(u)).join(' '),
      ]
    }),
  )
}
