import { describe, expect, it } from 'vitest'
import { scimErrorBody, ScimError, SCIM_ERROR_STATUS } from '../../src/scim/error.js'
import { diffMembers, groupToScim, parseGroupBody } from '../../src/scim/group.js'
import { findUserEmail, parseUserBody, userToScim } from '../../src/scim/user.js'
import { BASE_URL, errorCode, expectOk, storedGroup, storedUser } from './helpers.js'

describe('parseUserBody', () => {
  const refused: Array<[string, unknown, string]> = [
    ['a body that is not an object', 'x', 'invalidSyntax'],
    ['a missing userName', { emails: [] }, 'invalidValue'],
    ['a blank userName', { userName: '  ' }, 'invalidValue'],
    ['a userName that is not a string', { userName: 5 }, 'invalidValue'],
    ['a userName over 1024 characters', { userName: `${'a'.repeat(1020)}@x.io` }, 'invalidValue'],
    ['a control character in userName', { userName: 'a\u0000@example.com' }, 'invalidValue'],
    ['an email that is not an address', { userName: 'a@example.com', emails: [{ value: 'nope' }] }, 'invalidValue'],
    ['an email without a value', { userName: 'a@example.com', emails: [{ type: 'work' }] }, 'invalidValue'],
    ['more than 100 emails', { userName: 'a@example.com', emails: Array.from({ length: 101 }, (_, i) => ({ value: `a${i}@example.com` })) }, 'tooMany'],
    ['active as a truthy string', { userName: 'a@example.com', active: 'no' }, 'invalidValue'],
    ['active as a number', { userName: 'a@example.com', active: 0 }, 'invalidValue'],
    ['name that is not an object', { userName: 'a@example.com', name: 'Ada' }, 'invalidValue'],
    ['name.givenName that is not a string', { userName: 'a@example.com', name: { givenName: 1 } }, 'invalidValue'],
    ['a key that is not an attribute name', { userName: 'a@example.com', 'bad key': 1 }, 'invalidSyntax'],
    ['the same attribute twice in other case', { userName: 'a@example.com', USERNAME: 'b@example.com' }, 'invalidSyntax'],
    ['values nested too deep', { userName: 'a@example.com', x: { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } } }, 'invalidValue'],
  ]
  for (const [label, body, code] of refused) {
    it(`refuses ${label} with ${code}`, () => expect(errorCode(parseUserBody(body))).toBe(code))
  }

  it('reads active from "True"/"False" in any case, and defaults it to true', () => {
    expect(expectOk(parseUserBody({ userName: 'a@example.com', active: 'False' })).active).toBe(false)
    expect(expectOk(parseUserBody({ userName: 'a@example.com', active: 'TRUE' })).active).toBe(true)
    expect(expectOk(parseUserBody({ userName: 'a@example.com' })).active).toBe(true)
  })

  it('reads attribute names case-insensitively and keeps at most one primary email', () => {
    const user = expectOk(
      parseUserBody({
        USERNAME: 'a@example.com',
        Emails: [
          { Value: 'a@example.com', Primary: 'true' },
          { value: 'b@example.com', primary: true },
        ],
      }),
    )
    expect(user.userName).toBe('a@example.com')
    expect(user.emails).toEqual([
      { value: 'a@example.com', primary: true },
      { value: 'b@example.com', primary: false },
    ])
  })
})

describe('userToScim', () => {
  it('renders schemas with the extensions present, the enterprise extension and meta.location', () => {
    const user = storedUser({
      userName: 'ada@example.com',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', manager: { value: 'u-9' } },
      title: 'Countess',
    })
    const json = JSON.parse(JSON.stringify(userToScim(user, BASE_URL)))
    expect(json).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      id: 'u-1',
      userName: 'ada@example.com',
      active: true,
      title: 'Countess',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', manager: { value: 'u-9' } },
      meta: { resourceType: 'User', created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z', location: `${BASE_URL}/Users/u-1` },
    })
  })

  it('finds the email from userName, else the primary email, else the first', () => {
    expect(findUserEmail(storedUser({ userName: 'ada@example.com' }))).toBe('ada@example.com')
    expect(findUserEmail(storedUser({ userName: 'ada', emails: [{ value: 'x@example.com' }, { value: 'p@example.com', primary: true }] }))).toBe(
      'p@example.com',
    )
    expect(findUserEmail(storedUser({ userName: 'ada', emails: [{ value: 'x@example.com' }] }))).toBe('x@example.com')
    expect(findUserEmail(storedUser({ userName: 'ada' }))).toBeUndefined()
  })
})

describe('groups', () => {
  it('refuses a group without displayName and merges a member listed twice', () => {
    expect(errorCode(parseGroupBody({ members: [] }))).toBe('invalidValue')
    expect(expectOk(parseGroupBody({ displayName: 'g', members: [{ value: 'a' }, { value: 'a', display: 'A' }] })).members).toEqual([
      { value: 'a', display: 'A' },
    ])
  })

  it('renders members with their $ref', () => {
    const json = JSON.parse(JSON.stringify(groupToScim(storedGroup({ displayName: 'acme-admins', members: [{ value: 'u-1' }] }), BASE_URL)))
    expect(json.members).toEqual([{ value: 'u-1', $ref: `${BASE_URL}/Users/u-1` }])
    expect(json.meta.location).toBe(`${BASE_URL}/Groups/g-1`)
  })

  it('diffs member lists for a PUT', () => {
    expect(diffMembers([{ value: 'a' }, { value: 'b' }], [{ value: 'b' }, { value: 'c' }])).toEqual({ added: ['c'], removed: ['a'] })
  })
})

describe('scimErrorBody', () => {
  it('gives RFC 7644 §3.12 bodies: status as a string, scimType only where the RFC names one', () => {
    expect(scimErrorBody(new ScimError('invalidFilter', 'bad'))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'bad',
    })
    expect(scimErrorBody(new ScimError('uniqueness', 'taken'))).toMatchObject({ status: '409', scimType: 'uniqueness' })
    expect(scimErrorBody(new ScimError('notFound', 'no such user'))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: 'no such user',
    })
    expect(SCIM_ERROR_STATUS.unauthorized).toBe(401)
  })
})
