/** Shared by the members*.test.ts files: the orgs and workspaces every test starts from, and calls on the members API. */
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call } from './support.js'

export const NOW = '2026-11-23T12:00:00.000Z'

/** Acme (prod, staging) and Globex (gx). */
export async function setUp(context: TestContext): Promise<void> {
  await operator(context, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(context, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(context, 'POST', '/organizations/acme/workspaces', { name: 'Staging', slug: 'staging' })
  await operator(context, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
  await operator(context, 'POST', '/organizations/globex/workspaces', { name: 'Globex only', slug: 'gx' })
}

/** A new test context, set up. */
export async function setUpMembers(): Promise<TestContext> {
  const context = await createTestContext()
  await setUp(context)
  return context
}

/** The helpers, over the context the running test made. */
export function memberHelpers(ctx: () => TestContext) {
  const add = (body: Record<string, unknown>, org = 'acme') => operator(ctx(), 'POST', `/organizations/${org}/members`, body)
  const get = (ref: string, org = 'acme') => operator(ctx(), 'GET', `/organizations/${org}/members/${ref}`)
  const emails = async (org = 'acme') =>
    (await operator(ctx(), 'GET', `/organizations/${org}/members`)).json.data.map((m: { email: string }) => m.email) as string[]
  const signIn = (email: string, password: string, org = 'acme') => call(ctx(), 'POST', '/auth/password', { payload: { email, password, org } })
  return { add, get, emails, signIn }
}
