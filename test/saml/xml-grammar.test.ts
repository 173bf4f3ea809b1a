import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { memoizeXmldomGrammar, parseXml, XmlError } from '../../src/saml/xml.js'

const grammar = createRequire(import.meta.url)('@xmldom/xmldom/lib/grammar.js') as {
  reg: (...parts: unknown[]) => RegExp
  QName_group: RegExp
  S_OPT: RegExp
}

describe('xmldom grammar expressions built once', () => {
  it('is in place for the parser: the same parts give the same RegExp, equal to a fresh build', () => {
    const a = grammar.reg('^', grammar.QName_group, grammar.S_OPT, '$')
    const b = grammar.reg('^', grammar.QName_group, grammar.S_OPT, '$')
    expect(a).toBe(b)
    expect(a.flags).not.toMatch(/[gy]/)
    const fresh = new RegExp(['^', grammar.QName_group.source, grammar.S_OPT.source, '$'].join(''), a.flags)
    expect(a.source).toBe(fresh.source)
    expect(grammar.reg('^', grammar.QName_group)).not.toBe(a)
  })

  it('wraps once, and leaves anything it cannot key to the original', () => {
    expect(memoizeXmldomGrammar(grammar)).toBe(false)
    const calls: unknown[][] = []
    const fake = { reg: (...parts: unknown[]) => (calls.push(parts), new RegExp(parts.map(String).join(''))) }
    expect(memoizeXmldomGrammar(fake)).toBe(true)
    fake.reg('^a', '$')
    fake.reg('^a', '$')
    fake.reg('^a', 1)
    fake.reg('^a', 1)
    expect(calls).toHaveLength(3)
  })

  it('end tags are checked as before', () => {
    const bad = (xml: string) => () => parseXml(xml, 1 << 20)
    expect(parseXml('<a><b/></a  >', 1 << 20).documentElement?.localName).toBe('a')
    expect(parseXml('<p:a xmlns:p="urn:x"><p:b></p:b></p:a>', 1 << 20).documentElement?.localName).toBe('a')
    expect(bad('<a></b>')).toThrow(XmlError)
    expect(bad('<a></a x>')).toThrow(XmlError)
    expect(bad('<a></1a>')).toThrow(XmlError)
    expect(bad('<a><b></a></b>')).toThrow(XmlError)
    // The same inputs again: a cached expression holds no state between calls.
    expect(bad('<a></b>')).toThrow(XmlError)
    expect(parseXml('<a><b/></a  >', 1 << 20).documentElement?.localName).toBe('a')
  })
})
