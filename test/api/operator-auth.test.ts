import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addMember } from '../../src/core/members.js'
import { createOrganization } from '../../src/core/orgs.js'
import { ADMIN_TOKEN, createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, MEMBER_PASSWORD } from './support.js'

/** A spread of operator routes: every method, with and without path parameters and bodies. */
const OPERATOR_CALLS: { method: string; url: string; payload?: unknown }[] = [
  { method: 'GET', url: '/organizations' },
  { method: 'POST', url: '/organizations', payload: { name: 'Intruder', slug: 'intruder' } },
  { method: 'GET', url: '/organizations/acme' },
  { method: 'PATCH', url: '/organizations/acme', payload: { name: 'Hijacked' } },
  { method: 'DELETE', url: '/organizations/acme' },
  { method: 'GET', url: '/organizations/nope' },
  { method: 'POST', url: '/organizations/acme/workspaces', payload: { name: 'X', slug: 'x' } },
  { method: 'GET', url: '/organizations/acme/workspaces' },
  { method: 'DELETE', url: '/organizations/acme/workspaces/prod' },
  { method: 'POST', url: '/organizations/acme/members', payload: { email: 'evil@evil.test', role: 'owner', password: 'evil password 123' } },
  { method: 'GET', url: '/organizations/acme/members' },
  { method: 'GET', url: '/organizations/acme/members/max@acme.test' },
  { method: 'PATCH', url: '/organizations/acme/members/max@acme.test', payload: { role: 'owner' } },
  { method: 'DELETE', url: '/organizations/acme/members/max@acme.test' },
  { method: 'GET', url: '/organizations/acme/audit-log' },
]

const BAD_CREDENTIALS: { name: string; authorization: string | undefined }[] = [
  { name: 'no Authorization header', authorization: undefined },
  { name: 'a wrong token of the same length', authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}X` },
  { name: 'the token one character short', authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
  { name: 'the token with one character more', authorization: `Bearer ${ADMIN_TOKEN}0` },
  { name: 'a much longer token that starts with the right one', authorization: `Bearer ${ADMIN_TOKEN.repeat(8)}` },
  { name: 'a one-character token', authorization: 'Bearer x' },
  { name: 'the token upper-cased', authorization: `Bearer ${ADMIN_TOKEN.toUpperCase()}` },
  { name: 'an empty bearer', authorization: 'Bearer ' },
  { name: 'the token under the Basic scheme', authorization: `Basic ${ADMIN_TOKEN}` },
  { name: 'the token without a scheme', authorization: ADMIN_TOKEN },
  { name: 'two tokens', authorization: `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}` },
]

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test', role: 'member', password: MEMBER_PASSWORD })
})
afterEach(() => ctx.close())

describe('operator API authentication', () => {
  for (const credentials of BAD_CREDENTIALS) {
    it(`refuses every operator route with ${credentials.name}: 401 unauthorized, nothing changed`, async () => {
      for (const c of OPERATOR_CALLS) {
        const r = await call(ctx, c.method, c.url, { authorization: credentials.authorization, payload: c.payload })
        expectApiError(r, 401, 'unauthorized')
        expect(Object.keys(r.json)).toEqual(['error'])
        expect(Object.keys(r.json.error).sort()).toEqual(['code', 'message'])
      }
      const orgs = await operator(ctx, 'GET', '/organizations')
      expect(orgs.json.data.map((o: { slug: string; name: string }) => `${o.slug}:${o.name}`)).toEqual(['acme:Acme'])
      const members = await operator(ctx, 'GET', '/organizations/acme/members')
      expect(members.json.data.map((m: { email: string; role: string }) => `${m.email}:${m.role}`)).toEqual(['max@acme.test:member'])
      const workspaces = await operator(ctx, 'GET', '/organizations/acme/workspaces')
      expect(workspaces.json.data.map((w: { slug: string }) => w.slug)).toEqual(['prod'])
    })
  }

  it('accepts the token with the bearer scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const r = await call(ctx, 'GET', '/organizations', { authorization: `${scheme} ${ADMIN_TOKEN}` })
      expect(r.status).toBe(200)
    }
  })

  it('checks the token before reading the body, so an anonymous caller learns nothing from validation', async () => {
    const badJson = await call(ctx, 'POST', '/organizations', { raw: '{not json', headers: { 'content-type': 'application/json' } })
    expectApiError(badJson, 401, 'unauthorized')
    const extraField = await call(ctx, 'POST', '/organizations', { payload: { name: 'X', slug: 'xyz', extra: true } })
    expectApiError(extraField, 401, 'unauthorized')
    const wrongType = await call(ctx, 'POST', '/organizations', { raw: 'name=x', headers: { 'content-type': 'text/plain' } })
    expectApiError(wrongType, 401, 'unauthorized')
  })

  it('does not accept the operator token as a query parameter or cookie', async () => {
    for (const r of [
      await call(ctx, 'GET', `/organizations?access_token=${ADMIN_TOKEN}`),
      await call(ctx, 'GET', `/organizations?token=${ADMIN_TOKEN}`),
      await call(ctx, 'GET', '/organizations', { headers: { cookie: `gh_session=${ADMIN_TOKEN}` } }),
    ]) {
      expectApiError(r, 401, 'unauthorized')
    }
  })

  it('does not need the operator token for the member API and the OpenAPI document', async () => {
    const doc = await call(ctx, 'GET', '/openapi.json')
    expect(doc.status).toBe(200)
    expect(doc.json.openapi).toBe('3.1.0')
    const signIn = await call(ctx, 'POST', '/auth/password', { payload: { email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' } })
    expect(signIn.status).toBe(200)
    const me = await call(ctx, 'GET', '/me', { authorization: `Bearer ${signIn.json.token}` })
    expect(me.status).toBe(200)
    expect(me.json.email).toBe('max@acme.test')
  })

  it('answers an unknown API path with 404 not_found in the API error shape', async () => {
    const r = await call(ctx, 'GET', '/no-such-route', { authorization: `Bearer ${ADMIN_TOKEN}` })
    expectApiError(r, 404, 'not_found')
  })

  it('marks API answers as not cacheable', async () => {
    const ok = await call(ctx, 'GET', '/organizations', { authorization: `Bearer ${ADMIN_TOKEN}` })
    const refused = await call(ctx, 'GET', '/organizations')
    expect(ok.res.headers['cache-control']).toBe('no-store')
    expect(refused.res.headers['cache-control']).toBe('no-store')
  })
})

describe('operator API without GATEHOUSE_ADMIN_TOKEN', () => {
  let off: TestContext
  beforeEach(async () => {
    off = await createTestContext({ config: { adminToken: undefined } })
    await createOrganization(off.deps, { name: 'Acme', slug: 'acme' }, { kind: 'operator' })
    await addMember(
      off.deps,
      'acme',
      { email: 'max@acme.test', firstName: 'Max', lastName: 'Member', role: 'member', password: MEMBER_PASSWORD },
      { kind: 'operator' },
    )
  })
  afterEach(() => off.close())

  it('answers every operator route with 503 api_disabled, whatever token is sent', async () => {
    for (const authorization of [undefined, `Bearer ${ADMIN_TOKEN}`, 'Bearer anything-at-all-0123456789abcdef']) {
      for (const c of OPERATOR_CALLS) {
        const r = await call(off, c.method, c.url, { authorization, payload: c.payload })
        expectApiError(r, 503, 'api_disabled')
      }
    }
    expect((await off.deps.store.orgs.list({ limit: 10 })).map((o) => o.name)).toEqual(['Acme'])
  })

  it('still serves the member API and the OpenAPI document', async () => {
    const doc = await call(off, 'GET', '/openapi.json')
    expect(doc.status).toBe(200)
    const signIn = await call(off, 'POST', '/auth/password', { payload: { email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' } })
    expect(signIn.status).toBe(200)
    const me = await call(off, 'GET', '/me', { authorization: `Bearer ${signIn.json.token}` })
    expect(me.status).toBe(200)
    expect(me.json).toMatchObject({ email: 'max@acme.test', org: 'acme', orgRole: 'member' })
  })
})
