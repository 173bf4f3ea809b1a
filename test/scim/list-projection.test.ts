import { describe, expect, it } from 'vitest'
import { findResourceType, findSchema, resourceTypesList, schemasList, serviceProviderConfig } from '../../src/scim/discovery.js'
import { groupToScim } from '../../src/scim/group.js'
import { listResponse, parsePaging } from '../../src/scim/list.js'
import { parseProjection, projectResource } from '../../src/scim/projection.js'
import { userToScim } from '../../src/scim/user.js'
import { BASE_URL, errorCode, expectOk, storedGroup, storedUser } from './helpers.js'

describe('parsePaging (RFC 7644 §3.4.2.4)', () => {
  const cases: Array<[{ startIndex?: string; count?: string }, { startIndex: number; count: number }]> = [
    [{}, { startIndex: 1, count: 100 }],
    [
      { startIndex: '1', count: '1' },
      { startIndex: 1, count: 1 },
    ], // Okta SPEC test: count=1&startIndex=1
    [{ startIndex: '0' }, { startIndex: 1, count: 100 }],
    [{ startIndex: '-5' }, { startIndex: 1, count: 100 }],
    [{ count: '-1' }, { startIndex: 1, count: 0 }],
    [{ count: '0' }, { startIndex: 1, count: 0 }],
    [{ count: '5000' }, { startIndex: 1, count: 100 }],
    [
      { startIndex: '201', count: '50' },
      { startIndex: 201, count: 50 },
    ],
  ]
  for (const [query, page] of cases) {
    it(`reads ${JSON.stringify(query)} as ${JSON.stringify(page)}`, () => expect(expectOk(parsePaging(query))).toEqual(page))
  }

  it('refuses text that is not an integer with invalidValue', () => {
    expect(errorCode(parsePaging({ startIndex: 'abc' }))).toBe('invalidValue')
    expect(errorCode(parsePaging({ count: '1.5' }))).toBe('invalidValue')
  })

  it('caps count at a given page size', () => expect(expectOk(parsePaging({ count: '50' }, 20)).count).toBe(20))

  it('builds a ListResponse whose totalResults is every match, not the page', () => {
    expect(listResponse([{ id: 'a' }], 250, 3)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 250,
      startIndex: 3,
      itemsPerPage: 1,
      Resources: [{ id: 'a' }],
    })
  })
})

describe('projectResource', () => {
  const user = storedUser({
    userName: 'ada@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'ada@example.com', type: 'work' },
      { value: 'a@home.example', type: 'home' },
    ],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', employeeNumber: '7' },
  })
  const project = (query: { attributes?: string; excludedAttributes?: string }) =>
    JSON.parse(JSON.stringify(projectResource(userToScim(user, BASE_URL), expectOk(parseProjection(query)))))

  it('returns id, schemas and meta always, and only the attributes asked for', () => {
    const json = project({ attributes: 'userName,name.givenName' })
    expect(Object.keys(json).sort()).toEqual(['id', 'meta', 'name', 'schemas', 'userName'])
    expect(json.name).toEqual({ givenName: 'Ada' })
  })

  it('picks sub-attributes of every element of a multi-valued attribute, and URN-qualified paths', () => {
    const json = project({
      attributes:
        'emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,urn:ietf:params:scim:schemas:core:2.0:User:name.familyName',
    })
    expect(json.emails).toEqual([{ value: 'ada@example.com' }, { value: 'a@home.example' }])
    expect(json['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({ department: 'R&D' })
    expect(json.name).toEqual({ familyName: 'Lovelace' })
  })

  it('excludes attributes and sub-attributes, never id, schemas or meta', () => {
    const json = project({ excludedAttributes: 'emails,name.familyName,id,meta,schemas' })
    expect(json.emails).toBeUndefined()
    expect(json.name).toEqual({ givenName: 'Ada' })
    expect(json.id).toBe('u-1')
    expect(json.meta).toBeDefined()
  })

  it('drops members of a group with excludedAttributes=members (Entra)', () => {
    const group = storedGroup({ displayName: 'acme-admins', members: [{ value: 'u-1' }] })
    const json = projectResource(groupToScim(group, BASE_URL), expectOk(parseProjection({ excludedAttributes: 'members' })))
    expect(Object.keys(json).sort()).toEqual(['displayName', 'id', 'meta', 'schemas'])
  })

  it('refuses paths outside the grammar', () => {
    expect(errorCode(parseProjection({ attributes: 'name..givenName' }))).toBe('invalidValue')
    expect(errorCode(parseProjection({ attributes: '__proto__' }))).toBe('invalidValue')
  })
})

describe('discovery documents', () => {
  it('advertises PATCH and filter with the page size, and no bulk, sort or ETags', () => {
    expect(serviceProviderConfig(BASE_URL)).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      filter: { supported: true, maxResults: 100 },
      bulk: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken' }],
    })
  })

  it('lists User (with the enterprise extension) and Group resource types', () => {
    const list = resourceTypesList(BASE_URL)
    expect(list.totalResults).toBe(2)
    expect(list.Resources.map((r) => r['endpoint'])).toEqual(['/Users', '/Groups'])
    expect(findResourceType(BASE_URL, 'User')).toMatchObject({
      schemaExtensions: [{ schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false }],
    })
    expect(findResourceType(BASE_URL, 'Nope')).toBeUndefined()
  })

  it('lists the three schemas and finds each by id', () => {
    const list = schemasList(BASE_URL)
    expect(list.Resources.map((r) => r['id'])).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ])
    expect(findSchema(BASE_URL, 'urn:ietf:params:scim:schemas:core:2.0:Group')).toMatchObject({ name: 'Group' })
    expect(findSchema(BASE_URL, 'urn:x')).toBeUndefined()
  })
})
