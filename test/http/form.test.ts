import { parse as querystringParse } from 'node:querystring'
import { describe, expect, it } from 'vitest'
import { parseUrlencoded } from '../../src/http/form.js'

const reference = (text: string) => ({ ...querystringParse(text, '&', '=', { maxKeys: 0 }) })
const ours = (text: string) => ({ ...parseUrlencoded(text) })

describe('parseUrlencoded: what node:querystring gives, field for field', () => {
  it.each([
    '',
    '&',
    '&&',
    '=',
    '==',
    'a',
    'a=',
    '=b',
    'a=b=c',
    'a=1&a=2&a=3',
    'a=1&&b=2&',
    '&a=1',
    'SAMLResponse=PHNhbWxw%2BOk%3D%3D&RelayState=',
    'a+b=c+d',
    'a%2Bb=c%20d',
    '%zz=%',
    'x=%E2%82%AC',
    'x=%C3',
    'x=%FF%FE',
    '__proto__=1&constructor=2&toString=3',
    'é=€',
    'a=%2',
  ])('%j', (text) => {
    expect(ours(text)).toEqual(reference(text))
  })

  it.each([7, 1234, 99_991])('agrees on 20 000 random forms made of separators, escapes (good and broken), + and non-ASCII (seed %i)', (start) => {
    const parts = [
      'a',
      'b',
      'SAMLResponse',
      'RelayState',
      '=',
      '=',
      '&',
      '&',
      '+',
      '%',
      '%2B',
      '%3D',
      '%26',
      '%2',
      '%zz',
      '%E2%82%AC',
      '%E2%82',
      '%C3',
      '%FF',
      'é',
      '€',
      ' ',
      '__proto__',
      'x'.repeat(20),
    ]
    let seed = start
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    for (let i = 0; i < 20_000; i++) {
      const length = Math.floor(random() * 12)
      const text = Array.from({ length }, () => parts[Math.floor(random() * parts.length)]).join('')
      expect(ours(text), text).toEqual(reference(text))
    }
  })

  it('stays linear on a form of many fields without "=" (3 MB, the ACS body limit): characters scanned by indexOf', () => {
    // Searching for '=' afresh from each field's start would scan ~n²/2 characters (~20 s on this
    // input). String.prototype.indexOf is counted while the parser runs, and stops it past the budget.
    const text = `${'a&'.repeat(1_500_000)}b=c`
    const budget = 4 * text.length
    // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with .call(this) below
    const indexOf = String.prototype.indexOf
    let scanned = 0
    String.prototype.indexOf = function (this: string, search: string, from = 0) {
      const found = indexOf.call(this, search, from)
      scanned += (found === -1 ? this.length : found + search.length) - Math.max(0, from)
      if (scanned > budget) throw new Error(`indexOf scanned over ${budget} characters: not linear`)
      return found
    }
    let fields: ReturnType<typeof parseUrlencoded>
    try {
      fields = parseUrlencoded(text)
    } finally {
      String.prototype.indexOf = indexOf
    }
    // Every character is passed by the '&' search once and by the '=' search once.
    expect(scanned).toBeLessThanOrEqual(2 * text.length + 2)
    expect(scanned).toBeGreaterThanOrEqual(text.length)
    expect((fields.a as string[]).length).toBe(1_500_000)
    expect(fields.b).toBe('c')
    expect(ours(text)).toEqual(reference(text))
  })

  it('keeps every field (no cap) and has no prototype', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `f${i}=${i}`).join('&')
    expect(Object.keys(parseUrlencoded(text))).toHaveLength(2000)
    expect(Object.getPrototypeOf(parseUrlencoded('a=1'))).toBeNull()
  })
})
