/** Shared by the api-tokens*.test.ts files: the orgs and members every test starts from, and calls on /me/tokens. */
import { expect } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, MEMBER_PASSWORD } from './support.js'

export const NOW = Date.parse('2026-11-23T12:00:00.000Z')
export const SECRET_SHAPE = /^ghpt_[A-Za-z0-9_-]{43}$/

/** Acme (prod workspace; Max an editor, Mia a member) and Globex (Gina its owner). */
export async function setUpTokens(): Promise<TestContext> {
  const ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(ctx, 'POST', '/organizations/acme/members', {
    email: 'max@acme.test',
    firstName: 'Max',
    lastName: 'Member',
    password: MEMBER_PASSWORD,
    workspaceRoles: { prod: 'editor' },
  })
  await operator(ctx, 'POST', '/organizations/acme/members', { email: 'mia@acme.test', firstName: 'Mia', lastName: 'Member', password: MEMBER_PASSWORD })
  await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
  await operator(ctx, 'POST', '/organizations/globex/members', { email: 'gina@globex.test', role: 'owner', password: MEMBER_PASSWORD })
  return ctx
}

/** The helpers, over the context the running test made. */
export function tokenHelpers(ctx: () => TestContext) {
  /** A bearer from API password sign-in (`gha_…`), acting for `org`. */
  async function apiSession(email = 'max@acme.test', org = 'acme'): Promise<string> {
    const r = await call(ctx(), 'POST', '/auth/password', { payload: { email, password: MEMBER_PASSWORD, org } })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    return `Bearer ${r.json.token}`
  }

  const create = (authorization: string, body: unknown) => call(ctx(), 'POST', '/me/tokens', { authorization, payload: body })
  const list = (authorization: string) => call(ctx(), 'GET', '/me/tokens', { authorization })
  const revoke = (authorization: string, id: string) => call(ctx(), 'DELETE', `/me/tokens/${id}`, { authorization })
  const me = (authorization: string) => call(ctx(), 'GET', '/me', { authorization })
  const tokenRows = () => ctx().runtime.db.selectFrom('api_tokens').selectAll().execute()
  const auditOf = async (org: string) =>
    (await operator(ctx(), 'GET', `/organizations/${org}/audit-log`)).json.data as {
      action: string
      actor: string
      target: string
      detail: Record<string, unknown>
    }[]

  /** Creates a token and answers `Bearer <secret>` with the created record. */
  async function newToken(session: string, body: Record<string, unknown> = { name: 'ci' }) {
    const r = await create(session, body)
    expect(r.status, JSON.stringify(r.json)).toBe(201)
    return { bearer: `Bearer ${r.json.token as string}`, secret: r.json.token as string, id: r.json.id as string, json: r.json }
  }
  return { apiSession, create, list, revoke, me, tokenRows, auditOf, newToken }
}
