/**
 * End-to-end tests in a real browser: Debian's Chromium driven by playwright-core, against a
 * Gatehouse listening on a loopback port (the browser needs real HTTP; the base URL is that port).
 * Screenshots go to test-results/e2e/, and also to docs/screenshots/ when
 * GATEHOUSE_SCREENSHOTS=docs (how the committed ones are refreshed).
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { freePort } from './built-cli.js'
import { devIdpMetadata } from '../../src/core/dev-idp.js'
import { createTestContext, operator, type TestContext } from './test-app.js'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install -y chromium)`
}

export { freePort }

export interface E2eServer {
  readonly ctx: TestContext
  readonly baseUrl: string
  close(): Promise<void>
}

/** A Gatehouse on 127.0.0.1:<free port>, its clock stopped at the real time (cookie expiry is read by the browser's clock). */
export async function startServer(env: Record<string, string> = {}): Promise<E2eServer> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const ctx = await createTestContext({ env: { GATEHOUSE_BASE_URL: baseUrl, ...env }, now: new Date().toISOString() })
  await ctx.app.listen({ port, host: '127.0.0.1' })
  return { ctx, baseUrl, close: () => ctx.close() }
}

/** Acme Corporation (slug and SSO name `acme`) signing in through the development IdP: SSO enabled, strict. */
export async function acmeOnDevIdp(ctx: TestContext): Promise<void> {
  const ok = (r: { status: number; json: unknown }) => expect(r.status, JSON.stringify(r.json)).toBeLessThan(300)
  ok(await operator(ctx, 'POST', '/organizations', { name: 'Acme Corporation', slug: 'acme' }))
  ok(await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' }))
  ok(await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: await devIdpMetadata(ctx.deps) }))
  ok(await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'strict' }))
  ok(await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true }))
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

const RESULTS = join(process.cwd(), 'test-results', 'e2e')
const DOCS = join(process.cwd(), 'docs', 'screenshots')

/** Saves a full-page screenshot as `<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  const png = await page.screenshot({ fullPage: true, path: join(RESULTS, `${name}.png`) })
  if (process.env.GATEHOUSE_SCREENSHOTS === 'docs') {
    mkdirSync(DOCS, { recursive: true })
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(DOCS, `${name}.png`), png)
  }
}

/** axe-core over the page as it is: fails on serious or critical violations, naming them. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(
    bad.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join('; ')}`,
    ),
    `axe on ${what}`,
  ).toEqual([])
}
