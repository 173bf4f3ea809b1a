/** Role mapping and per-workspace attributes, table-driven over Okta-, Entra- and Google-shaped attributes. */
import { describe, expect, it } from 'vitest'
import { applyWorkspaceAttributes, mapRoles, readIdpRoles } from '../src/core/role-mapping.js'
import type { RoleRule } from '../src/core/sso-connection.js'

const CATALOGUE = ['admin', 'developer', 'editor', 'viewer']
const RULES: RoleRule[] = [
  { idpRole: 'gh-admins', orgRole: 'admin', workspaceRoles: { prod: 'admin' } },
  { idpRole: 'gh-devs', orgRole: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' } },
  { idpRole: 'gh-viewers', orgRole: 'member', workspaceRoles: { prod: 'viewer', staging: 'viewer' } },
  { idpRole: '5f1e9a2b-0000-4c3d-9e8f-entra-group', orgRole: 'member', workspaceRoles: { prod: 'editor' } },
]

describe('readIdpRoles', () => {
  it.each([
    ['Okta groups, multi-valued', { groups: ['gh-devs', 'Everyone'] }, 'groups', ',', ['gh-devs', 'Everyone']],
    [
      'Entra group object ids',
      { 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['5f1e9a2b-0000-4c3d-9e8f-entra-group', 'aaaa'] },
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
      ',',
      ['5f1e9a2b-0000-4c3d-9e8f-entra-group', 'aaaa'],
    ],
    [
      'Entra app role claims',
      { 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role': ['gh-admins'] },
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
      ',',
      ['gh-admins'],
    ],
    ['Google one value split by comma', { roles: ['gh-devs, gh-viewers'] }, 'roles', ',', ['gh-devs', 'gh-viewers']],
    ['split by semicolon', { roles: ['gh-devs;gh-admins'] }, 'roles', ';', ['gh-devs', 'gh-admins']],
    ['split by space (any whitespace)', { roles: ['gh-devs  gh-admins\tgh-viewers'] }, 'roles', ' ', ['gh-devs', 'gh-admins', 'gh-viewers']],
    ['split by any character', { roles: ['gh-devs|gh-admins'] }, 'roles', '|', ['gh-devs', 'gh-admins']],
    ['attribute absent', { other: ['x'] }, 'roles', ',', []],
  ])('%s', (_name, attributes, attribute, delimiter, expected) => {
    expect(readIdpRoles(attributes, attribute, delimiter)).toEqual(expected)
  })
})

describe('mapRoles', () => {
  it.each([
    ['no match gives member with no workspace roles', ['Everyone'], { orgRole: 'member', workspaceRoles: {} }],
    ['one rule', ['gh-devs'], { orgRole: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' } }],
    ['highest org role wins', ['gh-devs', 'gh-admins'], { orgRole: 'admin', workspaceRoles: { prod: 'admin', staging: 'admin' } }],
    ['per workspace the highest in catalogue order', ['gh-viewers', 'gh-devs'], { orgRole: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' } }],
    ['Entra group id', ['5f1e9a2b-0000-4c3d-9e8f-entra-group', 'gh-viewers'], { orgRole: 'member', workspaceRoles: { prod: 'editor', staging: 'viewer' } }],
    ['case matters: identifiers are exact', ['GH-ADMINS'], { orgRole: 'member', workspaceRoles: {} }],
  ])('%s', (_name, idpRoles, expected) => {
    expect(mapRoles(idpRoles, RULES, CATALOGUE)).toMatchObject(expected)
  })
})

describe('applyWorkspaceAttributes', () => {
  const slugs = ['prod', 'staging']
  const current = { prod: 'viewer', staging: 'viewer' }
  it.each([
    ['a role name', { 'workspace.prod': ['editor'] }, { prod: 'editor', staging: 'viewer' }],
    ['role-map JSON', { 'workspace.prod': ['{"role":"developer"}'] }, { prod: 'developer', staging: 'viewer' }],
    ['{} removes access', { 'workspace.staging': ['{}'] }, { prod: 'viewer' }],
    ['noaccess removes access', { 'workspace.prod': ['noaccess'] }, { staging: 'viewer' }],
    ['absent attributes keep roles', {}, current],
  ])('%s', (_name, attributes, expected) => {
    const result = applyWorkspaceAttributes(attributes, 'workspace.', slugs, CATALOGUE, current)
    expect(result).toMatchObject({ ok: true, workspaceRoles: expected })
  })
  it.each([
    ['malformed JSON', { 'workspace.prod': ['{"role":'] }],
    ['an unknown role', { 'workspace.prod': ['superuser'] }],
    ['JSON with other keys', { 'workspace.prod': ['{"role":"editor","x":1}'] }],
    ['a JSON array', { 'workspace.prod': ['[1]'] }],
    ['several values', { 'workspace.prod': ['editor', 'viewer'] }],
  ])('refuses %s, naming the attribute', (_name, attributes) => {
    expect(applyWorkspaceAttributes(attributes, 'workspace.', slugs, CATALOGUE, current)).toMatchObject({ ok: false, attribute: 'workspace.prod' })
  })
  it('uses the configured prefix', () => {
    expect(applyWorkspaceAttributes({ 'ws:prod': ['admin'] }, 'ws:', slugs, CATALOGUE, {})).toMatchObject({ ok: true, workspaceRoles: { prod: 'admin' } })
  })
})
