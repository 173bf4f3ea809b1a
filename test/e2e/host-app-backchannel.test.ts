/// <reference lib="dom" />
/**
 * "Logout everywhere" end to end in Debian Chromium (issue 20 item 4): a member signs in to the
 * example host app through Gatehouse and the development IdP (SSO), then uses the development IdP's
 * "Sign out everywhere" (an IdP-initiated SAML LogoutRequest): Gatehouse's session ends at once, and
 * once the job worker has delivered the back-channel logout token to the app's
 * POST /backchannel-logout, the app's page shows the member signed out too.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHostApp } from '../../examples/host-app/server.mjs'
import { freePort } from '../helpers/built-cli.js'
import { acmeOnDevIdp, browserMissing, launchBrowser, screenshot, startServer, type E2eServer } from '../helpers/e2e.js'
import { operator } from '../helpers/test-app.js'

const missing = browserMissing()
if (missing !== undefined) console.log(`browser tests skipped: ${missing}`)

describe.skipIf(missing !== undefined)('signing out everywhere at the IdP', () => {
  let server: E2eServer
  let app: { close(): Promise<void> }
  let appUrl: string
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    server = await startServer()
    const { ctx } = server
    const ok = (r: { status: number; json: unknown }) => expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
    await acmeOnDevIdp(ctx)
    ok(await operator(ctx, 'POST', '/organizations/acme/members', { email: 'devi@acme.test', firstName: 'Devi', lastName: 'Developer', role: 'admin' }))
    const port = await freePort()
    appUrl = `http://127.0.0.1:${port}`
    const client = await operator(ctx, 'POST', '/oidc-clients', {
      name: 'Example host app',
      redirectUris: [`${appUrl}/callback`],
      postLogoutRedirectUris: [`${appUrl}/`],
      backchannelLogoutUri: `${appUrl}/backchannel-logout`,
    })
    ok(client)
    const quiet = { info: () => {}, warn: (m: string) => problems.push(`app: ${m}`), error: (m: string) => problems.push(`app: ${m}`) }
    app = await startHostApp({ issuer: `${server.baseUrl}/oidc`, clientId: client.json.id, clientSecret: client.json.clientSecret, appUrl, port, log: quiet })
    browser = await launchBrowser()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await server?.close()
  })

  it('signs the member out of Gatehouse and, once delivered, out of the example app', async () => {
    await page.goto(appUrl)
    await page.getByLabel('Or sign in for one organization').fill('acme')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL('**/dev/idp/**')
    await page.getByLabel('Email (NameID and the email attribute)').fill('devi@acme.test')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL(`${appUrl}/`)
    expect(await page.textContent('#email')).toBe('devi@acme.test')

    // At the IdP: "Sign out everywhere" for Devi.
    await page.goto(`${server.baseUrl}/dev/idp`)
    const form = page.locator('section[aria-labelledby="logout-heading"]')
    await form.locator('input[name="sso_name"]').fill('acme')
    await form.locator('input[name="email"]').fill('devi@acme.test')
    await form.getByRole('button', { name: 'Sign out everywhere' }).click()
    await page.waitForURL('**/dev/idp/slo**')
    expect(await page.textContent('h1')).toBe('Signed out everywhere')
    await screenshot(page, 'bcl-1-signed-out-everywhere')
    const dashboard = await page.goto(`${server.baseUrl}/dashboard`)
    expect(new URL(dashboard!.url()).pathname).toBe('/login')

    // The request that ended the session sent nothing itself: the app still shows Devi until the worker runs.
    await page.goto(appUrl)
    expect(await page.textContent('#email')).toBe('devi@acme.test')
    expect(await server.ctx.runJobs()).toMatchObject({ done: 1, retried: 0, failed: 0 })
    await page.goto(appUrl)
    expect(await page.textContent('main')).toContain('You are not signed in')
    await screenshot(page, 'bcl-2-host-app-signed-out')
    expect(problems).toEqual([])
  }, 60_000)
})
