/**
 * Invisible and text-direction characters (issue 14 item 12), at the core checks every entry point
 * shares: emails refused wherever such a character is put, names refused with a bidi control (and
 * neutralised when an IdP sends them), OIDC redirect URIs kept to what RFC 8252 and the OAuth BCP
 * allow. Each refusal is paired with the legitimate value accepted, Unicode letters of every script
 * included. Property tests (fast-check) insert the characters at random positions.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emailOf } from '../src/core/assertion-identity.js'
import { devIdpAttributes } from '../src/core/dev-idp.js'
import { normalizeDomain } from '../src/core/domain-name.js'
import { neutralizeName } from '../src/core/invisible-characters.js'
import { checkRedirectUri } from '../src/core/oidc-clients.js'
import { checkEmail, checkName } from '../src/core/validation.js'

/** Written out by hand, not derived from the implementation's regular expression. */
const ASCII_CONTROLS = ['\u0000', '\u0001', '\u000b', '\u001b', '\u007f']
const INVISIBLE = [
  '\u0085',
  '\u009f', // C1 controls
  '\u00ad', // soft hyphen
  '\u034f', // combining grapheme joiner
  '\u061c', // Arabic letter mark
  '\u115f',
  '\u1160',
  '\u3164',
  '\uffa0', // Hangul fillers
  '\u17b4',
  '\u17b5',
  '\u180b',
  '\u180e', // Khmer vowels inherent, Mongolian FVS1 and vowel separator
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200e',
  '\u200f', // zero width space / non-joiner / joiner, LRM, RLM
  '\u2028',
  '\u2029', // line and paragraph separators
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e', // embeddings, pop, overrides
  '\u2060',
  '\u2061',
  '\u2062',
  '\u2063',
  '\u2064', // word joiner, invisible operators
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069', // isolates
  '\u206a',
  '\u206f', // deprecated format characters
  '\u2800', // braille pattern blank
  '\ufe00',
  '\ufe0f',
  '\u{e0100}', // variation selectors
  '\ufeff', // zero width no-break space (BOM)
  '\ufff9',
  '\ufffb', // interlinear annotation
  '\u{1d173}', // musical symbol begin beam
  '\u{e0001}',
  '\u{e0041}',
  '\u{e007f}', // tags
]
const BIDI = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069']

/** Letters of several scripts, accents and combining marks included: what real addresses and names hold. */
const LETTERS = [
  ...'abcdefghijklmnopqrstuvwxyz0123456789',
  'é',
  'ü',
  'ß',
  'ø',
  'ñ',
  'ç',
  'ж',
  'я',
  'λ',
  'ω',
  '中',
  '文',
  '日',
  'の',
  'ك',
  'ت',
  'ب',
  'ש',
  'ל',
  'ם',
  'क',
  'ि',
  'ह',
  'ं',
  'ก',
  'ั',
]
const word = fc.array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 12 }).map((a) => a.join(''))
const email = fc.tuple(word, word, fc.constantFrom('com', 'test', 'de', 'рф', '中国')).map(([local, host, tld]) => `${local}@${host}.${tld}`)
const name = fc
  .tuple(word, fc.constantFrom('', ' ', '-', '’'))
  .chain(([w, sep]) => word.map((w2) => `${w}${sep}${w2}`))
  .map((n) => n[0]!.toUpperCase() + n.slice(1))

/** `value` with `char` inserted at a position chosen by fast-check (start and end included). */
const inserted = (value: fc.Arbitrary<string>, chars: readonly string[]) =>
  fc.tuple(value, fc.constantFrom(...chars), fc.nat()).map(([v, char, at]) => {
    const points = [...v]
    const i = at % (points.length + 1)
    return { clean: v, dirty: [...points.slice(0, i), char, ...points.slice(i)].join(''), char }
  })

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (error) {
    return (error as { code?: string }).code
  }
}

describe('email addresses', () => {
  it('refuses an email with an invisible or bidi character anywhere in it, naming the character', () => {
    fc.assert(
      fc.property(inserted(email, INVISIBLE), ({ dirty, char }) => {
        let caught: unknown
        try {
          checkEmail(dirty)
        } catch (error) {
          caught = error
        }
        expect(caught).toMatchObject({ code: 'email_invisible_character', field: 'email' })
        expect((caught as Error).message).toContain(`U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses an email with an ASCII control character inside as malformed (email_invalid), as before', () => {
    fc.assert(
      fc.property(inserted(email, ASCII_CONTROLS), ({ dirty }) => {
        expect(codeOf(() => checkEmail(dirty))).toBe('email_invalid')
      }),
      { numRuns: 200 },
    )
  })

  it('accepts the same emails without it, in any script, unchanged', () => {
    fc.assert(
      fc.property(email, (clean) => {
        expect(checkEmail(clean)).toBe(clean)
        expect(checkEmail(`  ${clean}\n`)).toBe(clean)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses the classic look-alikes and accepts the real addresses', () => {
    for (const [lookAlike, real] of [
      ['alice@exam\u200bple.com', 'alice@example.com'],
      ['ali\u00adce@example.com', 'alice@example.com'],
      ['\u202emoc.elpmaxe@ecila', 'alice@example.com'],
      ['alice\u3164@example.com', 'alice@example.com'],
      ['alice@example.com\ufe0f', 'alice@example.com'],
      ['alice@b\u200dücher.de', 'alice@bücher.de'],
    ]) {
      expect(
        codeOf(() => checkEmail(lookAlike!)),
        lookAlike,
      ).toBe('email_invisible_character')
      expect(checkEmail(real!)).toBe(real)
    }
  })

  it('refuses an email domain with an invisible character, and accepts the same domain typed cleanly', () => {
    expect(codeOf(() => normalizeDomain('exam\u00adple.com'))).toBe('domain_invalid')
    expect(codeOf(() => normalizeDomain('b\u200bücher.example'))).toBe('domain_invalid')
    expect(normalizeDomain('example.com')).toBe('example.com')
    expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example')
  })
})

describe('the development IdP form', () => {
  it('names the invisible character in an email it refuses, and takes the clean email', () => {
    const form = { firstName: 'Alice', lastName: 'A', roles: '', rolesAttribute: 'roles', attributes: '', encrypt: false, signResponse: false }
    expect(() => devIdpAttributes({ ...form, email: 'alice@exam\u200bple.com' })).toThrow(
      expect.objectContaining({ code: 'dev_idp_input_invalid', message: expect.stringContaining('U+200B') }),
    )
    expect(devIdpAttributes({ ...form, email: 'alice@example.com' }).email).toBe('alice@example.com')
  })
})

describe('emails an IdP asserts', () => {
  const mapping = ['email']
  it('refuses a NameID with an invisible character instead of passing over it to the email attribute', () => {
    const result = emailOf({ nameId: 'alice@exam\u200bple.com', attributes: { email: ['alice@example.com'] } }, mapping)
    expect(result).toMatchObject({ code: 'email_invisible_character', source: 'NameID', character: 'U+200B' })
    expect(emailOf({ nameId: 'alice@example.com', attributes: { email: ['alice@example.com'] } }, mapping)).toBe('alice@example.com')
  })

  it('refuses an email attribute with a bidi override when the NameID is not an email, and takes the clean one', () => {
    expect(emailOf({ nameId: '00u1abcd', attributes: { email: ['\u202emoc.elpmaxe@ecila'] } }, mapping)).toMatchObject({
      code: 'email_invisible_character',
      source: 'attribute',
    })
    expect(emailOf({ nameId: '00u1abcd', attributes: { email: ['alice@example.com'] } }, mapping)).toBe('alice@example.com')
  })
})

describe('names', () => {
  it('refuses a name with a bidi control anywhere in it, naming the character', () => {
    fc.assert(
      fc.property(inserted(name, BIDI), ({ dirty }) => {
        expect(codeOf(() => checkName(dirty, 'firstName', 'First name'))).toBe('name_bidi_control')
      }),
      { numRuns: 300 },
    )
  })

  it('accepts names of every script, right-to-left ones and ZWNJ inside Persian words included', () => {
    fc.assert(
      fc.property(name, (clean) => {
        expect(checkName(clean, 'firstName', 'First name')).toBe(clean.trim())
      }),
      { numRuns: 300 },
    )
    for (const real of ['مریم', 'می\u200cخواهم', 'שרה', 'Zoë', 'José-María', '李小龙']) expect(checkName(real, 'firstName', 'First name')).toBe(real)
  })

  it('neutralises a name from an IdP: removes the bidi controls and keeps every other character', () => {
    fc.assert(
      fc.property(inserted(name, BIDI), ({ clean, dirty }) => {
        expect(neutralizeName(dirty)).toBe(clean)
        expect(neutralizeName(clean)).toBe(clean)
      }),
      { numRuns: 300 },
    )
  })
})

describe('OIDC redirect URIs', () => {
  const REFUSED: [string, string, boolean][] = [
    ['a relative reference', '/callback', false],
    ['a fragment', 'https://app.example.com/cb#x', false],
    ['a user name and password', 'https://user:pw@app.example.com/cb', false],
    ['an empty user info', 'https://@app.example.com/cb', false],
    ['a backslash', 'https://app.example.com\\@evil.example/cb', false],
    ['a backslash in the path', 'https://app.example.com/cb\\x', false],
    ['a tab the URL parser would drop', 'https://app.exa\tmple.com/cb', false],
    ['a newline the URL parser would drop', 'https://app.example.com/c\nb', false],
    ['a space', 'https://app.example.com/c b', false],
    ['a control character', 'https://app.example.com/cb\u0000', false],
    ['a zero-width space', 'https://app.exam\u200bple.com/cb', false],
    ['a right-to-left override', 'https://app.example.com/\u202ebc', false],
    ['a private-use scheme', 'com.example.app:/oauth2redirect', false],
    ['a script scheme', 'javascript:alert(1)', false],
    ['plain http to a host name', 'http://app.example.com/cb', false],
    ['plain http to localhost in production (RFC 8252 §8.3)', 'http://localhost:8080/cb', true],
    ['plain http to a private address in production', 'http://10.0.0.5:8080/cb', true],
    ['plain http to a host name in production', 'http://app.example.com/cb', true],
  ]
  for (const [what, uri, production] of REFUSED) {
    it(`refuses a redirect URI with ${what}${production ? '' : ', in any mode'}`, () => {
      expect(codeOf(() => checkRedirectUri(uri, production, 'redirectUris[0]'))).toBe('redirect_uri_invalid')
      if (!production) expect(codeOf(() => checkRedirectUri(uri, true, 'redirectUris[0]'))).toBe('redirect_uri_invalid')
    })
  }

  const ACCEPTED: [string, string, boolean][] = [
    ['https', 'https://app.example.com/callback?x=1', true],
    ['https with an @ in the query', 'https://app.example.com/cb?email=a@b.c', true],
    ['RFC 8252 loopback IPv4 in production', 'http://127.0.0.1:49152/callback', true],
    ['RFC 8252 loopback IPv6 in production', 'http://[::1]:49152/callback', true],
    ['http to localhost outside production', 'http://localhost:5173/callback', false],
  ]
  for (const [what, uri, production] of ACCEPTED) {
    it(`accepts ${what}`, () => {
      expect(checkRedirectUri(uri, production, 'redirectUris[0]')).toBe(uri)
    })
  }
})
