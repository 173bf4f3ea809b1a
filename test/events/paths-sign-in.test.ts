/**
 * Events of SSO sign-in and SCIM (docs/events.md): just-in-time creation is one member.created with
 * the roles the IdP mapped; a sign-in that changes names or roles is one member.updated; one that
 * changes nothing writes nothing. SCIM: created, updated, deactivated, reactivated, removed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/core/ports.js'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, setupSsoOrg, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { createDirectory, oktaUser, scim } from '../directory/support.js'
import { allEvents, eventTail, expectNoSecrets, onlyEvent } from './support.js'

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg
let next: () => Promise<DomainEvent[]>
const RULES = [{ idpRole: 'gh-admins', orgRole: 'admin', workspaceRoles: { prod: 'admin' } }]

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('events-sign-in')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', policy: { provisioning: 'just-in-time' } })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
  await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify', { skipDnsCheck: true })
  next = eventTail(ctx.runtime.db, ctx.deps.store)
  await next()
})
afterEach(async () => {
  expectNoSecrets(await allEvents(ctx.runtime.db, ctx.deps.store))
  await ctx.close()
})

const signIn = async (nameId: string, attributes: Record<string, string[]>) => {
  const res = await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId, attributes }))
  expect(res.statusCode).toBe(303)
}

describe('events of SSO sign-in', () => {
  it('just in time: one member.created with the mapped roles; then one member.updated per change; none when nothing changes', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { roleMapping: { enabled: true, attribute: 'groups', delimiter: ',', rules: RULES } })
    await next()
    await signIn('dev@acme.test', { groups: ['gh-admins'], firstName: ['Dev'], lastName: ['One'] })
    expect(onlyEvent(await next(), 'member.created').data).toMatchObject({
      member: { email: 'dev@acme.test', firstName: 'Dev', lastName: 'One', role: 'admin', workspaceRoles: { prod: 'admin' } },
    })
    await signIn('dev@acme.test', { groups: ['gh-admins'], firstName: ['Dev'], lastName: ['One'] })
    expect(await next()).toEqual([])
    // Names and roles changed by one sign-in: one event.
    await signIn('dev@acme.test', { groups: ['Everyone'], firstName: ['Devon'], lastName: ['One'] })
    expect(onlyEvent(await next(), 'member.updated').data).toMatchObject({
      member: { firstName: 'Devon', role: 'member', workspaceRoles: {} },
      before: { firstName: 'Dev', role: 'admin', workspaceRoles: { prod: 'admin' } },
      changed: ['firstName', 'role', 'workspaceRoles'],
    })
  })

  it('a refused sign-in writes no event', async () => {
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { provisioning: 'invite-only' })
    await next()
    const res = await postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: 'stranger@acme.test' }))
    expect(res.statusCode).toBe(403)
    expect(await next()).toEqual([])
  })
})

describe('events of SCIM', () => {
  it('member.created, member.updated, member.deactivated, member.reactivated, member.removed, one each', async () => {
    const dir = await createDirectory(ctx, 'acme')
    await next()
    const created = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('ann@acme.test') })
    expect(created.status).toBe(201)
    expect(onlyEvent(await next(), 'member.created').data).toMatchObject({ member: { email: 'ann@acme.test', deactivated: false } })
    const id = created.json.id as string
    const patch = (Operations: unknown[]) =>
      scim(ctx, dir, 'PATCH', `/Users/${id}`, { body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations } })
    expect((await patch([{ op: 'replace', path: 'name.familyName', value: 'Lim' }])).status).toBe(200)
    expect(onlyEvent(await next(), 'member.updated').data).toMatchObject({ member: { lastName: 'Lim' }, changed: ['lastName'] })
    expect((await patch([{ op: 'replace', path: 'active', value: false }])).status).toBe(200)
    expect(onlyEvent(await next(), 'member.deactivated').data).toMatchObject({ member: { email: 'ann@acme.test', deactivated: true } })
    expect((await patch([{ op: 'replace', path: 'active', value: true }])).status).toBe(200)
    expect(onlyEvent(await next(), 'member.reactivated').data).toMatchObject({ member: { deactivated: false } })
    expect((await scim(ctx, dir, 'DELETE', `/Users/${id}`)).status).toBe(204)
    onlyEvent(await next(), 'member.removed')
    expectNoSecrets(await allEvents(ctx.runtime.db, ctx.deps.store), [dir.secret])
  })
})
