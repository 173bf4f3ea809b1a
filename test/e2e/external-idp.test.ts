/**
 * A real IdP lives on another origin. Chromium applies the CSP `form-action` of the page that
 * submitted a form to every redirect that follows: a form that leads to the IdP by a redirect is
 * blocked unless the IdP's origin is allowed. These tests start SSO from each of Gatehouse's forms
 * towards an IdP on another origin (a second loopback port) and check the browser gets there.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserMissing, launchBrowser, startServer, type E2eServer } from '../helpers/e2e.js'
import { operator } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'

const missing = browserMissing()
if (missing !== undefined) console.log(`browser tests skipped: ${missing}`)

describe.skipIf(missing !== undefined)('starting SSO towards an IdP on another origin', () => {
  let server: E2eServer
  let idpServer: Server
  let idpOrigin: string
  let browser: Browser
  let page: Page
  const seen: string[] = []

  beforeAll(async () => {
    idpServer = createServer((req, res) => {
      seen.push(req.url ?? '')
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<!doctype html><title>External IdP</title><h1>External IdP sign-in</h1>')
    })
    await new Promise<void>((r) => idpServer.listen(0, '127.0.0.1', r))
    // Another port is another origin; "localhost" also makes it another site.
    idpOrigin = `http://localhost:${(idpServer.address() as AddressInfo).port}`
    server = await startServer()
    const { ctx } = server
    const idp = await createTestIdp('external')
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations/acme/members', {
      email: 'olivia@acme.test',
      firstName: 'O',
      lastName: 'O',
      role: 'owner',
      password: 'correct horse battery',
    })
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { ssoUrl: `${idpOrigin}/sso`, entityId: idp.entityId, certificates: [idp.certificatePem] })
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    browser = await launchBrowser()
    page = await (await browser.newContext({ baseURL: server.baseUrl })).newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    idpServer?.close()
  })

  const atIdp = async () => {
    await page.waitForURL(`${idpOrigin}/**`, { timeout: 10_000 })
    expect(await page.textContent('h1')).toBe('External IdP sign-in')
    expect(seen.filter((u) => u !== '/favicon.ico').at(-1)).toMatch(/^\/sso\?SAMLRequest=/)
  }

  it('gets there from "Sign in with SSO" with the SSO name', async () => {
    await page.goto('/login')
    await page.getByLabel(/SSO name/).fill('acme')
    await page.getByRole('button', { name: 'Continue with SSO' }).click()
    await atIdp()
  })

  it('gets there from the one-click URL and trigger_sso_flow', async () => {
    await page.goto('/sso/acme')
    await atIdp()
    await page.goto('/login?trigger_sso_flow=acme')
    await atIdp()
  })

  it('gets there from "Test SSO" on the owner\'s page', async () => {
    await page.context().clearCookies()
    await page.goto('/login')
    await page.getByLabel('Email', { exact: true }).fill('olivia@acme.test')
    await page.getByLabel('Password').fill('correct horse battery')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL('**/dashboard')
    await page.goto('/orgs/acme/sso')
    await page.getByRole('button', { name: 'Test SSO' }).click()
    await atIdp()
  })
})
