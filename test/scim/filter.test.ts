import { describe, expect, it } from 'vitest'
import { matchesGroupQuery, matchesUserQuery } from '../../src/scim/filter-match.js'
import { parseGroupFilter, parseUserFilter } from '../../src/scim/filter.js'
import { errorCode, expectOk, storedGroup, storedUser } from './helpers.js'

describe('parseUserFilter', () => {
  const accepted: Array<[string, unknown[]]> = [
    // Okta SPEC test and CRUD docs (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/)
    ['userName eq "test.user@okta.local"', [{ attribute: 'userName', value: 'test.user@okta.local' }]],
    // Entra (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
    ['userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"', [{ attribute: 'userName', value: 'Test_User_dfeef4c5-5681-4387-b016-bdf221e82081' }]],
    ['externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"', [{ attribute: 'externalId', value: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef' }]],
    ['id eq "u-1"', [{ attribute: 'id', value: 'u-1' }]],
    ['emails.value eq "a@example.com"', [{ attribute: 'emails.value', value: 'a@example.com' }]],
    ['emails[type eq "work"].value eq "a@example.com"', [{ attribute: 'emails.value', value: 'a@example.com', type: 'work' }]],
    ['emails[type eq "work" and value eq "a@example.com"]', [{ attribute: 'emails.value', value: 'a@example.com', type: 'work' }]],
    ['emails[value eq "a@example.com"]', [{ attribute: 'emails.value', value: 'a@example.com' }]],
    // RFC 7644 §3.4.2.2: attribute names and operators are case-insensitive; URN-qualified names allowed.
    ['USERNAME EQ "x@example.com"', [{ attribute: 'userName', value: 'x@example.com' }]],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x@example.com"', [{ attribute: 'userName', value: 'x@example.com' }]],
    [
      'userName eq "x@example.com" and externalId eq "e1"',
      [
        { attribute: 'userName', value: 'x@example.com' },
        { attribute: 'externalId', value: 'e1' },
      ],
    ],
    [
      '(userName eq "x@example.com") and (emails[type eq "work"].value eq "y@example.com" and id eq "u")',
      [
        { attribute: 'userName', value: 'x@example.com' },
        { attribute: 'emails.value', value: 'y@example.com', type: 'work' },
        { attribute: 'id', value: 'u' },
      ],
    ],
    ['userName eq "quote\\"inside@example.com"', [{ attribute: 'userName', value: 'quote"inside@example.com' }]],
    // compValue strings are JSON strings (the library alone failed on an escaped backslash)
    ['userName eq "back\\\\slash"', [{ attribute: 'userName', value: 'back\\slash' }]],
    ['userName eq "\\u0041da"', [{ attribute: 'userName', value: 'Ada' }]],
    ['userName eq "has ] and ) and \\" inside"', [{ attribute: 'userName', value: 'has ] and ) and " inside' }]],
  ]
  for (const [filter, conditions] of accepted) {
    it(`reads ${filter}`, () => {
      expect(expectOk(parseUserFilter(filter))).toEqual({ resourceType: 'User', conditions })
    })
  }

  it('reads an absent or blank filter as every user', () => {
    expect(expectOk(parseUserFilter(undefined)).conditions).toEqual([])
    expect(expectOk(parseUserFilter('  ')).conditions).toEqual([])
  })

  const rejected = [
    'userName co "a"', // operators other than eq
    'userName sw "a"',
    'userName pr',
    'userName eq "a" or userName eq "b"', // or
    'not (userName eq "a")',
    'name.givenName eq "Ada"', // attributes outside §8
    'displayName eq "Ada"',
    'userName eq 5', // non-string values
    'userName eq true',
    'userName eq null',
    'emails[type eq "work"]', // a value path that compares no value
    'emails[type co "w"].value eq "a@b.c"',
    'emails[primary eq true].value eq "a@b.c"',
    'members.value eq "u-1"', // a group attribute on users
    'userName eq "a',
    'userName eq',
    '"a" eq userName',
    'userName eq "a" and',
    'a eq "1" constructor b eq "2"', // the library returns {op: "constructor"}
    'a eq "1" __proto__ b eq "2"',
    'a eq "1" toString b eq "2"',
    `${'('.repeat(9)}userName eq "a"${')'.repeat(9)}`, // nesting
    `userName eq "${'x'.repeat(1000)}"`, // length
    'userName eq "a\u0000"',
    Array.from({ length: 11 }, (_, i) => `id eq "${i}"`).join(' and '), // too many conditions
  ]
  for (const filter of rejected) {
    it(`refuses ${JSON.stringify(filter.slice(0, 60))} with invalidFilter`, () => {
      expect(errorCode(parseUserFilter(filter))).toBe('invalidFilter')
    })
  }

  it('refuses an unclosed quote before many newlines at once (the library backtracks for seconds)', () => {
    const started = performance.now()
    expect(errorCode(parseUserFilter(`userName eq "${'\n'.repeat(40)}`))).toBe('invalidFilter')
    expect(performance.now() - started).toBeLessThan(50)
  })

  it('accepts 8 levels of parentheses, the limit', () => {
    expect(errorCode(parseUserFilter(`${'('.repeat(8)}userName eq "a"${')'.repeat(8)}`))).toBe('ok')
  })
})

describe('parseGroupFilter', () => {
  it('reads displayName, externalId, id and members.value, also as members[value eq …]', () => {
    // Entra: GET /Groups?excludedAttributes=members&filter=displayName eq "displayName"
    expect(expectOk(parseGroupFilter('displayName eq "displayName"')).conditions).toEqual([{ attribute: 'displayName', value: 'displayName' }])
    expect(expectOk(parseGroupFilter('id eq "g-1" and members[value eq "u-1"]')).conditions).toEqual([
      { attribute: 'id', value: 'g-1' },
      { attribute: 'members.value', value: 'u-1' },
    ])
    expect(expectOk(parseGroupFilter('members.value eq "u-1"')).conditions).toEqual([{ attribute: 'members.value', value: 'u-1' }])
    expect(expectOk(parseGroupFilter('externalId eq "e"')).conditions).toEqual([{ attribute: 'externalId', value: 'e' }])
  })

  it('refuses user attributes and other operators', () => {
    expect(errorCode(parseGroupFilter('userName eq "a"'))).toBe('invalidFilter')
    expect(errorCode(parseGroupFilter('displayName sw "a"'))).toBe('invalidFilter')
    expect(errorCode(parseGroupFilter('members[value eq "u" and display eq "d"]'))).toBe('invalidFilter')
  })
})

describe('matchesUserQuery and matchesGroupQuery', () => {
  const user = storedUser({
    userName: 'Ada.Lovelace@Example.com',
    externalId: 'Ext-1',
    emails: [
      { value: 'ada@home.example', type: 'home' },
      { value: 'Ada.Lovelace@Example.com', type: 'Work', primary: true },
    ],
  })
  const cases: Array<[string, boolean]> = [
    ['userName eq "ada.lovelace@example.com"', true], // case-insensitive (Okta SPEC test)
    ['userName eq "ADA.LOVELACE@EXAMPLE.COM"', true],
    ['userName eq "ada@example.com"', false],
    ['externalId eq "Ext-1"', true],
    ['externalId eq "ext-1"', false], // caseExact
    ['id eq "u-1"', true],
    ['id eq "U-1"', false],
    ['emails.value eq "ADA@home.example"', true],
    ['emails[type eq "work"].value eq "ada.lovelace@example.com"', true],
    ['emails[type eq "work"].value eq "ada@home.example"', false], // the same email must have both
    ['emails[type eq "home"].value eq "ada@home.example" and externalId eq "Ext-1"', true],
    ['emails[type eq "home"].value eq "ada@home.example" and externalId eq "x"', false],
  ]
  for (const [filter, expected] of cases) {
    it(`${expected ? 'matches' : 'does not match'} ${filter}`, () => {
      expect(matchesUserQuery(user, expectOk(parseUserFilter(filter)))).toBe(expected)
    })
  }

  it('matches groups by displayName (case-insensitive) and member id (exact)', () => {
    const group = storedGroup({ displayName: 'Acme-Admins', members: [{ value: 'u-1' }] })
    expect(matchesGroupQuery(group, expectOk(parseGroupFilter('displayName eq "acme-admins"')))).toBe(true)
    expect(matchesGroupQuery(group, expectOk(parseGroupFilter('members[value eq "u-1"]')))).toBe(true)
    expect(matchesGroupQuery(group, expectOk(parseGroupFilter('members[value eq "U-1"]')))).toBe(false)
  })
})
