/** The rules an email domain must meet (core/domain-name.ts), table-driven. */
import { describe, expect, it } from 'vitest'
import { emailDomainOf, normalizeDomain } from '../src/core/domain-name.js'
import { SsoError } from '../src/core/sso-error.js'

const label63 = 'a'.repeat(63)

describe('normalizeDomain', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['ACME.Com', 'acme.com'],
    ['  acme.com.  ', 'acme.com'],
    ['mail.eu.acme.co.uk', 'mail.eu.acme.co.uk'],
    ['acme.co.uk', 'acme.co.uk'],
    ['Bücher.Example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['a-b.io', 'a-b.io'],
    [`${label63}.${label63}.${label63}.${'a'.repeat(58)}.io`, `${label63}.${label63}.${label63}.${'a'.repeat(58)}.io`],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected)
  })

  it.each([
    ['', 'empty'],
    ['com', 'a top-level domain'],
    ['localhost', 'a single label'],
    ['co.uk', 'a public suffix'],
    ['COM.AU', 'a public suffix in capitals'],
    ['github.io', 'shared hosting'],
    ['gmail.com', 'a public email provider'],
    ['*.acme.com', 'a wildcard'],
    ['*', 'a bare wildcard'],
    ['1.2.3.4', 'an IPv4 address'],
    ['[::1]', 'an IPv6 address'],
    ['2001:db8::1', 'a bare IPv6 address'],
    ['10.0.0.999', 'numeric labels'],
    ['jo@acme.com', 'an email'],
    ['acme..com', 'an empty label'],
    ['-acme.com', 'a label starting with -'],
    ['acme-.com', 'a label ending with -'],
    ['ac_me.com', 'an underscore'],
    ['acme com.io', 'a space'],
    [`${'a'.repeat(64)}.com`, 'a label over 63'],
    [`${label63}.${label63}.${label63}.${'a'.repeat(59)}.io`, '254 characters'],
    ['x'.repeat(5000), 'far too long'],
    ['https://acme.com/', 'a URL'],
  ])('refuses %j (%s) with domain_invalid', (input) => {
    let error: unknown
    try {
      normalizeDomain(input)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SsoError)
    expect((error as SsoError).code).toBe('domain_invalid')
    expect((error as SsoError).field).toBe('domain')
  })
})

describe('emailDomainOf', () => {
  it.each([
    ['jo@Acme.COM', 'acme.com'],
    ['"odd@local"@acme.com', 'acme.com'],
    ['jo@bücher.example', 'xn--bcher-kva.example'],
    ['jo@gmail.com', undefined],
    ['jo@localhost', undefined],
    ['acme.com', undefined],
    ['@acme.com', undefined],
  ])('%j → %j', (email, domain) => {
    expect(emailDomainOf(email)).toBe(domain)
  })
})
