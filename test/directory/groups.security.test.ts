/**
 * One org's directory can never touch another org's members through groups (DESIGN §8, issue 18
 * item 5): a group of acme cannot hold a user of globex's directory, in any request shape, so
 * globex's members never get acme's roles; a directory's token reads and changes only its own groups.
 * Each attack is rejected, and the same request without it is accepted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setupSsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'
import { createDirectory, createScimUsers, expectScimError, oktaGroup, PATCH_OP, scim, type TestDirectory } from './support.js'

let ctx: TestContext
let acme: TestDirectory
let globex: TestDirectory
let acmeUser: string
let globexUser: string
let group: string

const MAPPING = { roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: [{ idpRole: 'admins', orgRole: 'admin', workspaceRoles: {} }] } }

beforeEach(async () => {
  ctx = await createTestContext()
  const idp = await createTestIdp('groups-security')
  await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', policy: MAPPING })
  await setupSsoOrg(ctx, idp, { slug: 'globex', ssoName: 'globex', policy: MAPPING })
  acme = await createDirectory(ctx, 'acme')
  globex = await createDirectory(ctx, 'globex')
  acmeUser = (await createScimUsers(ctx, acme, ['ann@acme.test']))[0]!
  globexUser = (await createScimUsers(ctx, globex, ['gus@globex.test']))[0]!
  group = (await scim(ctx, acme, 'POST', '/Groups', { body: oktaGroup('admins') })).json.id as string
})
afterEach(() => ctx.close())

const roleOf = async (org: string, email: string) => (await operator(ctx, 'GET', `/organizations/${org}/members/${email}`)).json.role as string
const members = async () => ((await scim(ctx, acme, 'GET', `/Groups/${group}`)).json.members as { value: string }[]).map((m) => m.value)
const patch = (value: string, shape: 'okta' | 'entra') =>
  scim(ctx, acme, 'PATCH', `/Groups/${group}`, {
    body: {
      schemas: [PATCH_OP],
      Operations: [
        shape === 'okta' ? { op: 'add', path: 'members', value: [{ value, display: 'x' }] } : { op: 'Add', path: 'members', value: [{ $ref: null, value }] },
      ],
    },
  })

describe("a group cannot hold another org's user", () => {
  for (const shape of ['okta', 'entra'] as const) {
    it(`rejects a PATCH (${shape}) adding a user of globex's directory, and accepts the same PATCH with acme's user`, async () => {
      const refused = await patch(globexUser, shape)
      expectScimError(refused, 400, 'invalidValue')
      expect(refused.json.detail).toContain(globexUser)
      expect(await members()).toEqual([])
      expect(await roleOf('globex', 'gus@globex.test')).toBe('member')

      expect((await patch(acmeUser, shape)).status).toBe(200)
      expect(await members()).toEqual([acmeUser])
      expect(await roleOf('acme', 'ann@acme.test')).toBe('admin')
    })
  }

  it("rejects a POST and a PUT naming globex's user, and accepts them with acme's", async () => {
    expectScimError(await scim(ctx, acme, 'POST', '/Groups', { body: oktaGroup('others', [globexUser]) }), 400, 'invalidValue')
    expectScimError(await scim(ctx, acme, 'PUT', `/Groups/${group}`, { body: oktaGroup('admins', [acmeUser, globexUser]) }), 400, 'invalidValue')
    expect(await members()).toEqual([])
    expect(await roleOf('globex', 'gus@globex.test')).toBe('member')
    expect((await scim(ctx, acme, 'POST', '/Groups', { body: oktaGroup('others', [acmeUser]) })).status).toBe(201)
    expect((await scim(ctx, acme, 'PUT', `/Groups/${group}`, { body: oktaGroup('admins', [acmeUser]) })).status).toBe(200)
    expect(await roleOf('acme', 'ann@acme.test')).toBe('admin')
    expect(await roleOf('globex', 'gus@globex.test')).toBe('member')
  })
})

describe('a directory sees only its own groups', () => {
  it("answers 404 for acme's group through globex's directory, 401 with acme's token on globex's URL; its own token works", async () => {
    expectScimError(await scim(ctx, globex, 'GET', `/Groups/${group}`), 404)
    expectScimError(
      await scim(ctx, globex, 'PATCH', `/Groups/${group}`, { body: { Operations: [{ op: 'add', path: 'members', value: [{ value: globexUser }] }] } }),
      404,
    )
    expectScimError(await scim(ctx, globex, 'DELETE', `/Groups/${group}`), 404)
    expectScimError(await scim(ctx, globex, 'GET', `/Groups/${group}`, { token: acme.secret }), 401)
    expect((await scim(ctx, globex, 'GET', '/Groups')).json.totalResults).toBe(0)
    // A member filter naming another directory's user finds nothing.
    expect((await scim(ctx, acme, 'GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${globexUser}"`)}`)).json.totalResults).toBe(0)

    expect((await scim(ctx, acme, 'GET', `/Groups/${group}`)).json.displayName).toBe('admins')
    expect((await scim(ctx, acme, 'GET', '/Groups')).json.totalResults).toBe(1)
  })
})
