/** Each change through the operator API writes exactly one event of its type, with its payload (docs/events.md). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/core/ports.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'
import { setupSsoOrg } from '../helpers/sso.js'
import { MEMBER_PASSWORD } from '../api/support.js'
import { allEvents, eventTail, expectNoSecrets, onlyEvent } from './support.js'

let ctx: TestContext
let next: () => Promise<DomainEvent[]>
beforeEach(async () => {
  ctx = await createTestContext()
  next = eventTail(ctx.runtime.db, ctx.deps.store)
})
afterEach(async () => {
  expectNoSecrets(await allEvents(ctx.runtime.db, ctx.deps.store), [MEMBER_PASSWORD])
  await ctx.close()
})

async function ok(method: string, url: string, body?: unknown) {
  const r = await operator(ctx, method, url, body)
  expect(r.status, `${method} ${url}: ${JSON.stringify(r.json)}`).toBeLessThan(300)
  return r.json
}

describe('events of the operator API', () => {
  it('organization.created and organization.deleted carry the organization', async () => {
    const org = await ok('POST', '/organizations', { name: 'Acme', slug: 'acme' })
    const created = onlyEvent(await next(), 'organization.created')
    expect(created).toMatchObject({ orgId: org.id, orgSlug: 'acme', data: { organization: { id: org.id, name: 'Acme', slug: 'acme' } } })
    await ok('POST', '/organizations/acme/members', { email: 'max@acme.test', password: MEMBER_PASSWORD })
    await next()
    await ok('DELETE', '/organizations/acme')
    // Its members go with it: organization.deleted says so, without a member.removed each.
    const deleted = onlyEvent(await next(), 'organization.deleted')
    expect(deleted).toMatchObject({ orgId: org.id, orgSlug: 'acme', data: { organization: { id: org.id, slug: 'acme' } } })
  })

  it('member.created, member.updated with before and after, member.removed', async () => {
    await ok('POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await ok('POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await next()
    const max = await ok('POST', '/organizations/acme/members', {
      email: 'max@acme.test',
      firstName: 'Max',
      lastName: 'Power',
      password: MEMBER_PASSWORD,
      workspaceRoles: { prod: 'viewer' },
    })
    const created = onlyEvent(await next(), 'member.created')
    expect(created.data).toEqual({
      member: {
        id: max.id,
        userId: expect.any(String),
        email: 'max@acme.test',
        firstName: 'Max',
        lastName: 'Power',
        role: 'member',
        workspaceRoles: { prod: 'viewer' },
        deactivated: false,
      },
    })
    await ok('PATCH', `/organizations/acme/members/${max.id as string}`, { role: 'admin', workspaceRoles: { prod: 'editor' } })
    const updated = onlyEvent(await next(), 'member.updated')
    expect(updated.data).toMatchObject({
      member: { id: max.id, role: 'admin', workspaceRoles: { prod: 'editor' } },
      before: { id: max.id, role: 'member', workspaceRoles: { prod: 'viewer' } },
      changed: ['role', 'workspaceRoles'],
    })
    // No change, or only the SSO exemption (policy, not the member's names or roles): no event.
    await ok('PATCH', `/organizations/acme/members/${max.id as string}`, { role: 'admin' })
    await ok('PATCH', `/organizations/acme/members/${max.id as string}`, { allowWithoutSso: true })
    expect(await next()).toEqual([])
    await ok('DELETE', `/organizations/acme/members/${max.id as string}`)
    expect(onlyEvent(await next(), 'member.removed').data).toMatchObject({ member: { id: max.id, email: 'max@acme.test', role: 'admin' } })
  })

  it('a refused change writes no event', async () => {
    await ok('POST', '/organizations', { name: 'Acme', slug: 'acme' })
    const owner = await ok('POST', '/organizations/acme/members', { email: 'olivia@acme.test', role: 'owner' })
    await next()
    expect((await operator(ctx, 'PATCH', `/organizations/acme/members/${owner.id as string}`, { role: 'member' })).status).toBe(409)
    expect((await operator(ctx, 'POST', '/organizations/acme/members', { email: 'olivia@acme.test' })).status).toBe(409)
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Again', slug: 'acme' })).status).toBe(409)
    expect(await next()).toEqual([])
  })

  it('a workspace renamed or deleted: member.updated for each member with a role there, none for the others', async () => {
    await ok('POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await ok('POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    const ann = await ok('POST', '/organizations/acme/members', { email: 'ann@acme.test', workspaceRoles: { prod: 'viewer' } })
    await ok('POST', '/organizations/acme/members', { email: 'bob@acme.test' })
    await next()
    await ok('PATCH', '/organizations/acme/workspaces/prod', { slug: 'production' })
    expect(onlyEvent(await next(), 'member.updated').data).toMatchObject({
      member: { id: ann.id, workspaceRoles: { production: 'viewer' } },
      before: { workspaceRoles: { prod: 'viewer' } },
    })
    await ok('DELETE', '/organizations/acme/workspaces/production')
    expect(onlyEvent(await next(), 'member.updated').data).toMatchObject({ member: { id: ann.id, workspaceRoles: {} }, changed: ['workspaceRoles'] })
  })

  it('sso.enabled and sso.disabled carry the connection; directory.enabled and directory.disabled the directory', async () => {
    const idp = await createTestIdp('events-api')
    await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme-sso', enable: false })
    await next()
    await ok('POST', '/organizations/acme/sso/enable', { skipTest: true })
    expect(onlyEvent(await next(), 'sso.enabled').data).toEqual({ connection: { id: expect.any(String), ssoName: 'acme-sso', enforcement: 'optional' } })
    await ok('POST', '/organizations/acme/sso/enable', { skipTest: true })
    expect(await next()).toEqual([])
    await ok('POST', '/organizations/acme/sso/disable')
    onlyEvent(await next(), 'sso.disabled')
    const directory = await ok('POST', '/organizations/acme/directory', {})
    expect(onlyEvent(await next(), 'directory.enabled').data).toEqual({ directory: { id: expect.any(String), baseUrl: directory.baseUrl } })
    await ok('DELETE', '/organizations/acme/directory')
    onlyEvent(await next(), 'directory.disabled')
    expectNoSecrets(await allEvents(ctx.runtime.db, ctx.deps.store), [directory.token.secret])
  })
})
