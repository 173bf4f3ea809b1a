/**
 * The SCIM endpoint of a directory through the real routes (DESIGN §8): authentication (401, never
 * 200), media types, body cap, discovery, Users CRUD with paging, filters and projection, the JIT
 * rules of §2 for provisioning, and events written with each change (§9).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { MEMBER_PASSWORD } from '../api/support.js'
import { logLines } from '../http/support.js'
import { createDirectory, expectScimError, oktaUser, scim, type TestDirectory } from './support.js'

let ctx: TestContext
let dir: TestDirectory
beforeEach(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
  dir = await createDirectory(ctx, 'acme')
})
afterEach(() => ctx.close())

const eventTypes = async () =>
  (await ctx.runtime.db.selectFrom('events').select(['type', 'data']).orderBy('id').execute()).filter((e) => e.type.startsWith('member.'))
const members = async (org: string) => (await operator(ctx, 'GET', `/organizations/${org}/members`)).json.data as { email: string; role: string }[]

describe('authentication', () => {
  it("answers 401 SCIM errors for no token, a wrong one, another directory's, a revoked one and a disabled directory", async () => {
    const globex = await createDirectory(ctx, 'globex')
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(200)
    expectScimError(await scim(ctx, dir, 'GET', '/Users', { token: null }), 401)
    expectScimError(await scim(ctx, dir, 'GET', '/Users', { token: `${dir.secret}x` }), 401)
    expectScimError(await scim(ctx, dir, 'GET', '/Users', { token: globex.secret }), 401)
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { token: 'nope', raw: '{not json' }), 401)
    expectScimError(await scim(ctx, dir, 'GET', '/Users', { token: null }), 401)
    expectScimError(await scim(ctx, { ...dir, path: '/scim/v2/00000000-0000-4000-8000-000000000000' }, 'GET', '/Users'), 401)

    await operator(ctx, 'DELETE', `/organizations/acme/directory/tokens/${dir.tokenId}`)
    expectScimError(await scim(ctx, dir, 'GET', '/Users'), 401)
    const rotated = (await operator(ctx, 'POST', '/organizations/acme/directory/tokens', {})).json.secret as string
    expect((await scim(ctx, dir, 'GET', '/Users', { token: rotated })).status).toBe(200)
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).json.tokens[0].lastUsedAt).toBe(ctx.clock.now().toISOString())

    await operator(ctx, 'DELETE', '/organizations/acme/directory')
    expectScimError(await scim(ctx, dir, 'GET', '/Users', { token: rotated }), 401)
    expectScimError(await scim(ctx, dir, 'GET', '/ServiceProviderConfig', { token: rotated }), 401)
  })
})

describe('protocol edges', () => {
  it('serves discovery, answers unknown paths 404, bad JSON 400 invalidSyntax, an oversized body 413, an unknown filter 400 invalidFilter', async () => {
    const config = await scim(ctx, dir, 'GET', '/ServiceProviderConfig')
    expect(config.status).toBe(200)
    expect(config.json.patch).toEqual({ supported: true })
    expect((await scim(ctx, dir, 'GET', '/ResourceTypes')).json.totalResults).toBeGreaterThan(0)
    expect((await scim(ctx, dir, 'GET', '/ResourceTypes/User')).json.name).toBe('User')
    expect((await scim(ctx, dir, 'GET', '/Schemas')).json.totalResults).toBe(3)
    expect((await scim(ctx, dir, 'GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User')).json.id).toBe('urn:ietf:params:scim:schemas:core:2.0:User')
    expectScimError(await scim(ctx, dir, 'GET', '/Schemas/urn:nope'), 404)
    expectScimError(await scim(ctx, dir, 'GET', '/Nope'), 404)
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { raw: '{"userName": ' }), 400, 'invalidSyntax')
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { raw: JSON.stringify(oktaUser('big@acme.test', { title: 'x'.repeat(600 * 1024) })) }), 413)
    expectScimError(await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('title co "x"')}`), 400, 'invalidFilter')
    expectScimError(await scim(ctx, dir, 'GET', '/Users?count=abc'), 400, 'invalidValue')
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: { userName: 'not-an-email', emails: [] } }), 400, 'invalidValue')
    expect(await members('acme')).toEqual([])
  })
})

describe('bodiless requests with a JSON Content-Type', () => {
  // Okta's SPEC test sends `Content-Type: application/scim+json; charset=utf-8` on every request, body or not.
  const SPEC_CONTENT_TYPE = { 'content-type': 'application/scim+json; charset=utf-8' }

  it('reads a DELETE with no body as a DELETE, and still refuses an empty body where one is needed', async () => {
    const id = (await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('ann@acme.test') })).json.id as string
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { raw: '', headers: SPEC_CONTENT_TYPE }), 400, 'invalidSyntax')
    expectScimError(await scim(ctx, dir, 'PATCH', `/Users/${id}`, { raw: '', headers: SPEC_CONTENT_TYPE }), 400, 'invalidSyntax')
    expectScimError(await scim(ctx, dir, 'DELETE', `/Users/${id}`, { raw: '{', headers: SPEC_CONTENT_TYPE }), 400, 'invalidSyntax')
    expect((await scim(ctx, dir, 'GET', `/Users/${id}`, { headers: SPEC_CONTENT_TYPE })).status).toBe(200)
    expect((await scim(ctx, dir, 'DELETE', `/Users/${id}`, { headers: SPEC_CONTENT_TYPE })).status).toBe(204)
    expect(await members('acme')).toEqual([])
  })
})

describe('logging', () => {
  it('logs each SCIM request once, at completion, with its status (a sync is thousands of requests)', async () => {
    const linesOf = (r: { headers: Record<string, unknown> }) => logLines(ctx).filter((line) => line.reqId === String(r.headers['x-request-id']))
    const listed = await scim(ctx, dir, 'GET', '/Users')
    expect(linesOf(listed)).toEqual([
      expect.objectContaining({ msg: 'request completed', res: { statusCode: 200 }, req: expect.objectContaining({ method: 'GET' }) }),
    ])
    const refused = await scim(ctx, dir, 'GET', '/Users', { token: 'ghsc_wrong' })
    expect(linesOf(refused)).toEqual([expect.objectContaining({ msg: 'request completed', res: { statusCode: 401 } })])
    // Outside the SCIM routes, both of Fastify's lines stay.
    const other = await operator(ctx, 'GET', '/organizations/acme/directory')
    expect(linesOf(other.res).map((line) => line.msg)).toEqual(['incoming request', 'request completed'])
  })
})

describe('Users', () => {
  it('pages with a true totalResults, filters by externalId and emails, projects attributes', async () => {
    for (let i = 0; i < 5; i += 1) {
      ctx.clock.advance(1000)
      const r = await scim(ctx, dir, 'POST', '/Users', {
        body: oktaUser(`user${i}@acme.test`, { externalId: `ext-${i}`, emails: [{ value: `work${i}@acme.test`, type: 'work', primary: true }] }),
      })
      expect(r.status, JSON.stringify(r.json)).toBe(201)
    }
    const page = await scim(ctx, dir, 'GET', '/Users?startIndex=2&count=2')
    expect(page.json).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 })
    expect(page.json.Resources.map((u: { userName: string }) => u.userName)).toEqual(['user1@acme.test', 'user2@acme.test'])
    // The total whether or not the page is the last one (a last page's rows give it without a count), past the end, or of no rows asked.
    const totals = async (query: string) => {
      const r = (await scim(ctx, dir, 'GET', `/Users?${query}`)).json as { totalResults: number; Resources: unknown[] }
      return [r.totalResults, r.Resources.length]
    }
    expect(await totals('startIndex=4&count=10')).toEqual([5, 2])
    expect(await totals('startIndex=1&count=5')).toEqual([5, 5])
    expect(await totals('startIndex=6&count=10')).toEqual([5, 0])
    expect(await totals('count=0')).toEqual([5, 0])
    expect(await totals(`filter=${encodeURIComponent('userName eq "USER3@acme.test"')}`)).toEqual([1, 1])
    expect(await totals(`filter=${encodeURIComponent('userName eq "nobody@acme.test"')}&startIndex=2`)).toEqual([0, 0])
    const byExternal = await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "ext-3"')}`)
    expect(byExternal.json.Resources.map((u: { userName: string }) => u.userName)).toEqual(['user3@acme.test'])
    const byEmail = await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "WORK4@acme.test"')}`)
    expect(byEmail.json.Resources.map((u: { userName: string }) => u.userName)).toEqual(['user4@acme.test'])
    const projected = await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('userName eq "user0@acme.test"')}&attributes=userName`)
    expect(Object.keys(projected.json.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName'])
    const excluded = await scim(ctx, dir, 'GET', `/Users/${projected.json.Resources[0].id as string}?excludedAttributes=emails,name`)
    expect(excluded.json.emails).toBeUndefined()
    expect(excluded.json.userName).toBe('user0@acme.test')
    expect((await members('acme')).map((m) => m.email)).toEqual(['user0@acme.test', 'user1@acme.test', 'user2@acme.test', 'user3@acme.test', 'user4@acme.test'])
  })

  it('PUT and PATCH rename the member, keep unknown attributes, refuse a userName taken (409); DELETE removes the membership', async () => {
    const a = (await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('ann@acme.test', { title: 'Engineer' }) })).json
    await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('bob@acme.test') })
    const put = await scim(ctx, dir, 'PUT', `/Users/${a.id as string}`, {
      body: oktaUser('ann@acme.test', { name: { givenName: 'Ann', familyName: 'Lee' }, title: 'Lead' }),
    })
    expect(put.status).toBe(200)
    expect(put.json).toMatchObject({ name: { givenName: 'Ann', familyName: 'Lee' }, title: 'Lead' })
    const patched = await scim(ctx, dir, 'PATCH', `/Users/${a.id as string}`, {
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'name.familyName', value: 'Lim' }] },
    })
    expect(patched.status).toBe(200)
    expect(patched.json.name).toEqual({ givenName: 'Ann', familyName: 'Lim' })
    const member = (await operator(ctx, 'GET', '/organizations/acme/members/ann@acme.test')).json
    expect(member).toMatchObject({ firstName: 'Ann', lastName: 'Lim' })
    expectScimError(
      await scim(ctx, dir, 'PATCH', `/Users/${a.id as string}`, { body: { Operations: [{ op: 'replace', path: 'userName', value: 'BOB@acme.test' }] } }),
      409,
      'uniqueness',
    )
    expectScimError(await scim(ctx, dir, 'PATCH', `/Users/${a.id as string}`, { body: { Operations: [{ op: 'jump' }] } }), 400, 'invalidSyntax')
    expectScimError(await scim(ctx, dir, 'PUT', '/Users/nope', { body: oktaUser('ann@acme.test') }), 404)

    expect((await scim(ctx, dir, 'DELETE', `/Users/${a.id as string}`)).status).toBe(204)
    expectScimError(await scim(ctx, dir, 'GET', `/Users/${a.id as string}`), 404)
    expectScimError(await scim(ctx, dir, 'DELETE', `/Users/${a.id as string}`), 404)
    expect((await members('acme')).map((m) => m.email)).toEqual(['bob@acme.test'])
    expect((await eventTypes()).map((e) => e.type)).toEqual(['member.created', 'member.created', 'member.updated', 'member.updated', 'member.removed'])
    const audit = (await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data as { action: string; actor: string }[]
    expect(audit.filter((e) => e.action.startsWith('member.')).map((e) => `${e.action} ${e.actor}`)).toEqual([
      'member.removed system:directory',
      'member.updated system:directory',
      'member.updated system:directory',
      'member.provisioned system:directory',
      'member.provisioned system:directory',
    ])
  })
})

describe('provisioning follows the JIT rules of DESIGN §2', () => {
  it("with verified domains, only their emails; never a domain another org verified; an existing account only through its domain's org", async () => {
    await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
    await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify', { skipDnsCheck: true })
    await operator(ctx, 'POST', '/organizations/globex/domains', { domain: 'globex.test' })
    await operator(ctx, 'POST', '/organizations/globex/domains/globex.test/verify', { skipDnsCheck: true })
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'gina@globex.test', role: 'owner', password: MEMBER_PASSWORD })
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'sam@acme.test', password: MEMBER_PASSWORD })

    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('gina@globex.test') }), 400, 'invalidValue')
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('eve@elsewhere.test') }), 400, 'invalidValue')
    // An existing account of acme's verified domain (a member of globex) joins acme: acme vouches for it.
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('sam@acme.test') })).status).toBe(201)
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('new@acme.test') })).status).toBe(201)
    expect((await members('acme')).map((m) => m.email)).toEqual(['new@acme.test', 'sam@acme.test'])
    expect((await members('globex')).map((m) => m.email)).toEqual(['gina@globex.test', 'sam@acme.test'])
  })

  it('without verified domains: new accounts join; an existing account elsewhere is refused; an existing member of the org is matched', async () => {
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'gina@globex.test', role: 'owner', password: MEMBER_PASSWORD })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test', password: MEMBER_PASSWORD })
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('gina@globex.test') }), 400, 'invalidValue')
    const eventsBefore = (await eventTypes()).length
    const max = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('MAX@acme.test') })
    expect(max.status).toBe(201)
    // A second SCIM user for the same member (a userName that is no email, the member's email as primary): 409.
    expectScimError(
      await scim(ctx, dir, 'POST', '/Users', {
        body: oktaUser('max@acme.test', { userName: 'max-alias', emails: [{ value: 'max@acme.test', primary: true }] }),
      }),
      409,
      'uniqueness',
    )
    expect((await members('acme')).map((m) => m.email)).toEqual(['max@acme.test'])
    expect((await members('globex')).map((m) => m.email)).toEqual(['gina@globex.test'])
    // Matching an existing member is not a new member: no member.created event.
    expect((await eventTypes()).slice(eventsBefore).map((e) => e.type)).toEqual([])
  })
})
