/**
 * DESIGN §2.4 password policy, table-driven: enforcement × member flag × API allow-list × channel,
 * with SSO enabled (the policy applies) and disabled (passwords always work).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browser } from '../helpers/browser.js'
import { setupSsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'

const PASSWORD = 'correct horse battery'
let ctx: TestContext

beforeAll(async () => {
  ctx = await createTestContext({ env: { GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000', GATEHOUSE_RATE_LIMIT_IP: '100000' } })
  await setupSsoOrg(ctx, await createTestIdp('idp-enf'), { slug: 'acme', ssoName: 'acme', enable: false })
  for (const [email, allowWithoutSso] of [
    ['plain@acme.test', false],
    ['exempt@acme.test', true],
    ['listed@acme.test', false],
  ] as const) {
    await operator(ctx, 'POST', '/organizations/acme/members', { email, firstName: 'T', lastName: 'U', role: 'member', password: PASSWORD, allowWithoutSso })
  }
  await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { apiAllowList: ['listed@acme.test'] })
})
afterAll(() => ctx.close())

type Outcome = 'allowed' | 'sso_required'
const member = { plain: 'plain@acme.test', exempt: 'exempt@acme.test', listed: 'listed@acme.test' } as const

/** [enforcement, member, password page, API password sign-in] once SSO is enabled. */
const TABLE: [string, keyof typeof member, Outcome, Outcome][] = [
  ['optional', 'plain', 'allowed', 'allowed'],
  ['optional', 'exempt', 'allowed', 'allowed'],
  ['optional', 'listed', 'allowed', 'allowed'],
  ['exceptions', 'plain', 'sso_required', 'sso_required'],
  ['exceptions', 'exempt', 'allowed', 'allowed'],
  ['exceptions', 'listed', 'sso_required', 'allowed'],
  ['strict', 'plain', 'sso_required', 'sso_required'],
  ['strict', 'exempt', 'sso_required', 'sso_required'],
  ['strict', 'listed', 'sso_required', 'allowed'],
]

async function passwordPage(email: string): Promise<Outcome> {
  const res = await browser(ctx.app).submit('/login', '/login', { email, password: PASSWORD })
  if (res.statusCode === 303) return 'allowed'
  expect(res.statusCode).toBe(403)
  return 'sso_required'
}

async function apiPassword(email: string): Promise<Outcome> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email, password: PASSWORD, org: 'acme' } })
  if (res.statusCode === 200) return 'allowed'
  expect(res.json().error.code).toBe('sso_required')
  return 'sso_required'
}

describe.each(['enabled', 'disabled'] as const)('with SSO %s', (state) => {
  for (const [enforcement, who, page, api] of TABLE) {
    const expected = state === 'enabled' ? { page, api } : { page: 'allowed', api: 'allowed' }
    it(`${enforcement}, ${who} member: password page ${expected.page}, API password ${expected.api}`, async () => {
      await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement })
      await operator(ctx, 'POST', `/organizations/acme/sso/${state === 'enabled' ? 'enable' : 'disable'}`, { skipTest: true })
      expect(await passwordPage(member[who])).toBe(expected.page)
      expect(await apiPassword(member[who])).toBe(expected.api)
    })
  }
})

describe('a tightened policy takes effect on live sessions', () => {
  it('stops an API token of a member who loses the right, and keeps working for one who keeps it', async () => {
    await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'optional' })
    const tokenOf = async (email: string) =>
      (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email, password: PASSWORD, org: 'acme' } })).json().token as string
    const plain = await tokenOf(member.plain)
    const listed = await tokenOf(member.listed)
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { enforcement: 'strict' })
    const meWith = (token: string) => ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    expect((await meWith(plain)).statusCode).toBe(401)
    expect((await meWith(listed)).statusCode).toBe(200)
  })
})
