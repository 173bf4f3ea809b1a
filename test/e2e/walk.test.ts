/// <reference lib="dom" />
/**
 * The README's five-minute walk, in Debian Chromium (issue 6 item 2): the first-owner link → create
 * the org → SSO name → the development IdP → test SSO → enable → sign out → sign in through SSO →
 * the dashboard with the roles. Every page is checked with axe-core and photographed.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueSetupLink } from '../../src/core/setup.js'
import { browserMissing, expectAccessible, launchBrowser, screenshot, startServer, type E2eServer } from '../helpers/e2e.js'

const missing = browserMissing()
if (missing !== undefined) console.log(`browser tests skipped: ${missing}`)

const OWNER = 'olivia@acme.test'
const PASSWORD = 'correct horse battery staple'

describe.skipIf(missing !== undefined)('the five-minute walk', () => {
  let server: E2eServer
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    page = await (await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 900 } })).newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4(0[09]|22|03)\b/.test(m.text())) problems.push(`console: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  async function step(name: string): Promise<void> {
    await page.waitForLoadState('load')
    await expectAccessible(page, name)
    await screenshot(page, name)
  }

  it('goes from the set-up link to an SSO sign-in that shows the roles', async () => {
    // 1. The one-time link `npm start` prints.
    const link = (await issueSetupLink(server.ctx.deps))!
    await page.goto(new URL(link).pathname + new URL(link).search)
    // The token leaves the address bar and this history entry at once; the form keeps it.
    await page.waitForFunction(() => !window.location.search.includes('token='))
    expect(new URL(page.url()).pathname).toBe('/setup')
    await step('walk-01-setup')
    await page.getByLabel('Organization name').fill('Acme Corporation')
    await page.getByLabel('Slug').fill('acme')
    await page.getByLabel('Email', { exact: true }).fill(OWNER)
    await page.getByLabel('First name').fill('Olivia')
    await page.getByLabel('Last name').fill('Owner')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: /create/i }).click()
    await page.waitForURL('**/dashboard')
    await step('walk-02-dashboard')

    // 2. The SSO name; the SP details appear.
    await page.getByRole('link', { name: 'Single sign-on' }).click()
    await page.getByRole('textbox', { name: 'SSO name' }).fill('acme')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.waitForURL('**/orgs/acme/sso?notice=created')
    await step('walk-03-sso-name')

    // 3. The development IdP, in one click.
    await page.goto('/orgs/acme/sso/idp')
    await step('walk-04-idp')
    await page.getByRole('button', { name: 'Use the development IdP' }).click()
    await page.waitForURL(/\/orgs\/acme\/sso(\/idp)?(\?|$)/)
    await step('walk-05-idp-configured')

    // 4. Test SSO: the real flow through the development IdP; nobody is signed in.
    await page.goto('/orgs/acme/sso')
    await page.getByRole('button', { name: 'Test SSO' }).click()
    await page.waitForURL('**/dev/idp/**')
    await step('walk-06-dev-idp')
    await page.getByLabel('Email (NameID and the email attribute)').fill(OWNER)
    await page.getByLabel('First name').fill('Olivia')
    await page.getByLabel('Last name').fill('Owner')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL('**/orgs/acme/sso/tests/**')
    expect(await page.textContent('main')).toContain('Success')
    await step('walk-07-test-result')

    // 5. Enable, from the result page; the one-click URL is shown.
    await page.getByRole('button', { name: 'Enable SSO' }).click()
    await page.waitForURL('**/orgs/acme/sso?notice=enabled')
    expect(await page.textContent('main')).toContain(`${server.baseUrl}/sso/acme`)
    await step('walk-08-enabled')

    // 6. Sign out, then in through SSO by the SSO name.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/login?notice=signed-out')
    await page.getByLabel(/SSO name/).fill('acme')
    await step('walk-09-sign-in-with-sso')
    await page.getByRole('button', { name: 'Continue with SSO' }).click()
    await page.waitForURL('**/dev/idp/**')
    await page.getByLabel('Email (NameID and the email attribute)').fill(OWNER)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL('**/dashboard')
    const main = await page.textContent('main')
    expect(main).toContain('with single sign-on')
    expect(main).toContain('Acme Corporation')
    expect(main).toContain('owner')
    await step('walk-10-dashboard-through-sso')
    expect(problems).toEqual([])
  }, 120_000)
})
