/** The members API: reading, changing, the last owner, and removing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { operator, type TestContext } from '../helpers/test-app.js'
import { expectApiError, MEMBER_PASSWORD } from './support.js'
import { memberHelpers, setUpMembers } from './members-support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await setUpMembers()
})
afterEach(() => ctx.close())
const { add, get, emails, signIn } = memberHelpers(() => ctx)

describe('GET /organizations/{org}/members[/{member}]', () => {
  let max: any
  beforeEach(async () => {
    max = (await add({ email: 'Max@Acme.test', firstName: 'Max', workspaceRoles: { prod: 'editor' } })).json
    await add({ email: 'ada@acme.test', firstName: 'Ada' })
    await add({ email: 'zed@globex.test' }, 'globex')
  })

  it("lists the org's members by email, and no one else", async () => {
    const r = await operator(ctx, 'GET', '/organizations/acme/members')
    expect(r.status).toBe(200)
    expect(r.json.data.map((m: { email: string }) => m.email)).toEqual(['ada@acme.test', 'Max@Acme.test'])
    expect(r.json.data[1]).toEqual(max)
  })

  for (const ref of ['Max@Acme.test', 'max@acme.test', 'MAX@ACME.TEST', 'max%40acme.test']) {
    it(`gets a member by the email ${ref}`, async () => {
      const r = await get(ref)
      expect(r.status).toBe(200)
      expect(r.json).toEqual(max)
    })
  }

  it('gets a member by id', async () => {
    const r = await get(max.id)
    expect(r.status).toBe(200)
    expect(r.json).toEqual(max)
  })

  it('answers 404 member_not_found for an unknown id or email, and for a member of another org', async () => {
    const zed = (await get('zed@globex.test', 'globex')).json
    for (const ref of ['nobody@acme.test', '00000000-0000-0000-0000-000000000000', 'not-an-id', zed.id, 'zed@globex.test']) {
      expectApiError(await get(ref), 404, 'member_not_found')
    }
    expectApiError(await get(max.id, 'globex'), 404, 'member_not_found')
  })
})

describe('PATCH /organizations/{org}/members/{member}', () => {
  let max: any
  beforeEach(async () => {
    await add({ email: 'owner@acme.test', role: 'owner' })
    max = (await add({ email: 'max@acme.test', role: 'member', workspaceRoles: { prod: 'editor' } })).json
  })

  it('changes the org role, by id or by email', async () => {
    const byId = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { role: 'admin' })
    expect(byId.status).toBe(200)
    expect(byId.json).toEqual({ ...max, role: 'admin' })
    const byEmail = await operator(ctx, 'PATCH', '/organizations/acme/members/MAX@acme.test', { role: 'owner' })
    expect(byEmail.status).toBe(200)
    expect(byEmail.json).toEqual({ ...max, role: 'owner' })
    expect((await get(max.id)).json.role).toBe('owner')
  })

  it('sets and clears allow-without-SSO without touching anything else', async () => {
    const on = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { allowWithoutSso: true })
    expect(on.json).toEqual({ ...max, allowWithoutSso: true })
    const off = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { allowWithoutSso: false })
    expect(off.json).toEqual(max)
  })

  it('replaces the workspace roles as a whole; leaving them out keeps them; {} clears them', async () => {
    const replaced = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: { staging: 'viewer' } })
    expect(replaced.status).toBe(200)
    expect(replaced.json.workspaceRoles).toEqual({ staging: 'viewer' })
    const both = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: { prod: 'admin', staging: 'developer' } })
    expect(both.json.workspaceRoles).toEqual({ prod: 'admin', staging: 'developer' })
    const kept = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { role: 'admin' })
    expect(kept.json.workspaceRoles).toEqual({ prod: 'admin', staging: 'developer' })
    const cleared = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: {} })
    expect(cleared.json.workspaceRoles).toEqual({})
    expect((await get(max.id)).json).toEqual({ ...max, role: 'admin', workspaceRoles: {} })
  })

  it('applies nothing of a patch whose workspace roles are refused', async () => {
    const unknown = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, {
      role: 'admin',
      allowWithoutSso: true,
      workspaceRoles: { nope: 'editor' },
    })
    expectApiError(unknown, 404, 'workspace_not_found')
    const badRole = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, {
      role: 'admin',
      allowWithoutSso: true,
      workspaceRoles: { prod: 'root' },
    })
    expectApiError(badRole, 422, 'workspace_role_invalid')
    const otherOrgs = await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, { workspaceRoles: { gx: 'viewer' } })
    expectApiError(otherOrgs, 404, 'workspace_not_found')
    expect((await get(max.id)).json).toEqual(max)
  })

  it('refuses malformed patches with 400 validation_failed', async () => {
    for (const body of [{ role: 'king' }, { email: 'new@acme.test' }, { password: 'a new password 1' }, { allowWithoutSso: 1 }, { workspaceRoles: null }]) {
      expectApiError(await operator(ctx, 'PATCH', `/organizations/acme/members/${max.id}`, body), 400, 'validation_failed')
    }
    expect((await get(max.id)).json).toEqual(max)
  })

  it('answers 404 member_not_found for an unknown member', async () => {
    expectApiError(await operator(ctx, 'PATCH', '/organizations/acme/members/nobody@acme.test', { role: 'admin' }), 404, 'member_not_found')
  })
})

describe('the last owner', () => {
  let owner: any
  beforeEach(async () => {
    owner = (await add({ email: 'owner@acme.test', role: 'owner' })).json
    await add({ email: 'admin@acme.test', role: 'admin' })
  })

  for (const role of ['admin', 'member']) {
    it(`cannot be demoted to ${role}: 409 last_owner, still owner`, async () => {
      expectApiError(await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role }), 409, 'last_owner')
      expect((await get(owner.id)).json.role).toBe('owner')
    })
  }

  it('cannot be removed: 409 last_owner, still there', async () => {
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${owner.id}`), 409, 'last_owner')
    expectApiError(await operator(ctx, 'DELETE', '/organizations/acme/members/OWNER@acme.test'), 409, 'last_owner')
    expect((await get(owner.id)).status).toBe(200)
  })

  it('can still change their other settings and stay owner', async () => {
    const r = await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, {
      role: 'owner',
      allowWithoutSso: true,
      workspaceRoles: { prod: 'admin' },
    })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ role: 'owner', allowWithoutSso: true, workspaceRoles: { prod: 'admin' } })
  })

  it('can be demoted or removed once a second owner exists, and the second then becomes the last', async () => {
    const second = (await operator(ctx, 'PATCH', '/organizations/acme/members/admin@acme.test', { role: 'owner' })).json
    expect(second.role).toBe('owner')
    const demoted = await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role: 'admin' })
    expect(demoted.status).toBe(200)
    expect(demoted.json.role).toBe('admin')
    expectApiError(await operator(ctx, 'PATCH', `/organizations/acme/members/${second.id}`, { role: 'member' }), 409, 'last_owner')
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${second.id}`), 409, 'last_owner')

    await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role: 'owner' })
    expect((await operator(ctx, 'DELETE', `/organizations/acme/members/${second.id}`)).status).toBe(204)
    expect(await emails()).toEqual(['owner@acme.test'])
  })

  it('survives two owners being demoted and removed at the same moment: one change wins, the other is 409 last_owner', async () => {
    const second = (await operator(ctx, 'PATCH', '/organizations/acme/members/admin@acme.test', { role: 'owner' })).json
    const [demoted, removed] = await Promise.all([
      operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id}`, { role: 'member' }),
      operator(ctx, 'DELETE', `/organizations/acme/members/${second.id}`),
    ])
    expect([demoted.status, removed.status].sort()).toEqual([demoted.status === 409 ? 204 : 200, 409].sort())
    const conflict = demoted.status === 409 ? demoted : removed
    expectApiError(conflict, 409, 'last_owner')
    const owners = (await operator(ctx, 'GET', '/organizations/acme/members')).json.data.filter((m: { role: string }) => m.role === 'owner')
    expect(owners).toHaveLength(1)
  })

  it('is counted per organization: an owner elsewhere does not count', async () => {
    await add({ email: 'owner@acme.test', role: 'owner' }, 'globex')
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${owner.id}`), 409, 'last_owner')
  })
})

describe('DELETE /organizations/{org}/members/{member}', () => {
  it('removes a member: 204, then GET and DELETE answer 404 member_not_found; the user stays', async () => {
    const max = (await add({ email: 'max@acme.test', firstName: 'Max', password: MEMBER_PASSWORD, workspaceRoles: { prod: 'viewer' } })).json
    const r = await operator(ctx, 'DELETE', `/organizations/acme/members/${max.id}`)
    expect(r.status).toBe(204)
    expect(r.res.body).toBe('')
    expectApiError(await get(max.id), 404, 'member_not_found')
    expectApiError(await get('max@acme.test'), 404, 'member_not_found')
    expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/members/${max.id}`), 404, 'member_not_found')
    expect(await emails()).toEqual([])
    expectApiError(await signIn('max@acme.test', MEMBER_PASSWORD), 403, 'no_membership')
    // Added again: the same user, with the old password, and none of the old workspace roles.
    const back = await add({ email: 'max@acme.test' })
    expect(back.json).toMatchObject({ firstName: 'Max', hasPassword: true, workspaceRoles: {} })
    expect(back.json.id).not.toBe(max.id)
  })

  it('removes by email and only from the org named', async () => {
    await add({ email: 'max@acme.test' })
    await add({ email: 'max@acme.test' }, 'globex')
    expect((await operator(ctx, 'DELETE', '/organizations/acme/members/Max@Acme.Test')).status).toBe(204)
    expect(await emails('acme')).toEqual([])
    expect(await emails('globex')).toEqual(['max@acme.test'])
  })
})
