/**
 * Who reaches the Directory page: admins read-only (no buttons; 403 on every POST), members and
 * other orgs' owners nothing, no change without the CSRF token. Each refusal is paired with the
 * same request accepted from the owner, so the refusal is about who asks, not what is asked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createDirectory, scim } from '../directory/support.js'
import { ADMIN, MEMBER, OWNER, PASSWORD, postForm, refusalCode, seedAcme, signedIn } from './support.js'

/** A whole secret (the page shows only prefixes such as `ghsc_ab12cd…` otherwise). */
const SECRET = /ghsc_[A-Za-z0-9_-]{20,}/

let ctx: TestContext
let owner: Browser
beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  owner = await signedIn(ctx, OWNER)
})
afterEach(() => ctx.close())

const directory = async () => (await operator(ctx, 'GET', '/organizations/acme/directory')).json
const directoryAudit = async () =>
  ((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string }[]).filter((e) => e.action.startsWith('directory.'))

/** Every change the page posts, for a directory with one live token `tokenId`. */
const changes = (tokenId: string): [string, Record<string, string>][] => [
  ['/orgs/acme/directory', {}],
  ['/orgs/acme/directory/tokens', {}],
  [`/orgs/acme/directory/tokens/${tokenId}/revoke`, {}],
  ['/orgs/acme/directory/disable', { confirm: 'yes' }],
]

describe('admins', () => {
  it('see the directory, its tokens and requests, with no button', async () => {
    const dir = await createDirectory(ctx, 'acme')
    await scim(ctx, dir, 'GET', '/Users', { token: 'wrong' })
    const admin = await signedIn(ctx, ADMIN)
    const page = await admin.get('/orgs/acme/directory')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('only the owner can change it')
    expect(page.body).toContain(dir.baseUrl)
    expect(page.body).toContain('The token is wrong, revoked, or directory sync is turned off')
    expect(page.body).not.toMatch(/<form method="post" action="\/orgs\/acme\/directory/)
    expect(page.body).not.toContain('Revoke')
    const owners = await owner.get('/orgs/acme/directory')
    expect(owners.body).toMatch(/<form method="post" action="\/orgs\/acme\/directory\/tokens"/)
    expect(owners.body).toContain('Revoke')
  })

  it('see no Create button before there is a directory', async () => {
    const admin = await signedIn(ctx, ADMIN)
    const page = await admin.get('/orgs/acme/directory')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Only the owner can create it.')
    expect(page.body).not.toContain('Create directory')
  })

  it('get 403 not_allowed on every change, and nothing changes; the owner’s same posts work', async () => {
    const dir = await createDirectory(ctx, 'acme')
    const admin = await signedIn(ctx, ADMIN)
    await admin.get('/orgs/acme/directory')
    const before = await directory()
    for (const [url, form] of changes(dir.tokenId)) {
      const res = await admin.post(url, form)
      expect(res.statusCode, url).toBe(403)
      expect(refusalCode(ctx, res), url).toBe('not_allowed')
      expect(res.body, url).not.toMatch(SECRET)
    }
    expect(await directory()).toEqual(before)
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(200)
    expect(await directoryAudit()).toHaveLength(1) // directory.created, by the operator

    // The owner: a second token, revoke the first, turn off, turn on again.
    await owner.get('/orgs/acme/directory')
    const [create, rotate, revoke, disable] = changes(dir.tokenId)
    expect((await owner.post(...rotate!)).statusCode).toBe(201)
    expect((await owner.post(...revoke!)).statusCode).toBe(303)
    expect((await owner.post(...disable!)).statusCode).toBe(303)
    expect((await owner.post(...create!)).statusCode).toBe(201)
    expect(await directoryAudit()).toHaveLength(5)
  })

  it('cannot create the first directory either (403); the owner can (201)', async () => {
    const admin = await signedIn(ctx, ADMIN)
    await admin.get('/orgs/acme/directory')
    expect((await admin.post('/orgs/acme/directory', {})).statusCode).toBe(403)
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).status).toBe(404)
    await owner.get('/orgs/acme/directory')
    expect((await owner.post('/orgs/acme/directory', {})).statusCode).toBe(201)
  })
})

describe('members, strangers and other orgs', () => {
  it('gives a member 403 on the page and its posts; nothing changes', async () => {
    const dir = await createDirectory(ctx, 'acme')
    const member = await signedIn(ctx, MEMBER)
    expect((await member.get('/orgs/acme/directory')).statusCode).toBe(403)
    await member.get('/dashboard')
    const before = await directory()
    for (const [url, form] of changes(dir.tokenId)) {
      const res = await member.post(url, form)
      expect(res.statusCode, url).toBe(403)
      expect(refusalCode(ctx, res), url).toBe('not_allowed')
    }
    expect(await directory()).toEqual(before)
    expect((await member.get('/dashboard')).body).not.toContain('href="/orgs/acme/directory"')
  })

  it('sends a visitor who is not signed in to the sign-in page', async () => {
    const res = await browser(ctx.app).get('/orgs/acme/directory')
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('/login?next=%2Forgs%2Facme%2Fdirectory')
  })

  it('refuses another org’s owner on acme’s page and posts (403), and cannot revoke acme’s token through their own org (404)', async () => {
    const dir = await createDirectory(ctx, 'acme')
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
    await operator(ctx, 'POST', '/organizations/globex/members', {
      email: 'gina@globex.test',
      firstName: 'Gina',
      lastName: 'G',
      role: 'owner',
      password: PASSWORD,
    })
    const stranger = await signedIn(ctx, 'gina@globex.test')
    expect((await stranger.get('/orgs/acme/directory')).statusCode).toBe(403)
    await stranger.get('/orgs/globex/directory')
    const before = await directory()
    for (const [url, form] of changes(dir.tokenId)) expect((await stranger.post(url, form)).statusCode, url).toBe(403)
    // Their own org's URL with acme's token id: not a token of their directory.
    expect((await stranger.post('/orgs/globex/directory', {})).statusCode).toBe(201)
    const crossed = await stranger.post(`/orgs/globex/directory/tokens/${dir.tokenId}/revoke`, {})
    expect(crossed.statusCode).toBe(404)
    expect(refusalCode(ctx, crossed)).toBe('directory_token_not_found')
    expect(await directory()).toEqual(before)
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(200)
    // The acme owner revokes the same token through acme: accepted.
    await owner.get('/orgs/acme/directory')
    expect((await owner.post(`/orgs/acme/directory/tokens/${dir.tokenId}/revoke`, {})).statusCode).toBe(303)
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(401)
  })
})

describe('CSRF', () => {
  it('refuses the owner’s posts without the page’s token, or with another session’s, or from another origin; the same post with it works', async () => {
    const admin = await signedIn(ctx, ADMIN)
    await admin.get('/orgs/acme/directory')
    const page = await owner.get('/orgs/acme/directory')
    expect(page.statusCode).toBe(200)
    for (const [form, headers] of [
      [{}, {}],
      [{ _csrf: admin.csrf() }, {}],
      [{ _csrf: owner.csrf() }, { origin: 'https://evil.example' }],
    ] as [Record<string, string>, Record<string, string>][]) {
      const res = await postForm(ctx, owner, '/orgs/acme/directory', form, headers)
      expect(res.statusCode).toBe(403)
      expect(refusalCode(ctx, res)).toBe('csrf_invalid')
      expect(res.body).not.toMatch(SECRET)
    }
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).status).toBe(404)
    const accepted = await postForm(ctx, owner, '/orgs/acme/directory', { _csrf: owner.csrf() })
    expect(accepted.statusCode).toBe(201)
    expect(accepted.body).toMatch(SECRET)
  })
})
