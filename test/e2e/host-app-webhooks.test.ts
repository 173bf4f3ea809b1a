/// <reference lib="dom" />
/**
 * The example host app kept in step by Gatehouse's events (issue 19 item 4), in Debian Chromium: a
 * member provisioned by SCIM signs in to the app through the development IdP; the directory
 * deactivates them; the webhook worker delivers member.deactivated; their next page load at the app
 * shows them signed out, and the app's user list (seen by a colleague) no longer has them. Members
 * written before the webhook existed reach the app through the pull API at its start. A member removed
 * (operator API) is signed out the same way; a delivery not signed with the secret is refused.
 */
import { createHmac } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHostApp } from '../../examples/host-app/server.mjs'
import { createDirectory, oktaUser, PATCH_OP, scim, type TestDirectory } from '../directory/support.js'
import { acmeOnDevIdp, browserMissing, freePort, launchBrowser, screenshot, startServer, type E2eServer } from '../helpers/e2e.js'
import { ADMIN_TOKEN, operator } from '../helpers/test-app.js'
import { deliverAll, registerWebhook } from '../jobs/webhook-support.js'

const missing = browserMissing()
if (missing !== undefined) console.log(`browser tests skipped: ${missing}`)

describe.skipIf(missing !== undefined)('the example host app kept in step by webhooks', () => {
  let server: E2eServer
  let app: { close(): Promise<void> }
  let appUrl: string
  let browser: Browser
  let dir: TestDirectory
  let secret: string
  let olga: { context: BrowserContext; page: Page }
  const scimIds: Record<string, string> = {}
  const quiet = { info: () => {}, warn: (m: string) => problems.push(m), error: (m: string) => problems.push(m) }
  const problems: string[] = []

  const provision = async (email: string) => {
    const r = await scim(server.ctx, dir, 'POST', '/Users', { body: oktaUser(email, { name: { givenName: email.split('@')[0], familyName: 'Acme' } }) })
    expect(r.status, JSON.stringify(r.json)).toBe(201)
    scimIds[email] = r.json.id as string
  }

  /** A fresh browser signed in to the app as `email`, through Gatehouse and the development IdP. */
  const signIn = async (email: string): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    await page.goto(appUrl)
    await page.getByLabel('Or sign in for one organization').fill('acme')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL('**/dev/idp/**')
    await page.getByLabel('Email (NameID and the email attribute)').fill(email)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL(`${appUrl}/`)
    expect(await page.textContent('#email')).toBe(email)
    return { context, page }
  }

  const listed = async (page: Page) => {
    await page.goto(`${appUrl}/users`)
    return (await page.locator('tbody tr td:first-child').allInnerTexts()).map((t) => t.trim())
  }

  beforeAll(async () => {
    server = await startServer()
    const { ctx } = server
    const ok = (r: { status: number; json: unknown }) => expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
    await acmeOnDevIdp(ctx)
    dir = await createDirectory(ctx, 'acme')
    // Before the webhook exists: only the pull API at the app's start tells it about Olga.
    await provision('olga@acme.test')

    const port = await freePort()
    appUrl = `http://127.0.0.1:${port}`
    const client = await operator(ctx, 'POST', '/oidc-clients', {
      name: 'Example host app',
      redirectUris: [`${appUrl}/callback`],
      postLogoutRedirectUris: [`${appUrl}/`],
    })
    ok(client)
    const hook = await registerWebhook(ctx, `${appUrl}/webhooks/gatehouse`)
    app = await startHostApp({
      issuer: `${server.baseUrl}/oidc`,
      clientId: client.json.id,
      clientSecret: client.json.clientSecret,
      appUrl,
      port,
      webhookSecret: (secret = hook.secret),
      apiToken: ADMIN_TOKEN,
      log: quiet,
    })
    // After: the webhook brings Devi.
    await provision('devi@acme.test')
    expect((await deliverAll(ctx)).delivered).toBeGreaterThan(0)
    browser = await launchBrowser()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await server?.close()
  })

  it('signs a member deactivated through SCIM out of the app and drops them from its user list', async () => {
    olga = await signIn('olga@acme.test')
    const devi = await signIn('devi@acme.test')
    expect(await listed(olga.page)).toEqual(['devi@acme.test', 'olga@acme.test'])
    expect(await listed(devi.page)).toEqual(['devi@acme.test', 'olga@acme.test'])
    await screenshot(devi.page, 'host-app-users-before')

    const off = await scim(server.ctx, dir, 'PATCH', `/Users/${scimIds['devi@acme.test']}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] },
    })
    expect(off.status, JSON.stringify(off.json)).toBe(200)
    // Until the webhook arrives the app knows nothing: Devi is still signed in there.
    await devi.page.goto(appUrl)
    expect(await devi.page.textContent('#email')).toBe('devi@acme.test')

    expect((await deliverAll(server.ctx)).delivered).toBe(1)
    await devi.page.reload()
    expect(await devi.page.textContent('main')).toContain('You are not signed in')
    await devi.page.goto(`${appUrl}/users`)
    expect(new URL(devi.page.url()).pathname).toBe('/')
    expect(await listed(olga.page)).toEqual(['olga@acme.test'])
    await screenshot(olga.page, 'host-app-users-after')
    // Olga's session is hers: untouched.
    await olga.page.goto(appUrl)
    expect(await olga.page.textContent('#email')).toBe('olga@acme.test')
    expect(problems).toEqual([])
    await devi.context.close()
  }, 60_000)

  it('refuses a webhook whose signature is wrong, missing, stale or over another body (401), and accepts the same body signed', async () => {
    const org = (await operator(server.ctx, 'GET', '/organizations/acme')).json as { id: string }
    const member = {
      id: 'm-1',
      userId: 'u-1',
      email: 'sam@acme.test',
      firstName: 'Sam',
      lastName: 'Acme',
      role: 'member',
      workspaceRoles: {},
      deactivated: false,
    }
    const body = JSON.stringify({
      id: 'ev-forged-1',
      type: 'member.created',
      createdAt: new Date().toISOString(),
      org: { id: org.id, slug: 'acme' },
      data: { member },
    })
    const sign = (key: string, raw: string, t = Math.floor(Date.now() / 1000)) => `t=${t},v1=${createHmac('sha256', key).update(`${t}.${raw}`).digest('hex')}`
    const post = async (raw: string, signature?: string) => {
      const res = await fetch(`${appUrl}/webhooks/gatehouse`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'gatehouse-signature': signature }) },
        body: raw,
      })
      return { status: res.status, json: (await res.json()) as { applied?: boolean; error?: string } }
    }
    const tampered = body.replace('"role":"member"', '"role":"owner"')
    const refused = [
      await post(body, sign('whsec_not-the-secret', body)),
      await post(body),
      await post(body, 't=1,v1=00'),
      await post(body, sign(secret, body, Math.floor(Date.now() / 1000) - 301)),
      await post(body, sign(secret, body, Math.floor(Date.now() / 1000) + 301)),
      await post(tampered, sign(secret, body)),
    ]
    for (const r of refused) expect(r).toEqual({ status: 401, json: { error: 'Gatehouse-Signature is missing, wrong or older than 5 minutes' } })
    expect(await listed(olga.page)).toEqual(['olga@acme.test'])

    // The same body, signed with the webhook's secret: applied once; its replay is acknowledged, not applied again.
    expect(await post(body, sign(secret, body))).toEqual({ status: 200, json: { applied: true } })
    expect(await listed(olga.page)).toEqual(['olga@acme.test', 'sam@acme.test'])
    expect(await post(body, sign(secret, body))).toEqual({ status: 200, json: { applied: false } })
    // Signed but not an event: refused, nothing applied.
    expect((await post('[1]', sign(secret, '[1]'))).status).toBe(400)
    expect(await listed(olga.page)).toEqual(['olga@acme.test', 'sam@acme.test'])
    expect(problems).toEqual([])
  }, 60_000)
  it('signs a removed member out of the app at once (member.removed)', async () => {
    await olga.page.goto(appUrl)
    expect(await olga.page.textContent('#email')).toBe('olga@acme.test')
    expect((await operator(server.ctx, 'DELETE', '/organizations/acme/members/olga@acme.test')).status).toBe(204)
    expect((await deliverAll(server.ctx)).delivered).toBe(1)
    await olga.page.reload()
    expect(await olga.page.textContent('main')).toContain('You are not signed in')
    expect(problems).toEqual([])
  }, 60_000)
})
