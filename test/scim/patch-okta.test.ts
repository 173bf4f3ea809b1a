/**
 * Okta's requests, transcribed from its SCIM 2.0 reference ("Okta and SCIM Version 2.0",
 * https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/) and its CRUD test guide
 * (https://developer.okta.com/docs/guides/scim-provisioning-integration-test/main/).
 */
import { describe, expect, it } from 'vitest'
import { parseGroupBody, type ScimGroup } from '../../src/scim/group.js'
import { patchGroup, patchUser } from '../../src/scim/patch.js'
import { parseUserBody } from '../../src/scim/user.js'
import { expectOk, storedGroup, storedUser } from './helpers.js'

// Okta SCIM 2.0 reference, "Create the user" (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/)
const OKTA_CREATE_USER = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
}

describe('Okta users', () => {
  it('creates a user from its POST body, dropping password and read-only groups, keeping locale', () => {
    const user = expectOk(parseUserBody(OKTA_CREATE_USER))
    expect(user).toMatchObject({
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      externalId: '00ujl29u0le5T6Aj10h7',
      active: true,
    })
    expect({ ...user.extra }).toEqual({ locale: 'en-US' })
    expect(JSON.stringify(user)).not.toContain('1mz050nq')
  })

  // Okta SCIM 2.0 reference, "Update a specific user (PATCH)": deactivation is a pathless replace
  // (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/)
  const OKTA_DEACTIVATE = {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active: false } }],
  }
  const OKTA_REACTIVATE = {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active: true } }],
  }

  it('deactivates with a pathless replace {active: false} and reactivates with {active: true}', () => {
    const user = storedUser(OKTA_CREATE_USER)
    const off = expectOk(patchUser(user, OKTA_DEACTIVATE))
    expect(off.user.active).toBe(false)
    expect(off.changed).toBe(true)
    expect(off.user.userName).toBe('test.user@okta.local')
    const on = expectOk(patchUser(off.user, OKTA_REACTIVATE))
    expect(on.user.active).toBe(true)
  })

  // Okta SCIM 2.0 reference, "Update a specific user (PATCH)" with a changed name
  // (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/)
  it('updates a name sub-attribute with a pathless replace of name, keeping the other parts', () => {
    const user = storedUser(OKTA_CREATE_USER)
    const patched = expectOk(
      patchUser(user, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { name: { givenName: 'Another' } } }],
      }),
    )
    expect(patched.user.name).toEqual({ givenName: 'Another', familyName: 'User' })
  })

  // Okta SCIM 2.0 reference, "Update a specific user (PUT)" (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/)
  it('replaces the whole user from a PUT body that repeats id, meta and groups', () => {
    const put = expectOk(
      parseUserBody({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        id: '23a35c27-23d3-4c03-b4c5-6443c09e7173',
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', middleName: 'Mid', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Another User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
        meta: { resourceType: 'User', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z' },
      }),
    )
    expect(put.name).toEqual({ givenName: 'Another', middleName: 'Mid', familyName: 'User' })
    expect(Object.keys(put.extra)).toEqual(['locale'])
  })
})

// Okta SCIM 2.0 reference, "Create Groups" (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/)
const OKTA_CREATE_GROUP = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] }

describe('Okta groups (group push)', () => {
  const group = (): ScimGroup => storedGroup(OKTA_CREATE_GROUP, 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b')

  it('creates a group with no members', () => {
    expect(expectOk(parseGroupBody(OKTA_CREATE_GROUP))).toEqual({ displayName: 'Test SCIMv2', members: [] })
  })

  // Okta SCIM 2.0 reference, "Update Group name": a pathless replace repeating the group's id
  it('renames with a pathless replace that repeats the id', () => {
    const result = expectOk(
      patchGroup(group(), {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'Test SCIMv2 renamed' } }],
      }),
    )
    expect(result.group.displayName).toBe('Test SCIMv2 renamed')
    expect(result.members).toEqual({ added: [], removed: [] })
  })

  // Okta SCIM 2.0 reference, "Update Group membership": add with a members list, remove by value filter
  it('adds members with add members [...] and removes one with members[value eq "…"]', () => {
    const added = expectOk(
      patchGroup(group(), {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          {
            op: 'add',
            path: 'members',
            value: [
              { value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' },
              { value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'test.user2@okta.local' },
            ],
          },
        ],
      }),
    )
    expect(added.members).toEqual({ added: ['23a35c27-23d3-4c03-b4c5-6443c09e7173', '89bb1940-b905-4575-9e7f-6f887cfb368e'], removed: [] })
    const removed = expectOk(
      patchGroup(added.group, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' }],
      }),
    )
    expect(removed.group.members.map((m) => m.value)).toEqual(['23a35c27-23d3-4c03-b4c5-6443c09e7173'])
    expect(removed.members).toEqual({ added: [], removed: ['89bb1940-b905-4575-9e7f-6f887cfb368e'] })
  })

  it('replaces the whole member list with replace members [...]', () => {
    const start = storedGroup({ displayName: 'g', members: [{ value: 'a' }, { value: 'b' }] })
    const result = expectOk(
      patchGroup(start, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'members', value: [{ value: 'b' }, { value: 'c' }] }],
      }),
    )
    expect(result.members).toEqual({ added: ['c'], removed: ['a'] })
  })
})
