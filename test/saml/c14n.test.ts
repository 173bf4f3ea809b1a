/**
 * src/saml/c14n.ts imports `findAncestorNsForElement` from xml-crypto's private lib/utils.js, and
 * package.json's `overrides` gives xml-crypto, xml-encryption and node-saml our xmldom. These tests
 * fail on an upgrade that changes either, so that it is checked rather than trusted.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { DOMParser, type Element } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import { ancestorNamespaces, exclusiveC14n, inclusiveC14n, XML_CRYPTO_CHECKED } from '../../src/saml/c14n.js'

const require = createRequire(import.meta.url)
const packageDir = (name: string, from?: string) => dirname(createRequire(from ?? import.meta.url).resolve(`${name}/package.json`))
const versionOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version

describe('the deep import of xml-crypto', () => {
  it('is checked against the installed xml-crypto', () => {
    const installed = versionOf(packageDir('xml-crypto'))
    // On failure: check that xml-crypto/lib/utils.js still exports findAncestorNsForElement with the
    // same meaning (the tests below), or use a public export if it has one now; then update the constant.
    expect(installed, `xml-crypto ${installed} is installed; src/saml/c14n.ts was checked against ${XML_CRYPTO_CHECKED}`).toBe(XML_CRYPTO_CHECKED)
    expect(typeof (require('xml-crypto/lib/utils.js') as { findAncestorNsForElement?: unknown }).findAncestorNsForElement).toBe('function')
  })

  it('gives the bindings in scope from the ancestors, nearest first wins, minus what the element declares', () => {
    const doc = new DOMParser().parseFromString(
      '<a xmlns="urn:d" xmlns:x="urn:x" xmlns:y="urn:y"><b xmlns:y="urn:y2"><x:c xmlns:x="urn:x" y:at="1"><d/></x:c></b></a>',
      'text/xml',
    )
    const c = doc.getElementsByTagName('x:c')[0] as Element
    expect(ancestorNamespaces(c)).toEqual([
      { prefix: 'y', namespaceURI: 'urn:y2' },
      { prefix: '', namespaceURI: 'urn:d' },
    ])
    expect(ancestorNamespaces(doc.documentElement!)).toEqual([])
  })

  it('feeds the canonicalizers: exclusive renders only visibly used bindings, inclusive every one in scope', () => {
    const doc = new DOMParser().parseFromString(
      '<a xmlns="urn:d" xmlns:x="urn:x" xmlns:y="urn:y"><b xmlns:y="urn:y2"><x:c xmlns:x="urn:x" y:at="1"><d/></x:c></b></a>',
      'text/xml',
    )
    const c = doc.getElementsByTagName('x:c')[0] as Element
    expect(exclusiveC14n(c, ancestorNamespaces(c))).toBe('<x:c xmlns:x="urn:x" xmlns:y="urn:y2" y:at="1"><d xmlns="urn:d"></d></x:c>')
    expect(inclusiveC14n(c, ancestorNamespaces(c))).toBe('<x:c xmlns="urn:d" xmlns:x="urn:x" xmlns:y="urn:y2" y:at="1"><d></d></x:c>')
  })
})

describe('one xmldom', () => {
  it('is the one xml-crypto, xml-encryption and node-saml load (package.json overrides)', () => {
    const ours = packageDir('@xmldom/xmldom')
    for (const dependent of ['xml-crypto', 'xml-encryption', '@node-saml/node-saml']) {
      const from = join(packageDir(dependent), 'package.json')
      expect(packageDir('@xmldom/xmldom', from), `${dependent} loads another @xmldom/xmldom`).toBe(ours)
    }
    // node-saml's own xml-encryption (an older major) too.
    const nested = join(packageDir('@node-saml/node-saml'), 'node_modules', 'xml-encryption', 'package.json')
    expect(packageDir('@xmldom/xmldom', nested)).toBe(ours)
  })

  it('parses for them as xmldom 0.8 did: no MIME type means XML, errorHandler as a function or per level', () => {
    const { DOMParser: Parser } = require('@xmldom/xmldom') as {
      DOMParser: new (options?: object) => { parseFromString(source: string, mimeType?: string): { documentElement: { localName: string } | null } }
    }
    expect(new Parser().parseFromString('<a/>').documentElement?.localName).toBe('a')
    const levels: string[] = []
    new Parser({ errorHandler: (level: string) => levels.push(level) }).parseFromString('<a/>')
    expect(levels).toEqual([])
    const errors: string[] = []
    const parse = () =>
      new Parser({ errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) } }).parseFromString('<a><b></a>')
    try {
      parse()
    } catch {
      // 0.9 still stops at a fatal error after reporting it.
    }
    expect(errors.length).toBeGreaterThan(0)
  })
})
