/** Each change through the pages makes exactly one event of its type (docs/events.md): the members page, invitations, set-up, SSO. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/core/ports.js'
import { issueSetupLink } from '../../src/core/setup.js'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'
import { acceptInvitation, inviteThroughPage, MEMBER, OWNER, PASSWORD, pathOf, seedAcme, signedIn, tokenOf, type Acme } from '../http/support.js'
import { allEvents, eventTail, expectNoSecrets, onlyEvent } from './support.js'

let ctx: TestContext
let next: () => Promise<DomainEvent[]>
beforeEach(async () => {
  ctx = await createTestContext()
  next = eventTail(ctx.runtime.db, ctx.deps.store)
})
afterEach(async () => {
  expectNoSecrets(await allEvents(ctx.runtime.db, ctx.deps.store), [PASSWORD])
  await ctx.close()
})

describe('events of the pages', () => {
  let acme: Acme
  beforeEach(async () => {
    acme = await seedAcme(ctx)
    await next()
  })

  it('the members page form: member.updated with before and after; remove: member.removed', async () => {
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/members')
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}`, { role: 'admin', 'ws.prod': 'editor' })).statusCode).toBe(303)
    expect(onlyEvent(await next(), 'member.updated').data).toMatchObject({
      member: { id: acme.memberId, email: MEMBER, role: 'admin' },
      before: { role: 'member' },
      changed: ['role'],
    })
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}/remove`, {})).statusCode).toBe(303)
    expect(onlyEvent(await next(), 'member.removed').data).toMatchObject({ member: { id: acme.memberId, email: MEMBER } })
  })

  it('an accepted invitation: member.created with the invited role; the invitation itself is no event', async () => {
    const owner = await signedIn(ctx, OWNER)
    expect((await inviteThroughPage(owner, { email: 'nina@acme.test', role: 'admin', 'ws.prod': 'developer' })).statusCode).toBe(303)
    expect(await next()).toEqual([])
    const { res } = await acceptInvitation(ctx, await ctx.linkMailedTo('nina@acme.test'), { firstName: 'Nina', lastName: 'New', password: PASSWORD })
    expect(res.statusCode).toBe(303)
    expect(onlyEvent(await next(), 'member.created').data).toMatchObject({
      member: { email: 'nina@acme.test', firstName: 'Nina', role: 'admin', workspaceRoles: { prod: 'developer' } },
    })
  })

  it('the SSO page: sso.enabled and sso.disabled', async () => {
    const idp = await createTestIdp('events-pages')
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] })
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    onlyEvent(await next(), 'sso.enabled')
    const owner = await signedIn(ctx, OWNER)
    await owner.get('/orgs/acme/sso')
    expect((await owner.post('/orgs/acme/sso/disable', {})).statusCode).toBe(303)
    expect(onlyEvent(await next(), 'sso.disabled').data).toMatchObject({ connection: { ssoName: 'acme' } })
  })
})

describe('events of the set-up page', () => {
  it('organization.created, then member.created for the first owner, in one transaction', async () => {
    const link = (await issueSetupLink(ctx.deps))!
    const b = browser(ctx.app)
    await b.get('/login')
    await b.get(pathOf(link))
    const form = { orgName: 'Acme', orgSlug: 'acme', email: OWNER, firstName: 'Olivia', lastName: 'Owner', password: PASSWORD }
    expect((await b.post('/setup', { ...form, token: tokenOf(link) })).statusCode).toBe(303)
    const events = await next()
    expect(events.map((e) => e.type)).toEqual(['organization.created', 'member.created'])
    expect(events[1]!.data).toMatchObject({ member: { email: OWNER, role: 'owner' } })
  })
})
