/**
 * Shared fixtures for the page tests: an org with an owner, an admin and a member; signing in
 * through the real form; raw form posts whose CSRF token and Origin the test controls; reading
 * the refusal code of a request back from the log line with its request id.
 */
import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { operator, type TestContext } from '../helpers/test-app.js'

export const PASSWORD = 'correct horse battery'
export const OWNER = 'olivia@acme.test'
export const ADMIN = 'ada@acme.test'
export const MEMBER = 'max@acme.test'

export interface Acme {
  readonly ownerId: string
  readonly adminId: string
  readonly memberId: string
}

/** Org `acme` with workspaces `prod` and `staging`, an owner, an admin and a member, all with PASSWORD. */
export async function seedAcme(ctx: TestContext, name = 'Acme'): Promise<Acme> {
  expect((await operator(ctx, 'POST', '/organizations', { name, slug: 'acme' })).status).toBe(201)
  expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })).status).toBe(201)
  expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Staging', slug: 'staging' })).status).toBe(201)
  const add = async (email: string, firstName: string, role: string, workspaceRoles: Record<string, string> = {}) => {
    const lastName = role[0]!.toUpperCase() + role.slice(1)
    const res = await operator(ctx, 'POST', '/organizations/acme/members', { email, firstName, lastName, role, password: PASSWORD, workspaceRoles })
    expect(res.status).toBe(201)
    return res.json.id as string
  }
  return {
    ownerId: await add(OWNER, 'Olivia', 'owner'),
    adminId: await add(ADMIN, 'Ada', 'admin', { prod: 'admin' }),
    memberId: await add(MEMBER, 'Max', 'member', { prod: 'editor' }),
  }
}

/** A browser signed in through the sign-in form. */
export async function signedIn(ctx: TestContext, email: string, password = PASSWORD, options: { ip?: string } = {}): Promise<Browser> {
  const b = browser(ctx.app, options)
  const res = await b.submit('/login', '/login', { email, password })
  expect(res.statusCode, `sign-in of ${email}`).toBe(303)
  return b
}

export function cookieHeader(b: Browser): string {
  return [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

/**
 * A form post from `b` with exactly these fields: unlike `Browser.post`, no `_csrf` is added, so a
 * test can leave it out or give another browser's. `headers` can add e.g. an Origin.
 */
export async function postForm(
  ctx: TestContext,
  b: Browser,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return ctx.app.inject({
    method: 'POST',
    url,
    headers: { cookie: cookieHeader(b), 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  })
}

/** Path and query of an absolute link from a mail. */
export function pathOf(link: string): string {
  const url = new URL(link)
  return url.pathname + url.search
}

export function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('token')
  if (token === null) throw new Error(`no token in ${link}`)
  return token
}

interface LogLine {
  readonly reqId?: string
  readonly code?: string
  readonly [key: string]: unknown
}

export function logLines(ctx: TestContext): LogLine[] {
  return ctx
    .logs()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine)
}

/** The error code logged for the request that produced `res` (pages show only a message and the request id). */
export function refusalCode(ctx: TestContext, res: LightMyRequestResponse): string | undefined {
  const id = res.headers['x-request-id']
  return logLines(ctx).find((line) => line.reqId === id && typeof line.code === 'string')?.code
}

export interface SetCookie {
  readonly name: string
  readonly value: string
  readonly path?: string
  readonly domain?: string
  readonly expires?: Date
  readonly maxAge?: number
  readonly httpOnly?: boolean
  readonly secure?: boolean
  readonly sameSite?: string
}

export function setCookie(res: LightMyRequestResponse, name: string): SetCookie | undefined {
  return (res.cookies as SetCookie[]).find((c) => c.name === name)
}

/** GET /api/v1/me with a cookie header or a bearer token. */
export async function me(ctx: TestContext, credentials: { cookie: string } | { bearer: string }) {
  const headers = 'cookie' in credentials ? { cookie: credentials.cookie } : { authorization: `Bearer ${credentials.bearer}` }
  return ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers })
}

/** Every row of every table, order-independent: "nothing changed" means this is equal before and after. */
export async function snapshot(ctx: TestContext): Promise<Record<string, string[]>> {
  const tables = [
    'organizations',
    'workspaces',
    'users',
    'members',
    'member_workspace_roles',
    'invitations',
    'one_time_tokens',
    'sessions',
    'api_tokens',
    'rate_limits',
    'mail_outbox',
    'jobs',
    'audit_events',
  ] as const
  const result: Record<string, string[]> = { mail: ctx.mail.sent.map((m) => `${m.to}|${m.subject}`) }
  for (const table of tables) {
    const rows = await ctx.runtime.db.selectFrom(table).selectAll().execute()
    result[table] = rows.map((row) => JSON.stringify(row)).sort()
  }
  return result
}

/** The member `ref` (id or email) of Acme, as the operator API shows it. */
export async function acmeMember(ctx: TestContext, ref: string) {
  return operator(ctx, 'GET', `/organizations/acme/members/${encodeURIComponent(ref)}`)
}

/** Posts the members page's invitation form of Acme. */
export async function inviteThroughPage(b: Browser, form: Record<string, string>) {
  await b.get('/orgs/acme/members')
  return b.post('/orgs/acme/invitations', form)
}

/** Opens an invitation link in `b` (a new browser unless given) and submits the accept form. */
export async function acceptInvitation(ctx: TestContext, link: string, form: Record<string, string>, b: Browser = browser(ctx.app)) {
  await b.get('/login') // a CSRF token even when the link's page has no form
  const page = await b.get(pathOf(link))
  const res = await b.post('/invitations/accept', { token: new URL(link).searchParams.get('token')!, ...form })
  return { b, page, res }
}

/** A page's markup without the `<wbr>` that long values carry (the text a reader sees and copies). */
export const withoutWordBreaks = (html: string): string => html.replace(/<wbr\s*\/?>/g, '')
