/**
 * Attribute names from the IdP are data: none may reach Object.prototype or an inherited member
 * (core/keyed-record.ts explains the attack). Each attack is refused with its code, and the same
 * request without it is accepted (STYLE §6).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { parseUserFilter } from '../../src/scim/filter.js'
import { patchGroup, patchUser } from '../../src/scim/patch.js'
import { parseProjection, projectResource } from '../../src/scim/projection.js'
import { parseUserBody, userToScim } from '../../src/scim/user.js'
import { BASE_URL, errorCode, expectOk, storedGroup, storedUser } from './helpers.js'

const PATCH_OP = ['urn:ietf:params:scim:api:messages:2.0:PatchOp']
const polluted = () => (Object.prototype as Record<string, unknown>)['polluted']

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>)['polluted']
})

describe('prototype safety', () => {
  const user = () => storedUser({ userName: 'ada@example.com', name: { givenName: 'Ada' } })

  const attacks: Array<[string, unknown]> = [
    ['a pathless key __proto__.polluted', { op: 'replace', value: JSON.parse('{"__proto__.polluted": "yes"}') }],
    ['a pathless key __proto__ with an object', { op: 'replace', value: JSON.parse('{"__proto__": {"polluted": "yes"}}') }],
    ['a path __proto__.polluted', { op: 'add', path: '__proto__.polluted', value: 'yes' }],
    ['a nested __proto__ key in a value', { op: 'replace', path: 'name', value: JSON.parse('{"__proto__": {"polluted": "yes"}}') }],
    ['a filter attribute __proto__', { op: 'replace', path: 'emails[__proto__ eq "x"].value', value: 'a@b.co' }],
  ]
  for (const [label, operation] of attacks) {
    it(`refuses ${label} and leaves Object.prototype alone`, () => {
      const result = patchUser(user(), { schemas: PATCH_OP, Operations: [operation] })
      expect(['invalidPath', 'invalidSyntax', 'noTarget']).toContain(errorCode(result))
      expect(polluted()).toBeUndefined()
    })
  }

  it('accepts the same operations with ordinary names', () => {
    const result = expectOk(
      patchUser(user(), {
        schemas: PATCH_OP,
        Operations: [
          { op: 'replace', value: { 'name.familyName': 'Lovelace' } },
          { op: 'add', path: 'constructor', value: 'a plain attribute named constructor' },
        ],
      }),
    )
    expect(result.user.name).toEqual({ givenName: 'Ada', familyName: 'Lovelace' })
    expect(result.user.extra['constructor']).toBe('a plain attribute named constructor')
  })

  it('stores a path constructor.prototype as data in the user, never on Object.prototype', () => {
    const operation = { op: 'add', path: 'constructor.prototype', value: { polluted: 'yes' } }
    const result = expectOk(patchUser(user(), { schemas: PATCH_OP, Operations: [operation] }))
    expect(polluted()).toBeUndefined()
    expect(JSON.parse(JSON.stringify(result.user.extra))).toEqual({ constructor: { prototype: { polluted: 'yes' } } })
  })

  it('does not find inherited members: toString is not an attribute of a user', () => {
    const result = expectOk(patchUser(user(), { schemas: PATCH_OP, Operations: [{ op: 'remove', path: 'toString' }] }))
    expect(result.changed).toBe(false)
  })

  it('refuses a body key __proto__ and accepts the body without it', () => {
    const attack = JSON.parse('{"userName": "a@example.com", "__proto__": {"active": false}}')
    expect(errorCode(parseUserBody(attack))).toBe('invalidSyntax')
    expect(errorCode(parseUserBody({ userName: 'a@example.com' }))).toBe('ok')
  })

  it('keeps stored extra attributes in prototype-less records', () => {
    const parsed = expectOk(parseUserBody({ userName: 'a@example.com', title: 'x' }))
    expect(Object.getPrototypeOf(parsed.extra)).toBeNull()
  })

  it('refuses members whose keys try the prototype, and accepts plain members', () => {
    const group = storedGroup({ displayName: 'g' })
    const attack = { schemas: PATCH_OP, Operations: [{ op: 'add', path: 'members', value: JSON.parse('[{"value": "u", "__proto__": {"polluted": 1}}]') }] }
    expect(errorCode(patchGroup(group, attack))).toBe('invalidSyntax')
    expect(polluted()).toBeUndefined()
    expect(errorCode(patchGroup(group, { schemas: PATCH_OP, Operations: [{ op: 'add', path: 'members', value: [{ value: 'u' }] }] }))).toBe('ok')
  })

  it('projects attributes named like inherited members to nothing', () => {
    const projection = expectOk(parseProjection({ attributes: 'constructor,toString,userName' }))
    const projected = projectResource(userToScim(user(), BASE_URL), projection)
    expect(Object.keys(projected).sort()).toEqual(['id', 'meta', 'schemas', 'userName'])
  })

  it('refuses a filter joined by an inherited name and accepts it joined by and', () => {
    expect(errorCode(parseUserFilter('userName eq "a" hasOwnProperty userName eq "b"'))).toBe('invalidFilter')
    expect(errorCode(parseUserFilter('userName eq "a" and userName eq "b"'))).toBe('ok')
  })
})
