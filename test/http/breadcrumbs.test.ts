/**
 * Issue 17 item 7: breadcrumbs follow one pattern on every org page — Dashboard / {organization} /
 * {section} [/ {item}] — the organization linking to its members page, the page itself last and
 * marked as the current page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { OWNER, seedAcme, signedIn } from './support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

/** The crumbs of a page as "label<href>" parts; the one marked current as "label*". */
function crumbs(html: string): string[] {
  const nav = /<nav class="crumbs" aria-label="Breadcrumb">([\s\S]*?)<\/nav>/.exec(html)
  expect(nav, 'the page has a breadcrumb nav').not.toBeNull()
  return [...nav![1]!.matchAll(/<a href="([^"]*)">([^<]*)<\/a>|<span aria-current="page">([^<]*)<\/span>|<span>([^<]*)<\/span>/g)].map((m) =>
    m[1] !== undefined ? `${m[2]}<${m[1]}>` : m[3] !== undefined ? `${m[3]}*` : m[4]!,
  )
}

describe('breadcrumbs', () => {
  it('read Dashboard / organization / section on every org page, the page itself last', async () => {
    expect((await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBe(201)
    const owner = await signedIn(ctx, OWNER)
    const home = ['Dashboard</dashboard>', 'Acme</orgs/acme/members>']
    const expected: Record<string, string[]> = {
      '/orgs/acme/members': [...home, 'Members*'],
      '/orgs/acme/tokens': [...home, 'Personal API tokens*'],
      '/orgs/acme/audit': [...home, 'Audit log*'],
      '/orgs/acme/sso': [...home, 'Single sign-on*'],
      '/orgs/acme/sso/idp': [...home, 'Single sign-on</orgs/acme/sso>', 'Identity provider*'],
      '/orgs/acme/sso/policy': [...home, 'Single sign-on</orgs/acme/sso>', 'User management*'],
    }
    for (const [path, trail] of Object.entries(expected)) {
      const res = await owner.get(path)
      expect(res.statusCode, path).toBe(200)
      expect(crumbs(res.body), path).toEqual(trail)
    }
  })
})
