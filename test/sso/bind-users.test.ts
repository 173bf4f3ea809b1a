/**
 * Bind existing users (issue 5 item 9): export the CSV, sign every exported member in through SSO
 * with exactly the values it says to enter in the IdP, and check that nobody's access changed —
 * and that where the CSV warns that no value can keep someone's access, it indeed would change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { ADMIN_TOKEN, createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg

const PEOPLE = [
  { email: 'owner@acme.test', role: 'owner', workspaceRoles: { prod: 'admin' } },
  { email: 'ada@acme.test', role: 'admin', workspaceRoles: { prod: 'admin', staging: 'admin' } },
  { email: 'dev@acme.test', role: 'member', workspaceRoles: { prod: 'developer', staging: 'editor' } },
  { email: 'viewer@acme.test', role: 'member', workspaceRoles: { staging: 'viewer' } },
  { email: 'nobody@acme.test', role: 'member', workspaceRoles: {} },
  { email: '=cmd@acme.test', role: 'member', workspaceRoles: { prod: 'viewer' } },
] as const

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('bind')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', enable: false })
  for (const slug of ['prod', 'staging']) await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: slug, slug })
  for (const p of PEOPLE) {
    const res = await operator(ctx, 'POST', '/organizations/acme/members', {
      email: p.email,
      firstName: 'F',
      lastName: 'L',
      role: p.role,
      workspaceRoles: p.workspaceRoles,
    })
    expect(res.status, p.email).toBe(201)
  }
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** RFC 4180 parsing (quoted cells, doubled quotes), enough for our own CSV. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(cell)
      cell = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += c
  }
  const [header, ...body] = rows
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])))
}

async function access(): Promise<Record<string, { role: string; workspaceRoles: Record<string, string> }>> {
  const members = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data as {
    email: string
    role: string
    workspaceRoles: Record<string, string>
  }[]
  return Object.fromEntries(members.map((m) => [m.email, { role: m.role, workspaceRoles: m.workspaceRoles }]))
}

/** Signs every CSV row in through the ACS with the attribute values its columns name. */
async function signInEveryone(rows: Record<string, string>[], rolesAttribute: string): Promise<void> {
  for (const row of rows) {
    const attributes: Record<string, string[]> = { first_name: [row.first_name!], last_name: [row.last_name!] }
    for (const [name, value] of Object.entries(row)) if (name.startsWith('workspace.')) attributes[name] = [value]
    if (row[rolesAttribute] !== '') attributes[rolesAttribute] = [row[rolesAttribute]!]
    const res = await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: row.email!, attributes }))
    expect(res.statusCode, `${row.email}: ${res.body.slice(0, 200)}`).toBe(303)
  }
}

async function exportCsv(): Promise<{ text: string; rows: Record<string, string>[] }> {
  const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/organizations/acme/sso/bind-users.csv', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  expect(res.statusCode).toBe(200)
  const text = res.body
  return { text, rows: parseCsv(text) }
}

describe("the bind-users CSV keeps everyone's access through the switch to SSO", () => {
  it('with workspace attributes and role mapping: every member signs in with the exported values and keeps their roles', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      workspaceAttributes: { enabled: true, prefix: 'workspace.' },
      roleMapping: {
        enabled: true,
        attribute: 'roles',
        delimiter: ',',
        rules: [
          { idpRole: 'acme-admins', orgRole: 'admin', workspaceRoles: {} },
          { idpRole: 'acme-members', orgRole: 'member', workspaceRoles: {} },
        ],
      },
    })
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const before = await access()
    const { text, rows } = await exportCsv()
    expect(rows).toHaveLength(PEOPLE.length)
    expect(rows.find((r) => r.email === 'dev@acme.test')).toMatchObject({
      org_role: 'member',
      'workspace.prod': 'developer',
      'workspace.staging': 'editor',
      roles: 'acme-members',
      notes: '',
    })
    expect(rows.find((r) => r.email === 'ada@acme.test')).toMatchObject({ roles: 'acme-admins', notes: '' })
    expect(rows.every((r) => r.notes === '')).toBe(true)
    // A spreadsheet would run =cmd as a formula: the cell is quoted with a leading apostrophe.
    expect(text).toContain("'=cmd@acme.test")

    await signInEveryone(
      rows.map((r) => ({ ...r, email: r.email!.replace(/^'/, '') })),
      'roles',
    )
    expect(await access()).toEqual(before)
    const members = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data as { email: string; managedByIdp: boolean }[]
    expect(members.filter((m) => m.email !== 'owner@acme.test').every((m) => m.managedByIdp)).toBe(true)
  })

  it('with role mapping alone: exact rules keep access; a member no rule fits is named in notes, and would indeed lose access', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      roleMapping: {
        enabled: true,
        attribute: 'groups',
        delimiter: ',',
        rules: [
          { idpRole: 'owners', orgRole: 'admin', workspaceRoles: { prod: 'admin' } },
          { idpRole: 'admins', orgRole: 'admin', workspaceRoles: { prod: 'admin', staging: 'admin' } },
          { idpRole: 'devs', orgRole: 'member', workspaceRoles: { prod: 'developer', staging: 'editor' } },
          { idpRole: 'staging-viewers', orgRole: 'member', workspaceRoles: { staging: 'viewer' } },
          { idpRole: 'everyone', orgRole: 'member', workspaceRoles: {} },
        ],
      },
    })
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const before = await access()
    const { rows } = await exportCsv()
    expect(Object.fromEntries(rows.map((r) => [r.email, r.groups]))).toEqual({
      'owner@acme.test': 'owners',
      'ada@acme.test': 'admins',
      'dev@acme.test': 'devs',
      'viewer@acme.test': 'staging-viewers',
      'nobody@acme.test': 'everyone',
      "'=cmd@acme.test": '',
    })
    const unbound = rows.find((r) => r.groups === '')!
    expect(unbound.notes).toContain('No role-mapping rule gives org role member with these workspace roles')

    const bound = rows.filter((r) => r.groups !== '')
    await signInEveryone(bound, 'groups')
    expect(await access()).toEqual(before)
    // The warned-about member really would change: signing in with what the CSV has for them loses prod.
    await signInEveryone([{ ...unbound, email: '=cmd@acme.test' }], 'groups')
    expect((await access())['=cmd@acme.test']).toEqual({ role: 'member', workspaceRoles: {} })
  })

  it('without role mapping or workspace attributes: signing in changes no roles, whatever the IdP sends', async () => {
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    const before = await access()
    const { rows } = await exportCsv()
    expect(rows.every((r) => r.notes === '')).toBe(true)
    await signInEveryone(
      rows.map((r) => ({ ...r, email: r.email!.replace(/^'/, '') })),
      'roles',
    )
    expect(await access()).toEqual(before)
  })
})
