#!/usr/bin/env node
/**
 * Applies Gatehouse's patches to installed dependencies (run by `postinstall`, so by `npm ci`).
 * Each patch names the package version it was written for, the exact text it replaces and what
 * replaces it; applying twice changes nothing. When the text is not found the install fails and
 * says which patch and why, so a dependency upgrade never silently drops one.
 *
 *   node scripts/patch-dependencies.mjs          apply (idempotent)
 *   node scripts/patch-dependencies.mjs --check  exit 1 unless every patch is in place
 *   … --root DIR                                 the packages installed under DIR (default: this checkout)
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const rootAt = process.argv.indexOf('--root')
const ROOT = rootAt > 0 ? process.argv[rootAt + 1] : join(dirname(fileURLToPath(import.meta.url)), '..')
if (ROOT === undefined || ROOT.startsWith('--')) {
  console.error('patch-dependencies: --root needs a directory')
  process.exit(2)
}
const require = createRequire(join(ROOT, 'package.json'))

export const PATCHES = [
  {
    id: 'xmldom-namespace-scope',
    package: '@xmldom/xmldom',
    version: '0.9.12',
    file: 'lib/sax.js',
    // Why: xmldom 0.9.12 derives each element's namespace scope with Object.create(parentScope). V8
    // gives every object used as a prototype a map of its own, and maps live in the old generation,
    // so each parse's scope objects are referenced from the old generation and survive every
    // young-generation GC until the next full one, taking the parsed source string with them: under
    // load, full GCs come often and take the core from requests. bench/saml/xmldom-measures.ts measures
    // the share of allocation promoted with and without (docs/PERFORMANCE.md).
    // The fix: a flat copy of the scope while it can hold at most 64 prefixes (SAML uses a handful);
    // beyond that, the prototype chain as before, which keeps a crafted document with thousands of
    // declarations linear (copying would be quadratic: the reason upstream moved to prototypes). The
    // bound is kept under a symbol (for…in and prefix lookups never see it): counting a scope's keys
    // would itself be quadratic, for…in collects every key before its first iteration.
    before: '\t\t\t\tcurrentNSMap = Object.create(currentNSMap);\n',
    after:
      '\t\t\t\t// gatehouse patch xmldom-namespace-scope (scripts/patch-dependencies.mjs): a small scope is copied,\n' +
      '\t\t\t\t// not inherited; an object used as a prototype gets an old-generation map that keeps it alive.\n' +
      "\t\t\t\tvar scopeSize = Symbol.for('gatehouse.xmldom.namespaceScopeSize');\n" +
      '\t\t\t\tvar inScope = currentNSMap[scopeSize];\n' +
      '\t\t\t\tif (inScope === undefined) {\n' +
      '\t\t\t\t\tinScope = 0;\n' +
      '\t\t\t\t\tfor (var rootPrefix in currentNSMap) inScope++;\n' +
      '\t\t\t\t}\n' +
      '\t\t\t\tif (inScope + el.length <= 64) {\n' +
      '\t\t\t\t\tvar flatNSMap = Object.create(null);\n' +
      '\t\t\t\t\tfor (var inherited in currentNSMap) flatNSMap[inherited] = currentNSMap[inherited];\n' +
      '\t\t\t\t\tflatNSMap[scopeSize] = inScope + el.length;\n' +
      '\t\t\t\t\tcurrentNSMap = flatNSMap;\n' +
      '\t\t\t\t} else {\n' +
      '\t\t\t\t\tcurrentNSMap = Object.create(currentNSMap);\n' +
      '\t\t\t\t\tcurrentNSMap[scopeSize] = Infinity;\n' +
      '\t\t\t\t}\n',
  },
  {
    id: 'xmldom-08-callers-mime-type',
    package: '@xmldom/xmldom',
    version: '0.9.12',
    file: 'lib/dom-parser.js',
    // Why: one xmldom for the whole tree (package.json `overrides`), but xml-crypto, xml-encryption
    // and node-saml are written for xmldom 0.8, whose parseFromString(source) without a MIME type
    // parsed XML; 0.9 throws a TypeError instead (xml-crypto's SignedXml signs and verifies that way).
    // The fix gives them 0.8's default. Our own parser always passes 'text/xml'.
    before: '\tif (!isValidMimeType(mimeType)) {\n',
    after:
      '\t// gatehouse patch xmldom-08-callers-mime-type (scripts/patch-dependencies.mjs): no MIME type means XML, as in 0.8.\n' +
      "\tif (mimeType === undefined) mimeType = 'text/xml';\n" +
      '\tif (!isValidMimeType(mimeType)) {\n',
  },
  {
    id: 'xmldom-08-callers-error-handler',
    package: '@xmldom/xmldom',
    version: '0.9.12',
    file: 'lib/dom-parser.js',
    // Why: the same 0.8 callers pass `errorHandler`: node-saml an object of per-level functions, which
    // 0.9 refuses with a TypeError, and xml-crypto a function, which 0.9 first calls with a
    // deprecation "warning" that xml-crypto takes for a parse error. The fix maps both onto 0.9's
    // `onError` as 0.8 called them, without the warning. `onError` (what our parser passes) wins.
    before:
      '\tthis.onError = options.onError || options.errorHandler;\n' +
      "\tif (options.errorHandler && typeof options.errorHandler !== 'function') {\n" +
      "\t\tthrow new TypeError('errorHandler object is no longer supported, switch to onError!');\n" +
      '\t} else if (options.errorHandler) {\n' +
      "\t\toptions.errorHandler('warning', 'The `errorHandler` option has been deprecated, use `onError` instead!', this);\n" +
      '\t}\n',
    after:
      "\t// gatehouse patch xmldom-08-callers-error-handler (scripts/patch-dependencies.mjs): 0.8 callers' errorHandler.\n" +
      '\tvar legacyHandler = options.errorHandler;\n' +
      "\tif (legacyHandler && typeof legacyHandler === 'object') {\n" +
      '\t\tvar perLevel = legacyHandler;\n' +
      '\t\tlegacyHandler = function (level, message) {\n' +
      "\t\t\tif (typeof perLevel[level] === 'function') perLevel[level](message);\n" +
      '\t\t};\n' +
      '\t}\n' +
      '\tthis.onError = options.onError || legacyHandler;\n',
  },
]

export function patchState(patch) {
  let manifest
  try {
    manifest = require.resolve(`${patch.package}/package.json`)
  } catch {
    return { state: 'not-installed' }
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'))
  const path = join(dirname(manifest), patch.file)
  const text = readFileSync(path, 'utf8')
  if (text.includes(patch.after)) return { state: 'applied', version, path, text }
  if (version !== patch.version) return { state: 'other-version', version, path, text }
  if (text.split(patch.before).length !== 2) return { state: 'text-not-found', version, path, text }
  return { state: 'pending', version, path, text }
}

function main() {
  const check = process.argv.includes('--check')
  let failed = false
  for (const patch of PATCHES) {
    const found = patchState(patch)
    const name = `${patch.id} (${patch.package}@${patch.version} ${patch.file})`
    if (found.state === 'applied') {
      console.log(`patch ${name}: in place`)
    } else if (found.state === 'pending' && !check) {
      writeFileSync(found.path, found.text.replace(patch.before, patch.after))
      console.log(`patch ${name}: applied`)
    } else {
      failed = true
      const why = {
        pending: 'not applied yet (run node scripts/patch-dependencies.mjs)',
        'other-version': `installed version is ${found.version}: check whether upstream fixed this, then update or drop the patch`,
        'text-not-found': `the text to replace is not in ${found.path} exactly once`,
        'not-installed': `${patch.package} is not installed under ${ROOT} (run npm ci there first)`,
      }[found.state]
      console.error(`patch ${name}: ${why}`)
    }
  }
  if (failed) process.exit(1)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
