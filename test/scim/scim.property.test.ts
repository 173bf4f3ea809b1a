/**
 * Properties over arbitrary input (fast-check): the filter parser gives a query or invalidFilter and
 * nothing else; the PATCH engine gives a resource or a ScimError and nothing else; neither throws.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ScimError } from '../../src/scim/error.js'
import { parseGroupFilter, parseUserFilter } from '../../src/scim/filter.js'
import { patchGroup, patchUser } from '../../src/scim/patch.js'
import { parseUserBody } from '../../src/scim/user.js'
import { storedGroup, storedUser } from './helpers.js'

const tokens = [
  'userName',
  'externalId',
  'id',
  'emails',
  'emails.value',
  'members',
  'value',
  'type',
  'displayName',
  '__proto__',
  'constructor',
  'eq',
  'ne',
  'co',
  'pr',
  'gt',
  'and',
  'or',
  'not',
  'toString',
  '(',
  ')',
  '[',
  ']',
  '].value',
  '"work"',
  '"a@b.c"',
  '"',
  '\\"',
  'true',
  'null',
  '5',
  ' ',
  '\n',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName',
]
/** Filter-like text: a mix of grammar tokens and arbitrary characters. */
const filterText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((parts) => parts.join(' ')),
  fc.array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 3 })), { maxLength: 40 }).map((parts) => parts.join('')),
)

describe('filter parsing never throws', () => {
  it('gives a query or invalidFilter for any text (users and groups)', () => {
    fc.assert(
      fc.property(filterText, (text) => {
        for (const result of [parseUserFilter(text), parseGroupFilter(text)]) {
          if (result.ok) expect(Array.isArray(result.value.conditions)).toBe(true)
          else expect(result.error.code).toBe('invalidFilter')
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('reads every generated eq-and filter back into its conditions', () => {
    const condition = fc.record({
      attribute: fc.constantFrom('userName', 'externalId', 'id', 'emails.value'),
      value: fc.string({ maxLength: 20 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
    })
    fc.assert(
      fc.property(fc.array(condition, { minLength: 1, maxLength: 10 }), (conditions) => {
        const text = conditions.map((c) => `${c.attribute} eq ${JSON.stringify(c.value)}`).join(' and ')
        const result = parseUserFilter(text)
        if (!result.ok) throw new Error(`${text}: ${result.error.message}`)
        expect(result.value.conditions).toEqual(conditions)
      }),
      { numRuns: 500 },
    )
  })
})

const paths = [
  'userName',
  'active',
  'name.givenName',
  'emails',
  'emails[type eq "work"].value',
  'members',
  'members[value eq "u-1"]',
  'displayName',
  'id',
  'meta',
  '__proto__.x',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
  'title',
  'a[b',
  'emails[type eq "work"]',
  'name',
  'x.y.z',
  '',
]
const jsonValue = fc.jsonValue({ maxDepth: 3 })
const operation = fc.record(
  {
    op: fc.oneof(fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'Remove', 'REPLACE', 'move'), fc.anything()),
    path: fc.oneof(fc.constantFrom(...paths), fc.string({ maxLength: 40 }), fc.anything()),
    value: fc.oneof(jsonValue, fc.dictionary(fc.constantFrom(...paths), jsonValue), fc.constantFrom('False', 'True', [{ value: 'u-2' }])),
  },
  { requiredKeys: ['op'] },
)
const patchBody = fc.oneof(
  fc.record({ schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']), Operations: fc.array(operation, { maxLength: 6 }) }),
  fc.anything(),
)

describe('the PATCH engine never throws', () => {
  const user = storedUser({ userName: 'ada@example.com', emails: [{ value: 'ada@example.com', type: 'work' }], name: { givenName: 'Ada' } })
  const group = storedGroup({ displayName: 'g', members: [{ value: 'u-1' }] })

  it('gives a valid resource or a ScimError for any body', () => {
    fc.assert(
      fc.property(patchBody, (body) => {
        const users = patchUser(user, body)
        if (users.ok) expect(parseUserBody(users.value.user).ok).toBe(true)
        else expect(users.error).toBeInstanceOf(ScimError)
        const groups = patchGroup(group, body)
        if (!groups.ok) expect(groups.error).toBeInstanceOf(ScimError)
        expect((Object.prototype as Record<string, unknown>)['x']).toBeUndefined()
      }),
      { numRuns: 3000 },
    )
  })

  it('gives a user or a ScimError for any POST body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ userName: jsonValue, emails: jsonValue, active: jsonValue, name: jsonValue })), (body) => {
        const result = parseUserBody(body)
        if (!result.ok) expect(result.error).toBeInstanceOf(ScimError)
      }),
      { numRuns: 2000 },
    )
  })
})
