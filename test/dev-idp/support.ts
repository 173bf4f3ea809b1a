/** Driving the development IdP's pages like a browser: read its forms, submit them, follow the auto-post to the ACS. */
import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import type { Browser } from '../helpers/browser.js'
import type { TestContext } from '../helpers/test-app.js'

export const BANNER = 'Development IdP — for trying Gatehouse, never for production'

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

/** The hidden inputs of the first form in `html` posting to `action` (or of any form). */
export function hiddenFields(html: string, action?: string): Record<string, string> {
  const form = action === undefined ? html : html.slice(html.indexOf(`action="${action}"`))
  const end = form.indexOf('</form>')
  const fields: Record<string, string> = {}
  for (const m of form.slice(0, end).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]!] = unescape(m[2]!)
  return fields
}

/** A URL the app redirected to, as the path inject() takes. */
export function pathOf(location: unknown): string {
  const url = new URL(String(location), 'http://gatehouse.test')
  expect(url.origin).toBe('http://gatehouse.test')
  return url.pathname + url.search
}

export interface Who {
  readonly email: string
  readonly firstName?: string
  readonly lastName?: string
  readonly roles?: string
  readonly rolesAttribute?: string
  readonly attributes?: string
  readonly encrypt?: boolean
  readonly signResponse?: boolean
}

/** Fills in the sign-in page `page` and submits it: the auto-posting form for the ACS. */
export async function signInAs(
  b: Browser,
  page: LightMyRequestResponse,
  who: Who,
): Promise<{ res: LightMyRequestResponse; action: string; fields: Record<string, string> }> {
  expect(page.statusCode, page.body.slice(0, 400)).toBe(200)
  expect(page.body).toContain(BANNER)
  const state = hiddenFields(page.body, '/dev/idp/respond')
  const res = await b.post('/dev/idp/respond', {
    ...state,
    email: who.email,
    firstName: who.firstName ?? 'Dev',
    lastName: who.lastName ?? 'User',
    roles: who.roles ?? '',
    ...(who.rolesAttribute === undefined ? {} : { rolesAttribute: who.rolesAttribute }),
    attributes: who.attributes ?? '',
    ...(who.encrypt ? { encrypt: 'on' } : {}),
    ...(who.signResponse ? { signResponse: 'on' } : {}),
  })
  expect(res.statusCode, res.body.slice(0, 400)).toBe(200)
  expect(res.body).toContain('data-auto-submit="true"')
  expect(res.body).toContain('src="/static/auto-submit.js"')
  const action = unescape(/<form method="post" action="([^"]+)" id="saml-post"/.exec(res.body)![1]!)
  return { res, action, fields: hiddenFields(res.body, action) }
}

/**
 * The auto-submitted cross-site POST to the ACS: no cookies go with it (SameSite=Lax), as from a real
 * IdP on another origin; a session cookie it sets lands in the browser.
 */
export async function autoPost(ctx: TestContext, b: Browser, action: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  const res = await ctx.app.inject({
    method: 'POST',
    url: pathOf(action),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  })
  for (const c of res.cookies as { name: string; value: string }[]) b.cookies.set(c.name, c.value)
  return res
}
