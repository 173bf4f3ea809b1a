import { describe, expect, it } from 'vitest'
import { readPatchBody, patchGroup, patchUser } from '../../src/scim/patch.js'
import { errorCode, expectOk, storedGroup, storedUser } from './helpers.js'

const PATCH_OP = ['urn:ietf:params:scim:api:messages:2.0:PatchOp']
const body = (...Operations: unknown[]) => ({ schemas: PATCH_OP, Operations })
const user = () =>
  storedUser({
    userName: 'ada@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'ada@example.com', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ],
    title: 'Countess',
  })

describe('readPatchBody', () => {
  const refused: Array<[string, unknown, string]> = [
    ['a body that is not an object', [], 'invalidSyntax'],
    ['schemas without the PatchOp URN', { schemas: ['urn:x'], Operations: [] }, 'invalidSyntax'],
    ['a missing Operations', { schemas: PATCH_OP }, 'invalidSyntax'],
    ['an unknown op', body({ op: 'move', path: 'title' }), 'invalidSyntax'],
    ['an op that is not a string', body({ op: 1, path: 'title' }), 'invalidSyntax'],
    ['a path that is not a string', body({ op: 'remove', path: 5 }), 'invalidPath'],
    ['more than 1000 operations', body(...Array.from({ length: 1001 }, () => ({ op: 'remove', path: 'title' }))), 'tooMany'],
    ['more than 10,000 values', body({ op: 'add', path: 'members', value: Array.from({ length: 10_001 }, (_, i) => ({ value: `${i}` })) }), 'tooMany'],
    ['a string over 1024 characters', body({ op: 'replace', path: 'title', value: 'x'.repeat(1025) }), 'invalidValue'],
  ]
  for (const [label, input, code] of refused) {
    it(`refuses ${label} with ${code}`, () => expect(errorCode(readPatchBody(input))).toBe(code))
  }

  it('reads ops in any case, and a body without schemas', () => {
    expect(expectOk(readPatchBody({ Operations: [{ op: 'REPLACE', path: 'title', value: 'x' }] }))).toEqual([{ op: 'replace', path: 'title', value: 'x' }])
  })
})

describe('patchUser', () => {
  it('applies all operations or none: a failing last operation leaves the user as it was', () => {
    const start = user()
    const result = patchUser(start, body({ op: 'replace', path: 'title', value: 'Engineer' }, { op: 'replace', path: 'id', value: 'other' }))
    expect(errorCode(result)).toBe('mutability')
    expect(start).toEqual(user())
  })

  const refused: Array<[string, unknown, string]> = [
    ['changing id', { op: 'replace', value: { id: 'other' } }, 'mutability'],
    ['setting meta', { op: 'replace', path: 'meta.created', value: 'x' }, 'mutability'],
    ['setting groups (read-only on users)', { op: 'add', path: 'groups', value: [{ value: 'g' }] }, 'mutability'],
    ['a remove without a path', { op: 'remove' }, 'noTarget'],
    [
      'a replace of a filtered element that does not exist, without a sub-attribute',
      { op: 'replace', path: 'emails[type eq "other"]', value: { value: 'x@y.z' } },
      'noTarget',
    ],
    ['a path outside the grammar', { op: 'replace', path: 'name..givenName', value: 'x' }, 'invalidPath'],
    ['an unclosed filter', { op: 'replace', path: 'emails[type eq "work".value', value: 'x' }, 'invalidPath'],
    ['text after a filter', { op: 'replace', path: 'emails[type eq "work"]value', value: 'x' }, 'invalidPath'],
    ['an unsupported filter operator', { op: 'replace', path: 'emails[type gt "a"].value', value: 'x@y.z' }, 'invalidPath'],
    ['a filter on a single-valued attribute', { op: 'replace', path: 'title[value eq "x"].value', value: 'x' }, 'invalidPath'],
    ['a sub-attribute of a simple attribute', { op: 'replace', path: 'title.value', value: 'x' }, 'invalidPath'],
    ['an add without a value', { op: 'add', path: 'title' }, 'invalidValue'],
    ['a pathless add whose value is not an object', { op: 'add', value: 'x' }, 'invalidValue'],
    ['an active that is not a boolean', { op: 'replace', path: 'active', value: 'yes' }, 'invalidValue'],
    ['an email that is not an address', { op: 'replace', path: 'emails[type eq "work"].value', value: 'not-an-email' }, 'invalidValue'],
    ['removing userName', { op: 'remove', path: 'userName' }, 'invalidValue'],
  ]
  for (const [label, operation, code] of refused) {
    it(`refuses ${label} with ${code}`, () => expect(errorCode(patchUser(user(), body(operation)))).toBe(code))
  }

  it('replaces a whole multi-valued attribute and appends on add without duplicating a value', () => {
    const replaced = expectOk(patchUser(user(), body({ op: 'replace', path: 'emails', value: [{ value: 'new@example.com', type: 'work' }] })))
    expect(replaced.user.emails).toEqual([{ value: 'new@example.com', type: 'work' }])
    const added = expectOk(
      patchUser(user(), body({ op: 'add', path: 'emails', value: [{ value: 'ada@home.example', type: 'home', display: 'Home' }, { value: 'x@example.com' }] })),
    )
    expect(added.user.emails.map((e) => e.value)).toEqual(['ada@example.com', 'ada@home.example', 'x@example.com'])
    expect(added.user.emails[1]?.display).toBe('Home')
  })

  it('makes a newly added primary email the only primary', () => {
    const result = expectOk(patchUser(user(), body({ op: 'add', path: 'emails', value: [{ value: 'p@example.com', primary: 'True' }] })))
    expect(result.user.emails.filter((e) => e.primary).map((e) => e.value)).toEqual(['p@example.com'])
  })

  it('removes filtered elements, a sub-attribute of them, or a whole attribute; a missing target is a no-op', () => {
    expect(expectOk(patchUser(user(), body({ op: 'remove', path: 'emails[type eq "home"]' }))).user.emails.map((e) => e.value)).toEqual(['ada@example.com'])
    expect(expectOk(patchUser(user(), body({ op: 'remove', path: 'emails[type eq "home"].type' }))).user.emails[1]).toEqual({ value: 'ada@home.example' })
    expect(expectOk(patchUser(user(), body({ op: 'remove', path: 'name.givenName' }))).user.name).toEqual({ familyName: 'Lovelace' })
    expect(expectOk(patchUser(user(), body({ op: 'remove', path: 'title' }))).user.extra).toEqual({})
    const noop = expectOk(patchUser(user(), body({ op: 'remove', path: 'nickName' })))
    expect(noop.changed).toBe(false)
  })

  it('matches filters case-insensitively and booleans given as strings', () => {
    const result = expectOk(patchUser(user(), body({ op: 'replace', path: 'emails[TYPE eq "WORK" and primary eq "True"].display', value: 'Work' })))
    expect(result.user.emails[0]?.display).toBe('Work')
  })

  it('treats attribute names case-insensitively and a null value as removal', () => {
    const result = expectOk(patchUser(user(), body({ op: 'Replace', value: { Title: null, DISPLAYNAME: 'Ada L.' } })))
    expect(result.user.displayName).toBe('Ada L.')
    expect(result.user.extra).toEqual({})
  })

  it('keeps unknown extensions as sent and returns them', () => {
    const result = expectOk(patchUser(user(), body({ op: 'add', path: 'urn:example:params:custom:2.0:User:worksiteId', value: '180' })))
    expect(result.user.extra['urn:example:params:custom:2.0:User']).toEqual({ worksiteId: '180' })
  })
})

describe('patchGroup', () => {
  it('replaces a member matched by a value filter and reports nothing added or removed', () => {
    const start = storedGroup({ displayName: 'g', members: [{ value: 'u-1', display: 'Old' }] })
    const result = expectOk(patchGroup(start, body({ op: 'replace', path: 'members[value eq "u-1"]', value: { display: 'New' } })))
    expect(result.group.members).toEqual([{ value: 'u-1', display: 'New' }])
    expect(result.members).toEqual({ added: [], removed: [] })
  })

  it('removes every member with remove members', () => {
    const start = storedGroup({ displayName: 'g', members: [{ value: 'a' }, { value: 'b' }] })
    expect(expectOk(patchGroup(start, body({ op: 'remove', path: 'members' }))).members).toEqual({ added: [], removed: ['a', 'b'] })
  })

  it('refuses to empty displayName', () => {
    expect(errorCode(patchGroup(storedGroup({ displayName: 'g' }), body({ op: 'replace', path: 'displayName', value: '' })))).toBe('invalidValue')
  })
})
