/**
 * Microsoft Entra ID's requests, transcribed from "Tutorial: Develop and plan provisioning for a SCIM
 * endpoint" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups,
 * section "Request and response examples") and "Known issues and resolutions with SCIM 2.0 protocol
 * compliance" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility,
 * "Flags to alter the SCIM behavior": each shape with and without `?aadOptscim062020`).
 */
import { describe, expect, it } from 'vitest'
import { parseGroupBody } from '../../src/scim/group.js'
import { patchGroup, patchUser } from '../../src/scim/patch.js'
import { findUserEmail, parseUserBody, type ScimUser } from '../../src/scim/user.js'
import { ENTERPRISE_USER_URN } from '../../src/scim/urns.js'
import { errorCode, expectOk, storedGroup, storedUser } from './helpers.js'

const PATCH_OP = ['urn:ietf:params:scim:api:messages:2.0:PatchOp']

// use-scim-to-provision-users-and-groups, "Create User" request
const ENTRA_CREATE_USER = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
}

const user = (): ScimUser => storedUser(ENTRA_CREATE_USER, '48af03ac28ad4fb88478')

describe('Entra users', () => {
  it('creates a user from its POST body; the email is the primary one when userName is not an email', () => {
    const created = expectOk(parseUserBody(ENTRA_CREATE_USER))
    expect(created.externalId).toBe('0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef')
    expect({ ...created.extra }).toEqual({ roles: [] })
    expect(findUserEmail(created)).toBe('Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com')
  })

  // use-scim-to-provision-users-and-groups, "Update User [Multi-valued properties]"
  it('replaces emails[type eq "work"].value and name.familyName (per-path ops, capitalised)', () => {
    const result = expectOk(
      patchUser(user(), {
        schemas: PATCH_OP,
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ],
      }),
    )
    expect(result.user.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }])
    expect(result.user.name).toEqual({ formatted: 'givenName familyName', familyName: 'updatedFamilyName', givenName: 'givenName' })
  })

  // use-scim-to-provision-users-and-groups, "Update User [Single-valued properties]"
  it('replaces userName', () => {
    const result = expectOk(
      patchUser(user(), {
        schemas: PATCH_OP,
        Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }],
      }),
    )
    expect(result.user.userName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com')
  })

  // use-scim-to-provision-users-and-groups, "Disable User"; known-issues page: without the flag the
  // value is the string "False", with it the boolean false.
  for (const [label, body] of [
    ['without aadOptscim062020', { schemas: PATCH_OP, Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }],
    ['with aadOptscim062020', { schemas: PATCH_OP, Operations: [{ op: 'replace', path: 'active', value: false }] }],
  ] as const) {
    it(`deactivates ${label}, storing a boolean, and reactivates with "True"`, () => {
      const off = expectOk(patchUser(user(), body))
      expect(off.user.active).toBe(false)
      const on = expectOk(patchUser(off.user, { schemas: PATCH_OP, Operations: [{ op: 'Replace', path: 'active', value: 'True' }] }))
      expect(on.user.active).toBe(true)
    })
  }

  // known-issues page: without the flag a single-valued attribute is added as [{"value": …}]
  for (const [label, value] of [
    ['without aadOptscim062020', [{ value: 'Babs' }]],
    ['with aadOptscim062020', 'Babs'],
  ] as const) {
    it(`adds nickName ${label} as a plain string`, () => {
      const op = label.startsWith('without') ? 'Add' : 'add'
      const result = expectOk(patchUser(user(), { schemas: PATCH_OP, Operations: [{ op, path: 'nickName', value }] }))
      expect(result.user.extra['nickName']).toBe('Babs')
    })
  }

  // known-issues page, with aadOptscim062020: one pathless replace whose keys are paths
  it('applies a pathless replace keyed by dotted, value-filter and enterprise-URN paths', () => {
    const result = expectOk(
      patchUser(user(), {
        schemas: PATCH_OP,
        Operations: [
          {
            op: 'replace',
            value: {
              displayName: 'Pvlo',
              'emails[type eq "work"].value': 'TestBcwqnm@test.microsoft.com',
              'name.givenName': 'Ruvlrw',
              'name.familyName': 'Pvlo',
              'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': '100009',
              'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'Human Resources US',
            },
          },
        ],
      }),
    )
    expect(result.user.displayName).toBe('Pvlo')
    expect(result.user.emails[0]?.value).toBe('TestBcwqnm@test.microsoft.com')
    expect(result.user.name).toMatchObject({ givenName: 'Ruvlrw', familyName: 'Pvlo', formatted: 'givenName familyName' })
    expect(result.user.enterprise).toEqual({ employeeNumber: '100009', department: 'Human Resources US' })
  })

  // use-scim-to-provision-users-and-groups, per-path enterprise attributes and the manager reference
  it('sets enterprise attributes by URN path, the manager as a bare id or a list of one', () => {
    for (const manager of ['2819c223-7f76-453a-919d-413861904646', [{ value: '2819c223-7f76-453a-919d-413861904646' }]]) {
      const result = expectOk(
        patchUser(user(), {
          schemas: PATCH_OP,
          Operations: [
            { op: 'Add', path: `${ENTERPRISE_USER_URN}:department`, value: 'Sales' },
            { op: 'Add', path: `${ENTERPRISE_USER_URN}:manager`, value: manager },
          ],
        }),
      )
      expect(result.user.enterprise).toEqual({ department: 'Sales', manager: { value: '2819c223-7f76-453a-919d-413861904646' } })
    }
  })

  it('adds a work email through emails[type eq "work"].value when the user has none', () => {
    const start = storedUser({ userName: 'a@example.com' })
    const result = expectOk(patchUser(start, { schemas: PATCH_OP, Operations: [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'a@example.com' }] }))
    expect(result.user.emails).toEqual([{ type: 'work', value: 'a@example.com' }])
  })

  it('answers an empty Operations list with the user unchanged (a no-op)', () => {
    const result = expectOk(patchUser(user(), { schemas: PATCH_OP, Operations: [] }))
    expect(result.changed).toBe(false)
    expect(result.user).toEqual(user())
  })
})

// use-scim-to-provision-users-and-groups, "Create Group": Entra adds a schema URN of its own
const ENTRA_CREATE_GROUP = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group'],
  externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
  displayName: 'displayName',
  meta: { resourceType: 'Group' },
}

describe('Entra groups', () => {
  const group = () => storedGroup({ ...ENTRA_CREATE_GROUP, members: [{ value: 'a2ab2c21d5a04a5a9b5e' }] }, '927fa2c08dcb4a7fae9e')

  it('creates a group from its POST body', () => {
    expect(expectOk(parseGroupBody(ENTRA_CREATE_GROUP))).toEqual({
      displayName: 'displayName',
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      members: [],
    })
  })

  // use-scim-to-provision-users-and-groups, "Update Group [Non-member attributes]"
  it('renames with a per-path Replace of displayName', () => {
    const result = expectOk(
      patchGroup(group(), {
        schemas: PATCH_OP,
        Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }],
      }),
    )
    expect(result.group.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName')
  })

  // use-scim-to-provision-users-and-groups, "Update Group [Add Members]" and "[Remove Members]":
  // members by value array, `$ref: null`; lower-case ops with aadOptscim062020.
  for (const [add, remove] of [
    ['Add', 'Remove'],
    ['add', 'remove'],
  ] as const) {
    it(`adds and removes members by value arrays (${add}/${remove})`, () => {
      const added = expectOk(
        patchGroup(group(), { schemas: PATCH_OP, Operations: [{ op: add, path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }] }),
      )
      expect(added.members).toEqual({ added: ['f648f8d5ea4e4cd38e9c'], removed: [] })
      const removed = expectOk(
        patchGroup(added.group, {
          schemas: PATCH_OP,
          Operations: [{ op: remove, path: 'members', value: [{ $ref: null, value: 'a2ab2c21d5a04a5a9b5e' }] }],
        }),
      )
      expect(removed.group.members).toEqual([{ value: 'f648f8d5ea4e4cd38e9c' }])
      expect(removed.members).toEqual({ added: [], removed: ['a2ab2c21d5a04a5a9b5e'] })
    })
  }

  it('removes a member by value even when the stored member has a display (scim-patch would not)', () => {
    const start = storedGroup({ displayName: 'g', members: [{ value: 'u-1', display: 'Ada' }] })
    const result = expectOk(patchGroup(start, { schemas: PATCH_OP, Operations: [{ op: 'Remove', path: 'members', value: [{ value: 'u-1' }] }] }))
    expect(result.group.members).toEqual([])
  })

  it('answers an empty Operations list as a no-op', () => {
    const result = expectOk(patchGroup(group(), { schemas: PATCH_OP, Operations: [] }))
    expect(result).toMatchObject({ changed: false, members: { added: [], removed: [] } })
  })

  it('refuses a member of another type', () => {
    const body = { schemas: PATCH_OP, Operations: [{ op: 'add', path: 'members', value: [{ value: 'g-2', type: 'Group' }] }] }
    expect(errorCode(patchGroup(group(), body))).toBe('invalidValue')
  })
})
