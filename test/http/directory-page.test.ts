/**
 * The owner's Directory page (issue 18 item 1): create, the token shown once (in the POST's answer,
 * no-store, never again), rotate with at most two live, revoke, turn off (SCIM then 401) and on again;
 * the token from the page works against SCIM. Every change audited with the owner as actor.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { oktaUser, scim, type TestDirectory } from '../directory/support.js'
import { OWNER, refusalCode, seedAcme, signedIn, withoutWordBreaks } from './support.js'

const SECRET = /ghsc_[A-Za-z0-9_-]{20,}/g

let ctx: TestContext
let owner: Browser
beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  owner = await signedIn(ctx, OWNER)
})
afterEach(() => ctx.close())

/** The page's new-token card, read as the IdP admin would copy it. */
function shown(body: string): { baseUrl: string | undefined; secret: string | undefined } {
  const html = withoutWordBreaks(body)
  return {
    baseUrl: /<code id="new-base-url">([^<]+)<\/code>/.exec(html)?.[1],
    secret: /<code id="new-token">([^<]+)<\/code>/.exec(html)?.[1],
  }
}

/** Creates the directory through the page; the clock then moves on, so later entries sort after it. */
async function createOnPage() {
  await owner.get('/orgs/acme/directory')
  const res = await owner.post('/orgs/acme/directory', {})
  ctx.clock.advance(60_000)
  const { baseUrl, secret } = shown(res.body)
  return { res, dir: { baseUrl: baseUrl!, path: new URL(baseUrl!).pathname, secret: secret!, tokenId: '' } satisfies TestDirectory }
}

const liveTokens = async () => ((await operator(ctx, 'GET', '/organizations/acme/directory')).json?.tokens ?? []) as { id: string; prefix: string }[]
const auditActions = async () =>
  ((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; actor: string }[])
    .filter((e) => e.action.startsWith('directory.'))
    .map((e) => `${e.action} ${e.actor}`)

describe('the Directory page', () => {
  it('is linked next to Single sign-on on the dashboard and the members page', async () => {
    for (const url of ['/dashboard', '/orgs/acme/members']) {
      const body = (await owner.get(url)).body
      expect(body, url).toMatch(/href="\/orgs\/acme\/sso"[^]*href="\/orgs\/acme\/directory"/)
    }
  })

  it('explains directory sync and offers Create before there is one', async () => {
    const page = await owner.get('/orgs/acme/directory')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Connect your directory')
    expect(page.body).toContain('action="/orgs/acme/directory"')
    expect(page.body).toContain('Create directory')
  })

  it('shows the base URL and the token once, in the POST answer (201, no-store, no redirect), and the token works against SCIM', async () => {
    const { res, dir } = await createOnPage()
    expect(res.statusCode).toBe(201)
    expect(res.headers.location).toBeUndefined()
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.body).toContain('it will not be shown again')
    expect(res.body).toContain('data-copy-target="new-token"')
    expect(res.body).toContain('data-copy-target="new-base-url"')
    expect(dir.baseUrl).toBe((await operator(ctx, 'GET', '/organizations/acme/directory')).json.baseUrl)
    expect(dir.secret).toMatch(SECRET)
    const created = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('newbie@acme.test') })
    expect(created.status).toBe(201)
    expect((await scim(ctx, dir, 'GET', '/Users?count=1')).status).toBe(200)

    const again = await owner.get('/orgs/acme/directory')
    expect(again.statusCode).toBe(200)
    expect(again.body).not.toContain(dir.secret)
    expect(again.body).not.toMatch(SECRET)
    expect(again.body).toContain(`${dir.secret.slice(0, 11)}…`) // the prefix only
    expect(again.body).toMatch(/id="user-count">1</)
    expect(await auditActions()).toEqual([`directory.created user:${OWNER}`])
  })

  it('rotates: a second token works beside the first; a third is refused with a clear message until one is revoked', async () => {
    const { dir } = await createOnPage()
    await owner.get('/orgs/acme/directory')
    const second = await owner.post('/orgs/acme/directory/tokens', {})
    expect(second.statusCode).toBe(201)
    expect(second.headers['cache-control']).toBe('no-store')
    const next = { ...dir, secret: shown(second.body).secret! }
    expect(next.secret).not.toBe(dir.secret)
    for (const d of [dir, next]) expect((await scim(ctx, d, 'GET', '/Users')).status).toBe(200)

    const page = await owner.get('/orgs/acme/directory')
    expect(page.body).toContain('revoke the one your IdP no longer uses before creating another')
    expect(page.body).not.toContain('action="/orgs/acme/directory/tokens"')
    const third = await owner.post('/orgs/acme/directory/tokens', {})
    expect(third.statusCode).toBe(409)
    expect(refusalCode(ctx, third)).toBe('directory_token_limit_reached')
    expect(third.body).toContain('revoke the old one first')
    expect(third.body).not.toMatch(SECRET)
    expect(await liveTokens()).toHaveLength(2)

    const old = (await liveTokens()).find((t) => dir.secret.startsWith(t.prefix))
    ctx.clock.advance(60_000)
    const revoked = await owner.post(`/orgs/acme/directory/tokens/${old!.id}/revoke`, {})
    expect(revoked.statusCode).toBe(303)
    expect(revoked.headers.location).toBe('/orgs/acme/directory?notice=revoked')
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(401)
    expect((await scim(ctx, next, 'GET', '/Users')).status).toBe(200)
    ctx.clock.advance(60_000)
    await owner.get('/orgs/acme/directory')
    expect((await owner.post('/orgs/acme/directory/tokens', {})).statusCode).toBe(201)
    expect(await auditActions()).toEqual([
      `directory.token_created user:${OWNER}`,
      `directory.token_revoked user:${OWNER}`,
      `directory.token_created user:${OWNER}`,
      `directory.created user:${OWNER}`,
    ])
  })

  it('refuses to revoke a token that is not a live one of this directory (404), changing nothing', async () => {
    await createOnPage()
    const before = await liveTokens()
    const res = await owner.post('/orgs/acme/directory/tokens/00000000-0000-4000-8000-000000000000/revoke', {})
    expect(res.statusCode).toBe(404)
    expect(refusalCode(ctx, res)).toBe('directory_token_not_found')
    expect(await liveTokens()).toEqual(before)
  })

  it('turns sync off only once confirmed (SCIM then 401, members stay), and on again with the same base URL and a new token', async () => {
    const { dir } = await createOnPage()
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('stays@acme.test') })).status).toBe(201)
    await owner.get('/orgs/acme/directory')
    const unconfirmed = await owner.post('/orgs/acme/directory/disable', {})
    expect(unconfirmed.statusCode).toBe(422)
    expect(unconfirmed.body).toContain('tick “Yes, stop directory sync” to confirm')
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(200)

    const off = await owner.post('/orgs/acme/directory/disable', { confirm: 'yes' })
    expect(off.statusCode).toBe(303)
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(401)
    expect((await operator(ctx, 'GET', '/organizations/acme/members/stays@acme.test')).status).toBe(200)
    const page = await owner.get('/orgs/acme/directory?notice=disabled')
    expect(page.body).toContain('Directory sync is off')
    expect(page.body).toContain('Turn directory sync on again')
    expect(page.body).not.toContain('action="/orgs/acme/directory/disable"')

    ctx.clock.advance(60_000)
    const on = await owner.post('/orgs/acme/directory', {})
    expect(on.statusCode).toBe(201)
    const again = shown(on.body)
    expect(again.baseUrl).toBe(dir.baseUrl)
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(401)
    expect((await scim(ctx, { ...dir, secret: again.secret! }, 'GET', '/Users')).status).toBe(200)
    expect(await auditActions()).toEqual([`directory.enabled user:${OWNER}`, `directory.disabled user:${OWNER}`, `directory.created user:${OWNER}`])
  })

  it('opens the guide chosen by ?idp=, each in its IdP’s field labels, Entra’s Tenant URL with the flag', async () => {
    const { dir } = await createOnPage()
    const page = withoutWordBreaks((await owner.get('/orgs/acme/directory?idp=entra')).body)
    expect(page).toMatch(/<details class="guide" id="guide-entra" open="">/)
    expect(page).toMatch(/<details class="guide" id="guide-okta">/)
    for (const label of [
      'SCIM connector base URL',
      'Unique identifier field for users',
      'Supported provisioning actions',
      'Authentication Mode',
      'HTTP Header',
      'Tenant URL',
      'Secret Token',
      'Test Connection',
      'Provisioning Mode',
      'SCIM Base URL',
      'SCIM Bearer Token',
      'Token Key',
    ])
      expect(page).toContain(`<strong>${label}</strong>`)
    expect(page).toContain(`<code class="paste" id="entra-tenant-url">${dir.baseUrl}?aadOptscim062020</code>`)
    expect(page).toContain(`<code class="paste" id="okta-base-url">${dir.baseUrl}</code>`)
  })
})
