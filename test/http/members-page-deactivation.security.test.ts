/**
 * Deactivated members on the members page (issue 18 item 4 UI): the badge, "by directory" when the
 * directory switched them off, and the owner's Deactivate / Reactivate — never on themselves or
 * another owner, never by an admin, audited, ending access at once. Each refusal is paired with the
 * accepted request.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createDirectory, oktaUser, scim } from '../directory/support.js'
import { ADMIN, MEMBER, OWNER, PASSWORD, type Acme, cookieHeader, me, postForm, refusalCode, seedAcme, signedIn } from './support.js'

let ctx: TestContext
let acme: Acme
let owner: Browser
beforeEach(async () => {
  ctx = await createTestContext()
  acme = await seedAcme(ctx)
  owner = await signedIn(ctx, OWNER)
})
afterEach(() => ctx.close())

const deactivatedAt = async (memberId: string) =>
  (await ctx.runtime.db.selectFrom('members').select('deactivated_at').where('id', '=', memberId).executeTakeFirstOrThrow()).deactivated_at
const memberAudit = async () =>
  ((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; actor: string; target: string }[])
    .filter((e) => e.action === 'member.deactivated' || e.action === 'member.reactivated')
    .map((e) => `${e.action} ${e.target} ${e.actor}`)

/** The members page row of `email` (from its <tr> to the next). */
function rowOf(body: string, email: string): string {
  const at = body.indexOf(`<span class="muted">${email}</span>`)
  expect(at, email).toBeGreaterThan(0)
  return body.slice(body.lastIndexOf('<tr', at), body.indexOf('</tr>', at))
}

describe('the owner deactivates and reactivates a member', () => {
  it('ends the member’s session at once, shows the badge, and brings them back on Reactivate; both audited', async () => {
    const max = await signedIn(ctx, MEMBER)
    expect((await me(ctx, { cookie: cookieHeader(max) })).statusCode).toBe(200)
    const page = await owner.get('/orgs/acme/members')
    expect(rowOf(page.body, MEMBER)).toContain(`action="/orgs/acme/members/${acme.memberId}/deactivate"`)

    const off = await owner.post(`/orgs/acme/members/${acme.memberId}/deactivate`, {})
    expect(off.statusCode).toBe(303)
    expect(off.headers.location).toBe('/orgs/acme/members?notice=deactivated')
    expect(await deactivatedAt(acme.memberId)).not.toBeNull()
    expect((await me(ctx, { cookie: cookieHeader(max) })).statusCode).toBe(401)
    const row = rowOf((await owner.get('/orgs/acme/members')).body, MEMBER)
    expect(row).toContain('>Deactivated</span>')
    expect(row).not.toContain('by directory')
    expect(row).toContain(`action="/orgs/acme/members/${acme.memberId}/reactivate"`)

    ctx.clock.advance(60_000)
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}/reactivate`, {})).statusCode).toBe(303)
    expect(await deactivatedAt(acme.memberId)).toBeNull()
    await signedIn(ctx, MEMBER)
    expect(await memberAudit()).toEqual([`member.reactivated ${MEMBER} user:${OWNER}`, `member.deactivated ${MEMBER} user:${OWNER}`])
  })

  it('marks a member the directory deactivated “by directory”, for the owner and the admin; only the owner may reactivate', async () => {
    const dir = await createDirectory(ctx, 'acme')
    const created = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(MEMBER) })
    expect(created.status).toBe(201)
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] }
    expect((await scim(ctx, dir, 'PATCH', `/Users/${created.json.id}`, { body: patch })).status).toBe(200)

    const ownerRow = rowOf((await owner.get('/orgs/acme/members')).body, MEMBER)
    expect(ownerRow).toContain('Deactivated by directory')
    expect(ownerRow).toContain('/reactivate"')
    const admin = await signedIn(ctx, ADMIN)
    const adminPage = (await admin.get('/orgs/acme/members')).body
    expect(rowOf(adminPage, MEMBER)).toContain('Deactivated by directory')
    expect(adminPage).not.toMatch(/\/(de|re)activate"/)
    expect(adminPage).toContain('switched off by your identity provider')
  })
})

describe('refusals', () => {
  it('offers the owner no switch on themselves or another owner, and refuses both posts (403) without change; a member’s works', async () => {
    const second = (
      await operator(ctx, 'POST', '/organizations/acme/members', {
        email: 'otto@acme.test',
        firstName: 'Otto',
        lastName: 'Owner',
        role: 'owner',
        password: PASSWORD,
      })
    ).json.id as string
    const page = (await owner.get('/orgs/acme/members')).body
    for (const email of [OWNER, 'otto@acme.test']) expect(rowOf(page, email)).not.toMatch(/\/(de|re)activate"/)
    for (const id of [acme.ownerId, second]) {
      const res = await owner.post(`/orgs/acme/members/${id}/deactivate`, {})
      expect(res.statusCode).toBe(403)
      expect(refusalCode(ctx, res)).toBe('not_allowed')
      expect(await deactivatedAt(id)).toBeNull()
    }
    expect((await owner.post(`/orgs/acme/members/${acme.adminId}/deactivate`, {})).statusCode).toBe(303)
    expect(await deactivatedAt(acme.adminId)).not.toBeNull()
  })

  it('refuses an admin (403, nothing changes) the owner’s switch, on a member and on a deactivated one', async () => {
    const admin = await signedIn(ctx, ADMIN)
    expect((await admin.get('/orgs/acme/members')).body).not.toMatch(/\/(de|re)activate"/)
    const res = await admin.post(`/orgs/acme/members/${acme.memberId}/deactivate`, {})
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('not_allowed')
    expect(await deactivatedAt(acme.memberId)).toBeNull()
    await owner.get('/orgs/acme/members')
    expect((await owner.post(`/orgs/acme/members/${acme.memberId}/deactivate`, {})).statusCode).toBe(303)
    await admin.get('/orgs/acme/members')
    expect((await admin.post(`/orgs/acme/members/${acme.memberId}/reactivate`, {})).statusCode).toBe(403)
    expect(await deactivatedAt(acme.memberId)).not.toBeNull()
  })

  it('refuses a member of another org through acme’s URL (404) and another org’s owner on acme’s members (403)', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
    await operator(ctx, 'POST', '/organizations/globex/members', {
      email: 'gina@globex.test',
      firstName: 'Gina',
      lastName: 'G',
      role: 'owner',
      password: PASSWORD,
    })
    const gus = (
      await operator(ctx, 'POST', '/organizations/globex/members', {
        email: 'gus@globex.test',
        firstName: 'Gus',
        lastName: 'G',
        role: 'member',
        password: PASSWORD,
      })
    ).json.id as string
    await owner.get('/orgs/acme/members')
    const crossed = await owner.post(`/orgs/acme/members/${gus}/deactivate`, {})
    expect(crossed.statusCode).toBe(404)
    expect(refusalCode(ctx, crossed)).toBe('member_not_found')
    expect(await deactivatedAt(gus)).toBeNull()
    const stranger = await signedIn(ctx, 'gina@globex.test')
    await stranger.get('/dashboard')
    expect((await stranger.post(`/orgs/acme/members/${acme.memberId}/deactivate`, {})).statusCode).toBe(403)
    expect(await deactivatedAt(acme.memberId)).toBeNull()
    // Gina, in her own org: accepted.
    await stranger.get('/orgs/globex/members')
    expect((await stranger.post(`/orgs/globex/members/${gus}/deactivate`, {})).statusCode).toBe(303)
    expect(await deactivatedAt(gus)).not.toBeNull()
  })

  it('refuses the switch without the page’s CSRF token (403); with it, accepted', async () => {
    await owner.get('/orgs/acme/members')
    const res = await postForm(ctx, owner, `/orgs/acme/members/${acme.memberId}/deactivate`, {})
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('csrf_invalid')
    expect(await deactivatedAt(acme.memberId)).toBeNull()
    const ok = await postForm(ctx, owner, `/orgs/acme/members/${acme.memberId}/deactivate`, { _csrf: owner.csrf() })
    expect(ok.statusCode).toBe(303)
    expect(await deactivatedAt(acme.memberId)).not.toBeNull()
  })
})
