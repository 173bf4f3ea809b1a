/// <reference lib="dom" />
/**
 * Issue 21 item 6 in Debian Chromium: the owner sends a set-up link; a second browser context with
 * no cookies opens it, uses the development IdP, tests and enables SSO; the owner sees the link's
 * entries in the audit log and the mail in the development outbox. Desktop and 390 px screenshots,
 * axe-core, and layout assertions: nothing sideways on a phone, the link whole on screen, every
 * link page saying whose organization it is, no way to the org's other pages.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserMissing, expectAccessible, freePort, launchBrowser, screenshot } from '../helpers/e2e.js'
import { box } from '../helpers/layout.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

const missing = browserMissing()
const OWNER = 'olivia@acme.test'
const PASSWORD = 'correct horse battery staple'
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }

/** How far the page scrolls sideways, and the first elements past the right edge. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const hidden = (e: Element) => e.closest('.visually-hidden, table.stack thead') !== null
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1 && !hidden(e))
    return { by: document.documentElement.scrollWidth - width, elements: wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`) }
  })
}

describe.skipIf(missing !== undefined)('a set-up link in Chromium', () => {
  let ctx: TestContext
  let baseUrl: string
  let browser: Browser
  let ownerContext: BrowserContext
  let itContext: BrowserContext
  let owner: Page
  let itAdmin: Page
  let linkUrl = ''
  const problems: string[] = []

  /** Both sizes: screenshot, axe at desktop, nothing sideways at 390 px. */
  async function bothSizes(page: Page, name: string) {
    await page.waitForLoadState('load')
    await expectAccessible(page, name)
    await screenshot(page, `${name}-desktop`)
    await page.setViewportSize(PHONE)
    expect(await overflow(page), `${name} at 390 px`).toEqual({ by: 0, elements: [] })
    await screenshot(page, `${name}-phone`)
    await page.setViewportSize(DESKTOP)
  }

  beforeAll(async () => {
    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    // The configured mailer: outside production and without SMTP, the development outbox.
    ctx = await createTestContext({ env: { GATEHOUSE_BASE_URL: baseUrl }, now: new Date().toISOString(), mailer: 'configured' })
    await ctx.app.listen({ port, host: '127.0.0.1' })
    await operator(ctx, 'POST', '/organizations', { name: 'Acme Corporation', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: OWNER, firstName: 'Olivia', lastName: 'Owner', role: 'owner', password: PASSWORD })
    browser = await launchBrowser()
    ownerContext = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP })
    itContext = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP })
    owner = await ownerContext.newPage()
    itAdmin = await itContext.newPage()
    for (const page of [owner, itAdmin]) {
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of 4(0[09]|22|03)\b/.test(m.text())) problems.push(`console: ${m.text()}`)
      })
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    }
    await owner.goto('/login')
    await owner.getByLabel('Email', { exact: true }).fill(OWNER)
    await owner.getByLabel('Password').fill(PASSWORD)
    await owner.getByRole('button', { name: 'Sign in' }).click()
    await owner.waitForURL('**/dashboard')
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await ctx?.close()
  })

  it('the owner sends a link from the SSO page; it is shown once, whole on a phone', async () => {
    await owner.goto('/orgs/acme/sso')
    await owner.getByRole('link', { name: 'Send a set-up link' }).click()
    await owner.waitForURL('**/orgs/acme/setup-links')
    await owner.getByLabel('Directory sync').uncheck()
    await owner.getByRole('button', { name: 'Create link' }).click()
    await expect.poll(() => owner.locator('#new-setup-link').count()).toBe(1)
    linkUrl = (await owner.locator('#new-setup-link').textContent())!
    expect(linkUrl).toMatch(new RegExp(`^${baseUrl}/setup/ghsl_[A-Za-z0-9_-]{43}$`))
    expect(await owner.locator('table.stack tbody tr').count()).toBe(1)
    await bothSizes(owner, 'setup-link-1-owner-created')
    await owner.setViewportSize(PHONE)
    const code = await box(owner, '#new-setup-link')
    const copy = await box(owner, 'button[data-copy-target="new-setup-link"]')
    expect(code.x + code.width, 'the link ends inside the screen').toBeLessThanOrEqual(PHONE.width)
    expect(copy.x + copy.width, 'its Copy button is on screen').toBeLessThanOrEqual(PHONE.width)
    await owner.setViewportSize(DESKTOP)
    // Reloading the list does not show it again.
    await owner.goto('/orgs/acme/setup-links')
    expect(await owner.content()).not.toContain(new URL(linkUrl).pathname)
  })

  it('the IT admin, with no account, opens it: the secret leaves the address bar, the page says whose org this is', async () => {
    expect(await itContext.cookies()).toEqual([])
    await itAdmin.goto(new URL(linkUrl).pathname)
    await itAdmin.waitForURL('**/setup-link')
    expect(itAdmin.url()).not.toContain('ghsl_')
    const main = (await itAdmin.textContent('main'))!
    expect(main).toContain('Set up Acme Corporation')
    expect(main).toContain('Olivia Owner (olivia@acme.test)')
    expect(await itAdmin.locator('header a[href="/dashboard"]').count()).toBe(0)
    await bothSizes(itAdmin, 'setup-link-2-home')
  })

  it('sets the SSO name, uses the development IdP, tests and enables, with the link notice on every page', async () => {
    await itAdmin.getByRole('link', { name: 'Set up single sign-on' }).click()
    await itAdmin.waitForURL('**/orgs/acme/sso')
    await itAdmin.getByRole('textbox', { name: 'SSO name' }).fill('acme')
    await itAdmin.getByRole('button', { name: 'Create' }).click()
    await itAdmin.waitForURL('**/orgs/acme/sso?notice=created')
    await bothSizes(itAdmin, 'setup-link-3-sso')
    // The notice is the first thing in the page, above the heading, at both sizes.
    const notice = await box(itAdmin, 'p.setup-link')
    const heading = await box(itAdmin, 'main h1')
    expect(notice.y, 'the link notice sits above the heading').toBeLessThan(heading.y)
    expect(await itAdmin.locator('nav.crumbs').count(), 'no crumbs to the org’s other pages').toBe(0)
    expect(await itAdmin.locator('a[href="/orgs/acme/members"], a[href="/orgs/acme/audit"]').count()).toBe(0)
    expect(await itAdmin.locator('a[href$="bind-users.csv"]').count()).toBe(0)

    await itAdmin.goto('/orgs/acme/sso/idp')
    await itAdmin.getByRole('button', { name: 'Use the development IdP' }).click()
    await itAdmin.waitForURL(/\/orgs\/acme\/sso(\/idp)?(\?|$)/)
    await itAdmin.goto('/orgs/acme/sso')
    await itAdmin.getByRole('button', { name: 'Test SSO' }).click()
    await itAdmin.waitForURL('**/dev/idp/**')
    await itAdmin.getByLabel('Email (NameID and the email attribute)').fill(OWNER)
    await itAdmin.getByLabel('First name').fill('Olivia')
    await itAdmin.getByLabel('Last name').fill('Owner')
    await itAdmin.getByRole('button', { name: 'Sign in', exact: true }).click()
    await itAdmin.waitForURL('**/orgs/acme/sso/tests/**')
    expect(await itAdmin.textContent('main')).toContain('Success')
    expect((await itContext.cookies()).map((c) => c.name)).not.toContain('gh_session')
    await bothSizes(itAdmin, 'setup-link-4-test-result')
    await itAdmin.getByRole('button', { name: 'Enable SSO' }).click()
    await itAdmin.waitForURL('**/orgs/acme/sso?notice=enabled')
    expect(await itAdmin.textContent('main')).toContain(`${baseUrl}/sso/acme`)
    expect(await itAdmin.getByRole('button', { name: 'Disable SSO' }).count(), 'disabling stays the owner’s').toBe(0)
  })

  it('the owner sees the link’s entries in the audit log and the mail in the development outbox', async () => {
    await ctx.runJobs()
    await owner.goto('/orgs/acme/audit')
    const log = (await owner.textContent('main'))!
    expect(log).toMatch(/set-up link [0-9a-f-]{36} \(created by olivia@acme\.test\)/)
    for (const name of ['Set-up link created', 'Set-up link opened', 'SSO enabled']) expect(log).toContain(name)
    await bothSizes(owner, 'setup-link-5-audit')
    await owner.goto('/dev/outbox')
    const outbox = (await owner.textContent('main'))!
    expect(outbox).toContain('Single sign-on is enabled for Acme Corporation')
    expect(outbox).toContain('SSO test passed for Acme Corporation')
    expect(outbox).not.toContain(new URL(linkUrl).pathname)
    await screenshot(owner, 'setup-link-6-outbox')
    expect(problems).toEqual([])
  })
})
