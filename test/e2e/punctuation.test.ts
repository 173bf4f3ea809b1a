/// <reference lib="dom" />
/**
 * No space before a comma or semicolon as Chromium renders the pages (issue 17 item 7): the HTML
 * can be clean while the layout is not (a flex row's gap between `<code>email</code>` and ", " drew
 * "email , first_name"). Measured: each text that starts with "," or ";" must begin where the
 * element before it ends.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserMissing, launchBrowser, screenshot, startServer, type E2eServer } from '../helpers/e2e.js'
import { operator } from '../helpers/test-app.js'

const missing = browserMissing()
if (missing !== undefined) console.log(`browser tests skipped: ${missing}`)

const PASSWORD = 'correct horse battery'

/** Each ",…" or ";…" text right after an element, with the rendered gap (px) between them. */
async function gapsBeforePunctuation(page: Page): Promise<{ text: string; gap: number }[]> {
  return page.evaluate(() => {
    const found: { text: string; gap: number }[] = []
    const walker = document.createTreeWalker(document.querySelector('main')!, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const before = node.previousSibling
      if (!/^[,;]/.test(node.textContent ?? '') || !(before instanceof Element)) continue
      const range = document.createRange()
      range.setStart(node, 0)
      range.setEnd(node, 1)
      const punctuation = range.getBoundingClientRect()
      const element = before.getBoundingClientRect()
      // Same line only: a comma wrapped to the next line has no gap to measure.
      if (Math.abs(punctuation.bottom - element.bottom) > punctuation.height) continue
      found.push({ text: `${before.textContent}${(node.textContent ?? '').slice(0, 20)}`, gap: Math.round(punctuation.left - element.right) })
    }
    return found
  })
}

describe.skipIf(missing !== undefined)('punctuation in Chromium', () => {
  let server: E2eServer
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    server = await startServer()
    const { ctx } = server
    const ok = (r: { status: number; json: unknown }) => expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
    ok(await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' }))
    ok(
      await operator(ctx, 'POST', '/organizations/acme/members', {
        email: 'olivia@acme.test',
        firstName: 'Olivia',
        lastName: 'Owner',
        role: 'owner',
        password: PASSWORD,
      }),
    )
    ok(await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' }))
    // Configured from a metadata URL: "metadata URL <code>…</code>, re-fetched hourly; last fetched …".
    ok(await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataUrl: `${server.baseUrl}/dev/idp/metadata` }))
    browser = await launchBrowser()
    page = await (await browser.newContext({ baseURL: server.baseUrl })).newPage()
    await page.goto('/login')
    await page.getByLabel('Email', { exact: true }).fill('olivia@acme.test')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL('**/dashboard')
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it.each([1280, 390])('draws no space before a comma or semicolon on the SSO pages at %i px', async (width) => {
    await page.setViewportSize({ width, height: 900 })
    const measured: { url: string; text: string; gap: number }[] = []
    for (const url of ['/orgs/acme/sso', '/orgs/acme/sso/idp', '/orgs/acme/sso/policy', '/dashboard']) {
      expect((await page.goto(url))?.status(), url).toBe(200)
      measured.push(...(await gapsBeforePunctuation(page)).map((m) => ({ url, ...m })))
    }
    await page.goto('/orgs/acme/sso')
    await screenshot(page, `punctuation-sso-${width}`)
    // The pages have such commas to measure: the attribute list and the metadata source at least.
    expect(measured.map((m) => m.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^first_name,/), expect.stringMatching(/\/dev\/idp\/metadata, re-fetched/)]),
    )
    expect(measured.filter((m) => m.gap > 1)).toEqual([])
  })
})
