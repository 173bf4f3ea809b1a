/**
 * Issue 21 items 1–4 in the browser: the owner sends a link from the pages; the IT admin, with no
 * account, opens it, sets up SSO (name, IdP, test, enable) and the directory; the test result is
 * that link session's and the owners'; everything is audited as the link's; the owner is mailed.
 */
import { inflateRawSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { idpNavigation } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { buildResponse, createTestIdp, sign, toBase64, type TestIdp } from '../helpers/test-idp.js'
import { makeLink, openLink, type MadeLink } from './setup-link-support.js'
import { ADMIN, OWNER, seedAcme, signedIn } from './support.js'

let ctx: TestContext
let owner: Browser
let idp: TestIdp
beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  owner = await signedIn(ctx, OWNER)
  idp = await createTestIdp('link')
})
afterEach(() => ctx.close())

/** The owner's form: the link's URL is in the 201 answer only. */
async function ownerMakesLink(form: Record<string, string>): Promise<MadeLink> {
  await owner.get('/orgs/acme/setup-links')
  const res = await owner.post('/orgs/acme/setup-links', form)
  expect(res.statusCode, res.body.slice(0, 300)).toBe(201)
  expect(res.headers['cache-control']).toBe('no-store')
  const url = /<code id="new-setup-link">([\s\S]*?)<\/code>/.exec(res.body)![1]!.replace(/<[^>]+>/g, '')
  const path = new URL(url).pathname
  const [live] = (await operator(ctx, 'GET', '/organizations/acme/setup-links')).json.data
  return { id: live.id, url, path, secret: path.slice('/setup/'.length), expiresAt: live.expiresAt }
}

const audit = async () => (await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; actor: string }[]

describe('the owner’s set-up links page', () => {
  it('makes a link (shown once), lists it without its URL, and revokes it', async () => {
    const link = await ownerMakesLink({ scope_sso: 'on', scope_directory: 'on', expiresInDays: '3' })
    expect(link.url).toMatch(/^http:\/\/gatehouse\.test\/setup\/ghsl_/)
    expect(link.expiresAt).toBe('2026-11-26T12:00:00.000Z')
    const list = await owner.get('/orgs/acme/setup-links')
    expect(list.body).toContain('Single sign-on set-up, Directory sync')
    expect(list.body).not.toContain(link.secret)
    const revoked = await owner.post(`/orgs/acme/setup-links/${link.id}/revoke`, {})
    expect(revoked.statusCode).toBe(303)
    expect((await owner.get('/orgs/acme/setup-links')).body).toContain('None.')
    expect((await browser(ctx.app).get(link.path)).statusCode).toBe(410)
  })

  it('refuses a link that opens nothing (400, named beside the choices), and makes none', async () => {
    await owner.get('/orgs/acme/setup-links')
    const res = await owner.post('/orgs/acme/setup-links', { expiresInDays: '7' })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('id="f-scope-error"')
    expect((await operator(ctx, 'GET', '/organizations/acme/setup-links')).json.data).toEqual([])
  })

  it('is the owner’s only: an admin gets 403 and cannot make one', async () => {
    const admin = await signedIn(ctx, ADMIN)
    expect((await admin.get('/orgs/acme/setup-links')).statusCode).toBe(403)
    expect((await admin.post('/orgs/acme/setup-links', { scope_sso: 'on' })).statusCode).toBe(403)
    expect((await operator(ctx, 'GET', '/organizations/acme/setup-links')).json.data).toEqual([])
    expect((await owner.get('/orgs/acme/sso')).body).toContain('href="/orgs/acme/setup-links"')
  })
})

describe('an IT admin with an SSO link', () => {
  it('sets up, tests and enables SSO; the result is theirs and the owners’; all audited as the link’s; the owner is mailed', async () => {
    const link = await ownerMakesLink({ scope_sso: 'on', expiresInDays: '7' })
    const itAdmin = await openLink(ctx, link)
    const home = await itAdmin.get('/setup-link')
    expect(home.body).toContain('Set up Acme')
    expect(home.body).toContain('Olivia Owner (olivia@acme.test)')
    expect(home.body).toContain('href="/orgs/acme/sso"')
    expect(home.body).not.toContain('href="/orgs/acme/directory"')

    const overview = await itAdmin.get('/orgs/acme/sso')
    expect(overview.body).toContain('through a set-up link sent by')
    expect(overview.body).not.toContain('href="/dashboard"')
    expect(overview.body).not.toContain('href="/orgs/acme/members"')
    expect((await itAdmin.post('/orgs/acme/sso/name', { ssoName: 'acme' })).statusCode).toBe(303)
    expect((await itAdmin.get('/orgs/acme/sso')).body).not.toContain('action="/orgs/acme/sso/name"')
    await itAdmin.get('/orgs/acme/sso/idp')
    const saved = await itAdmin.post('/orgs/acme/sso/idp', {
      mode: 'manual',
      ssoUrl: 'https://acme.idp.test/sso',
      entityId: idp.entityId,
      certificates: idp.certificatePem,
      signatureAlgorithm: 'rsa-sha256',
    })
    expect(saved.statusCode, saved.body.slice(0, 300)).toBe(303)

    await itAdmin.get('/orgs/acme/sso')
    const started = await itAdmin.post('/orgs/acme/sso/test', {})
    const location = new URL(idpNavigation(started))
    const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8')
    const requestId = /ID="([^"]+)"/.exec(xml)![1]!
    const response = sign(
      buildResponse({
        issuer: idp.entityId,
        acsUrl: 'http://gatehouse.test/saml/acme/acs',
        audience: 'http://gatehouse.test/saml/acme',
        now: ctx.clock.now(),
        inResponseTo: requestId,
        nameId: OWNER,
      }),
      'assertion',
      idp,
    )
    const acs = await ctx.app.inject({
      method: 'POST',
      url: '/saml/acme/acs',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: toBase64(response), RelayState: location.searchParams.get('RelayState')! }).toString(),
    })
    expect(acs.statusCode).toBe(303)
    const resultUrl = String(acs.headers.location)
    expect(resultUrl).toMatch(/^\/orgs\/acme\/sso\/tests\//)
    expect(acs.cookies.find((c: { name: string }) => c.name === 'gh_session')).toBeUndefined()

    const result = await itAdmin.get(resultUrl)
    expect(result.statusCode).toBe(200)
    expect(result.body).toContain('olivia@acme.test')
    expect(result.body).toContain('only that link&#39;s browser session and Acme&#39;s owners can see this page')
    expect((await owner.get(resultUrl)).statusCode).toBe(200)
    expect((await owner.get('/orgs/acme/audit')).body, 'the owner finds it from the audit log').toContain(`href="${resultUrl}"`)
    expect((await (await signedIn(ctx, ADMIN)).get(resultUrl)).statusCode).toBe(404)
    expect((await (await openLink(ctx, link)).get(resultUrl)).statusCode).toBe(404)

    await itAdmin.get('/orgs/acme/sso')
    expect((await itAdmin.post('/orgs/acme/sso/enable', {})).statusCode).toBe(303)
    expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.enabled).toBe(true)

    const byLink = `set-up link ${link.id} (created by olivia@acme.test)`
    const actions = (await audit()).filter((e) => e.actor === byLink).map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['setup_link.opened', 'sso.created', 'sso.idp_configured', 'sso.tested', 'sso.enabled']))
    const events = (await operator(ctx, 'GET', '/events')).json.data.map((e: { type: string }) => e.type)
    expect(events).toContain('sso.enabled')
    const mails = (await ctx.sentMail()).filter((m) => m.to === OWNER)
    expect(mails.map((m) => m.subject)).toEqual(['SSO test passed for Acme', 'Single sign-on is enabled for Acme'])
    expect(mails[0]!.text).toContain(link.id)
    expect(mails[0]!.text).not.toContain(link.secret)
  })
})

describe('an IT admin with a directory link', () => {
  it('creates the directory (token shown once), rotates tokens and reads the request log; the owner is mailed', async () => {
    const link = await makeLink(ctx, 'acme', ['directory'])
    const itAdmin = await openLink(ctx, link)
    expect((await itAdmin.get('/orgs/acme/sso')).statusCode).toBe(403)
    await itAdmin.get('/orgs/acme/directory')
    const created = await itAdmin.post('/orgs/acme/directory', {})
    expect(created.statusCode).toBe(201)
    expect(created.body).toMatch(/ghsc_[A-Za-z0-9_-]{20,}/)
    expect(created.body).not.toContain('Turn off directory sync')
    const rotated = await itAdmin.post('/orgs/acme/directory/tokens', {})
    expect(rotated.statusCode).toBe(201)
    const dir = (await operator(ctx, 'GET', '/organizations/acme/directory')).json
    expect(dir.tokens).toHaveLength(2)
    expect((await itAdmin.post(`/orgs/acme/directory/tokens/${dir.tokens[1].id}/revoke`, {})).statusCode).toBe(303)
    const page = await itAdmin.get('/orgs/acme/directory')
    expect(page.body).toContain('Last requests from the IdP')
    const mails = (await ctx.sentMail()).filter((m) => m.to === OWNER)
    expect(mails.map((m) => m.subject)).toEqual(['Directory sync is set up for Acme'])
    expect((await audit()).filter((e) => e.actor.startsWith(`set-up link ${link.id} (created by operator)`)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['directory.created', 'directory.token_created', 'directory.token_revoked']),
    )
  })
})
