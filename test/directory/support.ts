/** Helpers for the SCIM endpoint tests: a directory with its token, and raw SCIM calls. */
import { expect } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

export interface TestDirectory {
  readonly baseUrl: string
  /** `/scim/v2/{id}`: the path part of baseUrl. */
  readonly path: string
  readonly secret: string
  readonly tokenId: string
}

/** A fresh app with the organization `acme` and its directory (the set-up of most SCIM tests). */
export async function acmeWithDirectory(): Promise<{ ctx: TestContext; dir: TestDirectory }> {
  const ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  return { ctx, dir: await createDirectory(ctx, 'acme') }
}

export async function createDirectory(ctx: TestContext, org: string): Promise<TestDirectory> {
  const r = await operator(ctx, 'POST', `/organizations/${org}/directory`, {})
  expect(r.status, JSON.stringify(r.json)).toBe(201)
  const baseUrl = r.json.baseUrl as string
  return { baseUrl, path: new URL(baseUrl).pathname, secret: r.json.token.secret as string, tokenId: r.json.token.id as string }
}

export interface ScimResponse {
  readonly status: number
  readonly json: any
  readonly headers: Record<string, unknown>
}

export async function scim(
  ctx: TestContext,
  dir: TestDirectory,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; contentType?: string; raw?: string; headers?: Record<string, string | undefined> } = {},
): Promise<ScimResponse> {
  const headers: Record<string, string | undefined> = {}
  const token = options.token === undefined ? dir.secret : options.token
  if (token !== null) headers['authorization'] = `Bearer ${token}`
  let payload: string | undefined
  if (options.raw !== undefined || options.body !== undefined) {
    payload = options.raw ?? JSON.stringify(options.body)
    headers['content-type'] = options.contentType ?? 'application/scim+json'
  }
  // A client's own headers last; `undefined` sends none (light-my-request then adds no User-Agent).
  Object.assign(headers, options.headers)
  const res = await ctx.app.inject({ method: method as 'GET', url: `${dir.path}${path}`, headers, ...(payload === undefined ? {} : { payload }) })
  let json: unknown
  try {
    json = res.body === '' ? undefined : JSON.parse(res.body)
  } catch {
    json = undefined
  }
  return { status: res.statusCode, json, headers: res.headers }
}

/** An RFC 7644 §3.12 error body with this status (and scimType, when given). */
export function expectScimError(r: ScimResponse, status: number, scimType?: string): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status)
  expect(r.headers['content-type']).toMatch(/^application\/scim\+json/)
  expect(r.json.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
  expect(r.json.status).toBe(String(status))
  expect(r.json.scimType).toBe(scimType)
  expect(typeof r.json.detail).toBe('string')
}

/** Okta's SPEC-test user (developer.okta.com "SCIM 2.0 test spec", Runscope/Okta SCIM 2.0 SPEC Test). */
export function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    active: true,
    password: 'S3cret-from-okta!',
    groups: [],
    ...extra,
  }
}

/** The member behind a SCIM user, read from the store: its id, person's names, role and whether it is deactivated. */
export async function memberState(ctx: TestContext, org: string, email: string) {
  const found = (await ctx.deps.store.orgs.findBySlug(org))!
  const user = await ctx.deps.store.users.findByEmail(email)
  const member = user && (await ctx.deps.store.members.findByUser(found.id, user.id))
  return (
    member && { id: member.id, firstName: member.user.firstName, lastName: member.user.lastName, role: member.role, deactivated: member.deactivatedAt !== null }
  )
}

/** POSTs an Okta SPEC-test user per email; their SCIM ids, in order. */
export async function createScimUsers(ctx: TestContext, dir: TestDirectory, emails: readonly string[]): Promise<string[]> {
  const ids: string[] = []
  for (const email of emails) {
    ctx.clock.advance(1000)
    const r = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(email) })
    expect(r.status, JSON.stringify(r.json)).toBe(201)
    ids.push(r.json.id as string)
  }
  return ids
}

/** A group as Okta's group push creates it (POST /Groups, developer.okta.com/docs/reference/scim/scim-20/#create-groups). */
export function oktaGroup(displayName: string, memberIds: readonly string[] = [], extra: Record<string, unknown> = {}) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName,
    members: memberIds.map((value) => ({ value, display: 'Test User' })),
    ...extra,
  }
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const EMPTY_LIST = { schemas: [LIST_URN], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] }

/** A PatchOp body of these operations. */
export const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations })

/** A filter for a query string. */
export const q = (filter: string) => encodeURIComponent(filter)
