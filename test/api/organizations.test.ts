import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, MEMBER_PASSWORD, operatorAuth } from './support.js'

const NOW = '2026-11-23T12:00:00.000Z'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
})
afterEach(() => ctx.close())

const slugs = async () => (await operator(ctx, 'GET', '/organizations?limit=200')).json.data.map((o: { slug: string }) => o.slug) as string[]

describe('POST /organizations', () => {
  it('creates an organization and answers 201 with exactly {id, name, slug, createdAt}', async () => {
    const r = await operator(ctx, 'POST', '/organizations', { name: 'Acme Corp', slug: 'acme' })
    expect(r.status).toBe(201)
    expect(r.json).toEqual({ id: expect.any(String), name: 'Acme Corp', slug: 'acme', createdAt: NOW })
    expect(r.json.id.length).toBeGreaterThan(0)
    const got = await operator(ctx, 'GET', '/organizations/acme')
    expect(got.status).toBe(200)
    expect(got.json).toEqual(r.json)
  })

  it('refuses a slug that is taken with 409 org_slug_taken and keeps the first organization', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    const again = await operator(ctx, 'POST', '/organizations', { name: 'Another Acme', slug: 'acme' })
    expectApiError(again, 409, 'org_slug_taken')
    expect((await operator(ctx, 'GET', '/organizations/acme')).json.name).toBe('Acme')
    expect(await slugs()).toEqual(['acme'])
  })

  const INVALID_SLUGS: [string, string][] = [
    ['one upper-case letter', 'A'],
    ['upper-case letters', 'Acme'],
    ['a leading hyphen', '-ab'],
    ['a trailing hyphen', 'ab-'],
    ['an underscore', 'a_b'],
    ['64 characters', 'a'.repeat(64)],
    ['one character', 'a'],
    ['two characters', 'ab'],
    ['a space', 'ac me'],
    ['a dot', 'ac.me'],
    ['a slash', 'ac/me'],
    ['a non-ASCII letter', 'ácme'],
    ['only hyphens', '---'],
  ]
  for (const [what, slug] of INVALID_SLUGS) {
    it(`refuses a slug with ${what} (${JSON.stringify(slug.length > 20 ? `${slug.slice(0, 8)}…` : slug)}) with 422 org_slug_invalid`, async () => {
      const r = await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug })
      expectApiError(r, 422, 'org_slug_invalid')
      expect(await slugs()).toEqual([])
    })
  }

  const VALID_SLUGS = ['abc', 'a-b', 'a--b', '0rg', '123', 'acme-corp-2', 'a'.repeat(63)]
  it(`accepts the slugs ${VALID_SLUGS.map((s) => (s.length > 20 ? '63×a' : s)).join(', ')}`, async () => {
    for (const slug of VALID_SLUGS) {
      const r = await operator(ctx, 'POST', '/organizations', { name: `Org ${slug}`, slug })
      expect(r.status, slug).toBe(201)
      expect(r.json.slug).toBe(slug)
    }
  })

  it('refuses a blank name with 422 name_invalid', async () => {
    for (const name of ['   ', 'tab\there']) {
      const r = await operator(ctx, 'POST', '/organizations', { name, slug: 'acme' })
      expectApiError(r, 422, 'name_invalid')
    }
    expect(await slugs()).toEqual([])
  })

  const MALFORMED: { name: string; raw?: string; payload?: unknown; contentType?: string }[] = [
    { name: 'an unknown extra field', payload: { name: 'Acme', slug: 'acme', plan: 'enterprise' } },
    { name: 'an id chosen by the caller', payload: { id: 'chosen', name: 'Acme', slug: 'acme' } },
    { name: 'no slug', payload: { name: 'Acme' } },
    { name: 'no name', payload: { slug: 'acme' } },
    { name: 'a slug that is a number', payload: { name: 'Acme', slug: 123 } },
    { name: 'a name that is null', payload: { name: null, slug: 'acme' } },
    { name: 'an empty name', payload: { name: '', slug: 'acme' } },
    { name: 'an empty object', payload: {} },
    { name: 'a JSON array', payload: [{ name: 'Acme', slug: 'acme' }] },
    { name: 'JSON null', raw: 'null', contentType: 'application/json' },
    { name: 'a JSON string', raw: '"acme"', contentType: 'application/json' },
    { name: 'bad JSON', raw: '{"name": "Acme", "slug": ', contentType: 'application/json' },
    { name: 'an empty JSON body', raw: '', contentType: 'application/json' },
    { name: 'no body at all' },
  ]
  for (const m of MALFORMED) {
    it(`refuses ${m.name} with 400 validation_failed`, async () => {
      const r =
        m.raw === undefined && m.payload === undefined
          ? await call(ctx, 'POST', '/organizations', { authorization: operatorAuth })
          : await call(ctx, 'POST', '/organizations', {
              authorization: operatorAuth,
              ...(m.raw === undefined ? { payload: m.payload } : { raw: m.raw, headers: { 'content-type': m.contentType! } }),
            })
      expectApiError(r, 400, 'validation_failed')
      expect(await slugs()).toEqual([])
    })
  }

  it('names the offending field of a validation failure in error.fields', async () => {
    const r = await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 123 })
    expectApiError(r, 400, 'validation_failed')
    expect(Object.keys(r.json.error.fields)).toContain('body.slug')
  })

  it('refuses a body in another media type with 415 unsupported_media_type', async () => {
    for (const [type, raw] of [
      ['text/plain', '{"name":"Acme","slug":"acme"}'],
      ['application/x-www-form-urlencoded', 'name=Acme&slug=acme'],
    ] as const) {
      const r = await call(ctx, 'POST', '/organizations', { authorization: operatorAuth, raw, headers: { 'content-type': type } })
      expectApiError(r, 415, 'unsupported_media_type')
    }
    expect(await slugs()).toEqual([])
  })

  it('refuses a body over 1 MiB with 413 payload_too_large', async () => {
    const r = await call(ctx, 'POST', '/organizations', { authorization: operatorAuth, payload: { name: 'x'.repeat(1024 * 1024 + 10), slug: 'acme' } })
    expectApiError(r, 413, 'payload_too_large')
  })
})

describe('GET /organizations', () => {
  const ALL = ['a-c', 'a-b', 'abc', 'b-b', 'bcd', 'c00', 'c01', 'zeta']

  beforeEach(async () => {
    for (const slug of [...ALL].reverse()) expect((await operator(ctx, 'POST', '/organizations', { name: `Org ${slug}`, slug })).status).toBe(201)
  })

  it('lists every organization by slug, with nextCursor null when all fit', async () => {
    const r = await operator(ctx, 'GET', '/organizations')
    expect(r.status).toBe(200)
    expect(r.json.nextCursor).toBeNull()
    expect(r.json.data).toHaveLength(ALL.length)
    expect(r.json.data[0]).toEqual({ id: expect.any(String), name: expect.any(String), slug: expect.any(String), createdAt: NOW })
    const listed = r.json.data.map((o: { slug: string }) => o.slug)
    expect([...listed].sort()).toEqual([...ALL].sort())
  })

  for (const limit of [1, 2, 3, 4, 7, 8, 9]) {
    it(`pages with limit=${limit}: every organization exactly once, in the unpaged order, nextCursor null on the last page only`, async () => {
      const full = (await operator(ctx, 'GET', '/organizations?limit=200')).json.data.map((o: { slug: string }) => o.slug)
      const seen: string[] = []
      let after: string | null = null
      let pages = 0
      do {
        const query: string = `?limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`
        const r = await operator(ctx, 'GET', `/organizations${query}`)
        expect(r.status).toBe(200)
        expect(r.json.data.length).toBeLessThanOrEqual(limit)
        seen.push(...r.json.data.map((o: { slug: string }) => o.slug))
        after = r.json.nextCursor
        if (after !== null) expect(r.json.data).toHaveLength(limit)
        pages++
        expect(pages).toBeLessThanOrEqual(ALL.length + 1)
      } while (after !== null)
      expect(seen).toEqual(full)
      expect(pages).toBe(Math.max(1, Math.ceil(ALL.length / limit)))
    })
  }

  const BAD_QUERIES = ['limit=0', 'limit=201', 'limit=-1', 'limit=1.5', 'limit=ten', 'page=2', 'limit=2&sort=name']
  for (const query of BAD_QUERIES) {
    it(`refuses ?${query} with 400 validation_failed`, async () => {
      const r = await operator(ctx, 'GET', `/organizations?${query}`)
      expectApiError(r, 400, 'validation_failed')
    })
  }
})

describe('GET, PATCH and DELETE /organizations/{org}', () => {
  beforeEach(async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
  })

  it('answers 404 org_not_found for an unknown organization on every method', async () => {
    for (const [method, payload] of [
      ['GET', undefined],
      ['PATCH', { name: 'X' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await operator(ctx, method, '/organizations/nope', payload)
      expectApiError(r, 404, 'org_not_found')
    }
  })

  it('renames an organization and keeps its slug and id', async () => {
    const before = (await operator(ctx, 'GET', '/organizations/acme')).json
    const r = await operator(ctx, 'PATCH', '/organizations/acme', { name: 'Acme Corporation' })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ ...before, name: 'Acme Corporation' })
    expect((await operator(ctx, 'GET', '/organizations/acme')).json).toEqual(r.json)
  })

  it('changes the slug: the old one is gone, the new one finds the same organization', async () => {
    const before = (await operator(ctx, 'GET', '/organizations/acme')).json
    const r = await operator(ctx, 'PATCH', '/organizations/acme', { slug: 'acme-corp' })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ ...before, slug: 'acme-corp' })
    expectApiError(await operator(ctx, 'GET', '/organizations/acme'), 404, 'org_not_found')
    expect((await operator(ctx, 'GET', '/organizations/acme-corp')).json.id).toBe(before.id)
  })

  it('accepts an organization keeping its own slug and an empty patch', async () => {
    expect((await operator(ctx, 'PATCH', '/organizations/acme', { slug: 'acme' })).status).toBe(200)
    const r = await operator(ctx, 'PATCH', '/organizations/acme', {})
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ name: 'Acme', slug: 'acme' })
  })

  it('refuses a slug another organization has with 409 org_slug_taken, and changes nothing of the patch', async () => {
    const r = await operator(ctx, 'PATCH', '/organizations/acme', { name: 'Renamed', slug: 'globex' })
    expectApiError(r, 409, 'org_slug_taken')
    expect((await operator(ctx, 'GET', '/organizations/acme')).json.name).toBe('Acme')
    expect((await operator(ctx, 'GET', '/organizations/globex')).json.name).toBe('Globex')
  })

  it('refuses an invalid new slug with 422 org_slug_invalid', async () => {
    for (const slug of ['A', '-ab', 'ab-', 'a_b', 'a'.repeat(64)]) {
      expectApiError(await operator(ctx, 'PATCH', '/organizations/acme', { slug }), 422, 'org_slug_invalid')
    }
    expect((await operator(ctx, 'GET', '/organizations/acme')).status).toBe(200)
  })

  it('refuses an unknown field in a patch with 400 validation_failed', async () => {
    expectApiError(await operator(ctx, 'PATCH', '/organizations/acme', { name: 'X', id: 'other' }), 400, 'validation_failed')
    expect((await operator(ctx, 'GET', '/organizations/acme')).json.name).toBe('Acme')
  })

  it('deletes an organization: 204, then 404 org_not_found, and a second delete is 404 too', async () => {
    const r = await operator(ctx, 'DELETE', '/organizations/acme')
    expect(r.status).toBe(204)
    expect(r.res.body).toBe('')
    expectApiError(await operator(ctx, 'GET', '/organizations/acme'), 404, 'org_not_found')
    expectApiError(await operator(ctx, 'DELETE', '/organizations/acme'), 404, 'org_not_found')
    expect(await slugs()).toEqual(['globex'])
  })

  it('deletes the workspaces, members and sessions with the organization, while the user stays', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    const added = await operator(ctx, 'POST', '/organizations/acme/members', {
      email: 'Max@Acme.test',
      firstName: 'Max',
      lastName: 'Member',
      role: 'owner',
      password: MEMBER_PASSWORD,
      workspaceRoles: { prod: 'editor' },
    })
    expect(added.status).toBe(201)
    const signIn = await call(ctx, 'POST', '/auth/password', { payload: { email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'acme' } })
    expect(signIn.status).toBe(200)

    expect((await operator(ctx, 'DELETE', '/organizations/acme')).status).toBe(204)

    // The API token acted for the deleted org: it is refused now.
    expectApiError(await call(ctx, 'GET', '/me', { authorization: `Bearer ${signIn.json.token}` }), 401, 'token_invalid')

    // A new org under the same slug starts empty: nothing of the old one survived.
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme again', slug: 'acme' })).status).toBe(201)
    expect((await operator(ctx, 'GET', '/organizations/acme/workspaces')).json.data).toEqual([])
    expect((await operator(ctx, 'GET', '/organizations/acme/members')).json.data).toEqual([])
    expect((await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data.map((e: { action: string }) => e.action)).toEqual(['org.created'])

    // The user row stayed: adding the same email (another case, other names, no password) reuses it.
    const again = await operator(ctx, 'POST', '/organizations/globex/members', {
      email: 'MAX@acme.test',
      firstName: 'Other',
      lastName: 'Person',
      role: 'member',
    })
    expect(again.status).toBe(201)
    expect(again.json).toMatchObject({ email: 'Max@Acme.test', firstName: 'Max', lastName: 'Member', hasPassword: true, workspaceRoles: {} })
    const back = await call(ctx, 'POST', '/auth/password', { payload: { email: 'max@acme.test', password: MEMBER_PASSWORD, org: 'globex' } })
    expect(back.status).toBe(200)
  })
})
