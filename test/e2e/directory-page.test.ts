/// <reference lib="dom" />
/**
 * The Directory page and the members page's deactivated members in Debian Chromium, on a desktop and
 * at 390 px: axe-core, screenshots (docs/screenshots with GATEHOUSE_SCREENSHOTS=docs), no sideways
 * scrolling, the new token whole on screen and copied exactly, the request log readable on a phone.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oktaUser, scim, type TestDirectory } from '../directory/support.js'
import { browserMissing, expectAccessible, launchBrowser, screenshot, startServer, type E2eServer } from '../helpers/e2e.js'
import { box, breaksAtSeparators, renderedLines } from '../helpers/layout.js'
import { operator } from '../helpers/test-app.js'

const missing = browserMissing()
const PASSWORD = 'correct horse battery'
const PHONE = { width: 390, height: 844 }
let server: E2eServer
let browser: Browser

/**
 * Elements past the viewport's right edge (none may be, tables included: they stack on a phone);
 * only what is clipped to nothing for screen readers (a stacked table's header row) does not count.
 */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const hidden = (e: Element) => e.closest('.visually-hidden, table.stack thead') !== null
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1 && !hidden(e))
    return { by: document.documentElement.scrollWidth - width, elements: wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`) }
  })
}

describe.skipIf(missing !== undefined)('the Directory page in Chromium', () => {
  let context: BrowserContext
  let page: Page
  const problems: string[] = []
  let dir: TestDirectory

  beforeAll(async () => {
    server = await startServer()
    const { ctx } = server
    await operator(ctx, 'POST', '/organizations', { name: 'Acme Corporation', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Customer analytics staging', slug: 'staging' })
    for (const [email, firstName, role] of [
      ['olivia@acme.test', 'Olivia', 'owner'],
      ['ada@acme.test', 'Ada', 'admin'],
      ['max@acme.test', 'Max', 'member'],
      ['mia@acme.test', 'Mia', 'member'],
    ] as const)
      await operator(ctx, 'POST', '/organizations/acme/members', {
        email,
        firstName,
        lastName: role,
        role,
        password: PASSWORD,
        workspaceRoles: { prod: 'editor' },
      })
    browser = await launchBrowser()
    context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 900 } })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl })
    page = await context.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4(0[09]|22|03)\b/.test(m.text())) problems.push(`console: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    await page.goto('/login')
    await page.getByLabel('Email', { exact: true }).fill('olivia@acme.test')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL('**/dashboard')
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('creates the directory from the dashboard and shows the token once, whole, copied exactly', async () => {
    await page.getByRole('link', { name: 'Directory' }).click()
    await page.waitForURL('**/orgs/acme/directory')
    await expectAccessible(page, 'Directory, none yet')
    await screenshot(page, 'directory-1-none')
    await page.getByRole('button', { name: 'Create directory' }).click()
    await expect.poll(() => page.locator('#new-token').count()).toBe(1)
    await expectAccessible(page, 'Directory, new token')
    await screenshot(page, 'directory-2-new-token')
    const secret = (await page.locator('#new-token').textContent())!
    const baseUrl = (await page.locator('#new-base-url').textContent())!
    expect(secret).toMatch(/^ghsc_[A-Za-z0-9_-]{43}$/)
    await page.locator('button[data-copy-target="new-token"]').click()
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(secret)
    dir = { baseUrl, path: new URL(baseUrl).pathname, secret, tokenId: '' }
  })

  it('shows counts, tokens, guides and the request log with each refusal explained', async () => {
    const { ctx } = server
    expect((await scim(ctx, dir, 'GET', '/Users', { token: 'ghsc_wrong' })).status).toBe(401)
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('max@acme.test') })).status).toBe(201)
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('max@acme.test') })).status).toBe(409)
    expect((await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('userName sw "max"')}`)).status).toBe(400)
    const max = await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('userName eq "max@acme.test"')}`)
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] }
    expect((await scim(ctx, dir, 'PATCH', `/Users/${max.json.Resources[0].id}`, { body: patch })).status).toBe(200)
    await page.goto('/orgs/acme/directory?idp=entra')
    await expectAccessible(page, 'Directory page')
    await screenshot(page, 'directory-3-page')
    expect(await page.locator('#user-count').textContent()).toBe('1')
    expect(await page.locator('table.requests tbody tr').count()).toBe(6)
    const log = (await page.locator('table.requests').textContent())!
    expect(log).toContain('The token is wrong, revoked')
    expect(log).toContain('Uniqueness')
    expect(log).toContain('invalidFilter')
    expect(log).toContain('GET /Users?filter=userName sw "max"')
    expect(await page.locator('#guide-entra').getAttribute('open')).not.toBeNull()
    // The request line gets room: a PATCH path with its UUID on two lines at most, not a sliver of a column.
    const request = await box(page, 'table.requests td.request')
    expect(request.width, 'the Request column width').toBeGreaterThanOrEqual(300)
  })

  it('fits a phone: no sideways scrolling, the request log stacked, a new token whole on screen', async () => {
    await page.setViewportSize(PHONE)
    await page.goto('/orgs/acme/directory')
    await screenshot(page, 'phone-directory')
    expect(await overflow(page), 'the Directory page scrolls sideways on a phone').toEqual({ by: 0, elements: [] })
    for (const lines of await renderedLines(page, 'button.copy')) expect(lines.map((l) => l.trim())).toEqual(['Copy'])
    const [urlLines] = await renderedLines(page, '#base-url')
    expect(breaksAtSeparators(urlLines!), `base URL lines: ${JSON.stringify(urlLines)}`).toBe(true)
    // Each request is one card: its label column beside a readable value, not a squeezed table cell.
    const meaning = await box(page, 'table.requests tbody tr:first-child td[data-label="Meaning"]')
    expect(meaning.width, 'the explanation gets the card width').toBeGreaterThanOrEqual(300)

    await page.getByRole('button', { name: 'Create a new token' }).click()
    await expect.poll(() => page.locator('#new-token').count()).toBe(1)
    await screenshot(page, 'phone-directory-new-token')
    expect(await overflow(page), 'the new token page scrolls sideways on a phone').toEqual({ by: 0, elements: [] })
    const token = await box(page, '#new-token')
    const copy = await box(page, 'button[data-copy-target="new-token"]')
    expect(token.x).toBeGreaterThanOrEqual(0)
    expect(token.x + token.width, 'the token ends inside the screen').toBeLessThanOrEqual(PHONE.width)
    expect(copy.x + copy.width, 'its Copy button is on screen').toBeLessThanOrEqual(PHONE.width)
    const [lines] = await renderedLines(page, '#new-token')
    expect(lines!.join(''), 'the wrapped token reads as the whole token').toBe(await page.locator('#new-token').textContent())
    expect(lines!.length, 'the token wraps onto at most 3 lines').toBeLessThanOrEqual(3)
    await page.setViewportSize({ width: 1280, height: 900 })
  })

  it('shows deactivated members with their badge, and the members table stacked on a phone', async () => {
    await page.goto('/orgs/acme/members')
    await page.getByRole('button', { name: 'Deactivate mia@acme.test' }).click()
    await page.waitForURL('**/members?notice=deactivated')
    await expectAccessible(page, 'members with deactivated ones')
    await screenshot(page, 'members-deactivated')
    expect(await page.locator('#member-' + (await memberId('max@acme.test')) + '-deactivated').textContent()).toBe('Deactivated by directory')
    expect(await page.locator('#member-' + (await memberId('mia@acme.test')) + '-deactivated').textContent()).toBe('Deactivated')
    await page.setViewportSize(PHONE)
    await page.goto('/orgs/acme/members')
    await screenshot(page, 'phone-members-deactivated')
    expect(await overflow(page), 'the members page scrolls sideways on a phone').toEqual({ by: 0, elements: [] })
    // Labels above values: a long workspace name never overlaps its select.
    const label = await page.evaluate(() => {
      const cell = document.querySelector('table.members td[data-label="Customer analytics staging"]')!
      const select = cell.querySelector('select')!.getBoundingClientRect()
      return { cellTop: cell.getBoundingClientRect().top, selectTop: select.top }
    })
    expect(label.selectTop - label.cellTop, 'the select sits below its label').toBeGreaterThanOrEqual(14)
    // The checkbox sits at the start of its cell, under its label, not floating in the middle.
    const exemption = await page.evaluate(() => {
      const cell = document.querySelector('table.members td[data-label="Allow access without SSO"]')!
      return cell.querySelector('input')!.getBoundingClientRect().left - cell.getBoundingClientRect().left
    })
    expect(exemption, 'the checkbox is at the start of its cell').toBeLessThanOrEqual(8)
    await page.setViewportSize({ width: 1280, height: 900 })
  })

  async function memberId(email: string): Promise<string> {
    return (await operator(server.ctx, 'GET', `/organizations/acme/members/${email}`)).json.id as string
  }

  it('ran no blocked inline script and threw nothing', () => {
    expect(problems).toEqual([])
  })
})
