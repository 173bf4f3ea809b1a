/** Shared by the set-up link tests: make a link, open it in a fresh browser with no account. */
import { expect } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { operator, type TestContext } from '../helpers/test-app.js'

export interface MadeLink {
  readonly id: string
  readonly url: string
  /** `/setup/{secret}` */
  readonly path: string
  readonly secret: string
  readonly expiresAt: string
}

export async function makeLink(ctx: TestContext, org: string, scope: string[], expiresInHours?: number): Promise<MadeLink> {
  const res = await operator(ctx, 'POST', `/organizations/${org}/setup-links`, { scope, ...(expiresInHours === undefined ? {} : { expiresInHours }) })
  expect(res.status, JSON.stringify(res.json)).toBe(201)
  const path = new URL(res.json.url as string).pathname
  return { id: res.json.id, url: res.json.url, path, secret: path.slice('/setup/'.length), expiresAt: res.json.expiresAt }
}

/** A browser with no cookies that opens the link; expects the 303 to the secret-free home. */
export async function openLink(ctx: TestContext, link: MadeLink, options: { ip?: string } = {}): Promise<Browser> {
  const b = browser(ctx.app, options)
  const res = await b.get(link.path)
  expect(res.statusCode, res.body.slice(0, 200)).toBe(303)
  expect(res.headers.location).toBe('/setup-link')
  expect(b.cookies.has('gh_setup')).toBe(true)
  expect((await b.get('/setup-link')).statusCode).toBe(200)
  return b
}
