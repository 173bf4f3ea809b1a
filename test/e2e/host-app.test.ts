/// <reference lib="dom" />
/**
 * The example host app (examples/host-app) in Debian Chromium (issue 7 item 6): the app → Gatehouse
 * → the development IdP → back to the app showing the org and roles from the ID token; then
 * RP-initiated logout back to the app. The app runs in-process, its openid-client resolved from the
 * repository's node_modules (no install of its own).
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHostApp } from '../../examples/host-app/server.mjs'
import { freePort } from '../helpers/built-cli.js'
import { acmeOnDevIdp, browserMissing, expectAccessible, launchBrowser, screenshot, startServer, type E2eServer } from '../helpers/e2e.js'
import { operator } from '../helpers/test-app.js'

const missing = browserMissing()
if (missing !== undefined) console.log(`browser tests skipped: ${missing}`)

describe.skipIf(missing !== undefined)('the example host app', () => {
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
    for (const slug of ['prod', 'staging']) ok(await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: slug, slug }))
    ok(
      await operator(ctx, 'POST', '/organizations/acme/members', {
        email: 'devi@acme.test',
        firstName: 'Devi',
        lastName: 'Developer',
        role: 'admin',
        workspaceRoles: { prod: 'developer', staging: 'admin' },
      }),
    )

    ok(await operator(ctx, 'POST', '/organizations', { name: 'Plain Inc', slug: 'plain' }))
    ok(
      await operator(ctx, 'POST', '/organizations/plain/members', {
        email: 'pat@plain.test',
        firstName: 'Pat',
        lastName: 'Password',
        role: 'member',
        password: 'correct horse battery',
      }),
    )

    const port = await freePort()
    appUrl = `http://127.0.0.1:${port}`
    const client = await operator(ctx, 'POST', '/oidc-clients', {
      name: 'Example host app',
      redirectUris: [`${appUrl}/callback`],
      postLogoutRedirectUris: [`${appUrl}/`],
    })
    ok(client)
    app = await startHostApp({ issuer: `${server.baseUrl}/oidc`, clientId: client.json.id, clientSecret: client.json.clientSecret, appUrl, port })

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

  it('signs in through Gatehouse and the development IdP and shows the org and roles', async () => {
    await page.goto(appUrl)
    expect(await page.title()).toBe('Example host app')
    await page.getByLabel('Or sign in for one organization').fill('acme')
    await page.getByRole('button', { name: 'Sign in' }).click()
    // organization=acme under strict: straight to the org's IdP, here the development IdP.
    await page.waitForURL('**/dev/idp/**')
    await expectAccessible(page, 'the development IdP from an app')
    await screenshot(page, 'oidc-1-dev-idp')
    await page.getByLabel('Email (NameID and the email attribute)').fill('devi@acme.test')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    // Chromium applies form-action to each redirect after a form: the dev IdP's POST-binding page ends
    // at the app's callback, which the CSP must name (a registered client's origin).
    await page.waitForURL(`${appUrl}/`)
    await screenshot(page, 'oidc-2-host-app-signed-in')
    expect(await page.title()).toBe('Example host app')
    expect(await fetch(`${appUrl}/nothing-here`).then((r) => r.text())).toContain('<title>Not found · Example host app</title>')
    expect(await page.textContent('#email')).toBe('devi@acme.test')
    expect(await page.textContent('#org')).toBe('acme')
    expect(await page.textContent('#org-role')).toBe('admin')
    const rows = await page.locator('tbody tr').allInnerTexts()
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual(['prod developer', 'staging admin'])
    expect(await page.textContent('main')).toContain('with single sign-on')
  }, 60_000)

  it('signs out of the app and Gatehouse through RP-initiated logout', async () => {
    await page.getByRole('link', { name: 'Sign out' }).click()
    await page.waitForURL('**/oidc/session/end**')
    await expectAccessible(page, 'the sign-out page')
    await screenshot(page, 'oidc-3-sign-out')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${appUrl}/`)
    expect(await page.textContent('main')).toContain('You are not signed in')
    const dashboard = await page.goto(`${server.baseUrl}/dashboard`)
    expect(new URL(dashboard!.url()).pathname).toBe('/login')
    expect(problems).toEqual([])
  }, 60_000)

  it("signs in with a password through Gatehouse's sign-in page (its form ends at the app)", async () => {
    const fresh = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await fresh.goto(appUrl)
    await fresh.getByRole('link', { name: 'Sign in with Gatehouse' }).click()
    await fresh.waitForURL('**/login?next=**')
    await expectAccessible(fresh, 'the sign-in page from an app')
    await fresh.getByLabel('Email', { exact: true }).fill('pat@plain.test')
    await fresh.getByLabel('Password').fill('correct horse battery')
    await fresh.getByRole('button', { name: 'Sign in', exact: true }).click()
    await fresh.waitForURL(`${appUrl}/`)
    expect(await fresh.textContent('#org')).toBe('plain')
    expect(await fresh.textContent('main')).toContain('with a password')
  }, 60_000)
})
