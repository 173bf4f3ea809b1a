/** The variants bench/acs/measures.ts compares: each a copy of dist/ (or node_modules) without one measure. */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')

/** Replaces `from` (exactly once) in a file of the variant's copy; anything else is an error, never a silent no-op. */
function edit(root: string, file: string, from: string, to: string) {
  const path = join(root, file)
  const text = readFileSync(path, 'utf8')
  if (text.split(from).length !== 2) throw new Error(`variant edit: "${from.slice(0, 60)}" is not in ${file} exactly once`)
  writeFileSync(path, text.replace(from, to))
}

export interface Variant {
  name: string
  without: string
  flags?: (flags: string[]) => string[]
  make?: (root: string) => void | Promise<void>
}
export const VARIANTS: Variant[] = [
  { name: 'all', without: 'nothing (as npm start runs it)' },
  {
    name: 'acs-queue',
    without: 'ACS posts start as they arrive (no queue, no accept-first)',
    make: (root) =>
      writeFileSync(
        join(root, 'dist/http/acs-queue.js'),
        'export function createAcsQueue() { return { take: () => Promise.resolve(() => {}), waiting: 0, connectionArrived: () => {} } }\n',
      ),
  },
  {
    name: 'form-parser',
    without: 'node:querystring parses the ACS form',
    make: (root) =>
      writeFileSync(
        join(root, 'dist/http/form.js'),
        "import { parse } from 'node:querystring'\nexport function parseUrlencoded(text) { return parse(text, '&', '=', { maxKeys: 0 }) }\n",
      ),
  },
  {
    name: 'xmldom-scope-patch',
    without: "xmldom's sax.js as shipped (Object.create scopes)",
    make: async (root) => {
      // node_modules of symlinks, but @xmldom/xmldom a copy with the namespace-scope patch reversed.
      rmSync(join(root, 'node_modules'))
      mkdirSync(join(root, 'node_modules/@xmldom'), { recursive: true })
      for (const name of readdirSync(join(ROOT, 'node_modules')))
        if (name !== '@xmldom') symlinkSync(join(ROOT, 'node_modules', name), join(root, 'node_modules', name))
      for (const name of readdirSync(join(ROOT, 'node_modules/@xmldom'))) {
        if (name === 'xmldom') cpSync(join(ROOT, 'node_modules/@xmldom/xmldom'), join(root, 'node_modules/@xmldom/xmldom'), { recursive: true })
        else symlinkSync(join(ROOT, 'node_modules/@xmldom', name), join(root, 'node_modules/@xmldom', name))
      }
      const patch = ((await import(join(ROOT, 'scripts/patch-dependencies.mjs'))) as { PATCHES: { id: string; before: string; after: string }[] }).PATCHES.find(
        (p) => p.id === 'xmldom-namespace-scope',
      )!
      edit(root, 'node_modules/@xmldom/xmldom/lib/sax.js', patch.after, patch.before)
    },
  },
  {
    name: 'xmldom-grammar-cache',
    without: "xmldom's grammar expressions built per end tag, as shipped",
    make: (root) => edit(root, 'dist/saml/xml.js', "memoizeXmldomGrammar(createRequire(import.meta.url)('@xmldom/xmldom/lib/grammar.js'));", ''),
  },
  {
    name: 'semi-space-flag',
    without: 'no --max-semi-space-size=8 (V8 default; node 22+ would add it back by re-executing, so that is edited out too)',
    flags: (f) => f.filter((x) => !x.startsWith('--max-semi-space-size')),
    make: (root) => edit(root, 'dist/node-flags.js', "export const RESTART_FLAGS = ['--max-semi-space-size=8'];", 'export const RESTART_FLAGS = [];'),
  },
  {
    name: 'wal-checkpointer',
    without: "no checkpoint worker: SQLite's own checkpoints (every 1,000 WAL pages, in the committing request)",
    make: (root) => edit(root, 'dist/store/database.js', "if (config.path !== ':memory:') {", 'if (false) {'),
  },
]
