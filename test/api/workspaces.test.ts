import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { expectApiError } from './support.js'

const NOW = '2026-11-23T12:00:00.000Z'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
})
afterEach(() => ctx.close())

const slugsOf = async (org: string) =>
  (await operator(ctx, 'GET', `/organizations/${org}/workspaces`)).json.data.map((w: { slug: string }) => w.slug) as string[]

describe('workspaces', () => {
  it('creates a workspace: 201 with exactly {id, name, slug, createdAt}, then GET finds it', async () => {
    const r = await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    expect(r.status).toBe(201)
    expect(r.json).toEqual({ id: expect.any(String), name: 'Production', slug: 'prod', createdAt: NOW })
    const got = await operator(ctx, 'GET', '/organizations/acme/workspaces/prod')
    expect(got.status).toBe(200)
    expect(got.json).toEqual(r.json)
  })

  it('lists the workspaces of one organization by slug, and only those', async () => {
    for (const slug of ['staging', 'dev', 'prod']) await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: slug.toUpperCase(), slug })
    await operator(ctx, 'POST', '/organizations/globex/workspaces', { name: 'Other', slug: 'other' })
    const r = await operator(ctx, 'GET', '/organizations/acme/workspaces')
    expect(r.status).toBe(200)
    expect(Object.keys(r.json)).toEqual(['data'])
    expect(r.json.data.map((w: { slug: string }) => w.slug)).toEqual(['dev', 'prod', 'staging'])
    expect(await slugsOf('globex')).toEqual(['other'])
  })

  it('refuses a slug the organization already has with 409 workspace_slug_taken', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    const again = await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Prod 2', slug: 'prod' })
    expectApiError(again, 409, 'workspace_slug_taken')
    expect((await operator(ctx, 'GET', '/organizations/acme/workspaces/prod')).json.name).toBe('Production')
    expect(await slugsOf('acme')).toEqual(['prod'])
  })

  it('accepts the same slug in another organization', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    const other = await operator(ctx, 'POST', '/organizations/globex/workspaces', { name: 'Globex Prod', slug: 'prod' })
    expect(other.status).toBe(201)
    expect((await operator(ctx, 'GET', '/organizations/acme/workspaces/prod')).json.name).toBe('Production')
    expect((await operator(ctx, 'GET', '/organizations/globex/workspaces/prod')).json.name).toBe('Globex Prod')
  })

  const INVALID = ['A', 'Prod', '-a', 'a-', 'a_b', 'a b', 'a.b', 'a'.repeat(64)]
  for (const slug of INVALID) {
    it(`refuses the workspace slug ${JSON.stringify(slug.length > 20 ? '64×a' : slug)} with 422 workspace_slug_invalid`, async () => {
      expectApiError(await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'X', slug }), 422, 'workspace_slug_invalid')
      expect(await slugsOf('acme')).toEqual([])
    })
  }

  it('accepts workspace slugs of 1 to 63 characters', async () => {
    for (const slug of ['a', '1', 'ab', 'a-b', 'a'.repeat(63)]) {
      expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'X', slug })).status, slug).toBe(201)
    }
  })

  it('refuses malformed bodies with 400 validation_failed', async () => {
    for (const body of [{ name: 'X' }, { slug: 'x' }, { name: 'X', slug: 'x', orgId: 'other' }, { name: '', slug: 'x' }, { name: 1, slug: 'x' }]) {
      expectApiError(await operator(ctx, 'POST', '/organizations/acme/workspaces', body), 400, 'validation_failed')
    }
    expect(await slugsOf('acme')).toEqual([])
  })

  it('answers 404 org_not_found for every workspace route of an unknown organization', async () => {
    const calls: [string, string, unknown?][] = [
      ['POST', '/organizations/nope/workspaces', { name: 'X', slug: 'x' }],
      ['GET', '/organizations/nope/workspaces'],
      ['GET', '/organizations/nope/workspaces/prod'],
      ['PATCH', '/organizations/nope/workspaces/prod', { name: 'Y' }],
      ['DELETE', '/organizations/nope/workspaces/prod'],
    ]
    for (const [method, url, payload] of calls) expectApiError(await operator(ctx, method, url, payload), 404, 'org_not_found')
  })

  it('answers 404 workspace_not_found for an unknown workspace, including one of another organization', async () => {
    await operator(ctx, 'POST', '/organizations/globex/workspaces', { name: 'Theirs', slug: 'theirs' })
    for (const slug of ['nope', 'theirs']) {
      expectApiError(await operator(ctx, 'GET', `/organizations/acme/workspaces/${slug}`), 404, 'workspace_not_found')
      expectApiError(await operator(ctx, 'PATCH', `/organizations/acme/workspaces/${slug}`, { name: 'Mine' }), 404, 'workspace_not_found')
      expectApiError(await operator(ctx, 'DELETE', `/organizations/acme/workspaces/${slug}`), 404, 'workspace_not_found')
    }
    expect((await operator(ctx, 'GET', '/organizations/globex/workspaces/theirs')).json.name).toBe('Theirs')
  })

  it('renames a workspace and changes its slug', async () => {
    const created = (await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })).json
    const renamed = await operator(ctx, 'PATCH', '/organizations/acme/workspaces/prod', { name: 'Live' })
    expect(renamed.status).toBe(200)
    expect(renamed.json).toEqual({ ...created, name: 'Live' })
    const moved = await operator(ctx, 'PATCH', '/organizations/acme/workspaces/prod', { slug: 'live' })
    expect(moved.status).toBe(200)
    expect(moved.json).toEqual({ ...created, name: 'Live', slug: 'live' })
    expectApiError(await operator(ctx, 'GET', '/organizations/acme/workspaces/prod'), 404, 'workspace_not_found')
    expect((await operator(ctx, 'GET', '/organizations/acme/workspaces/live')).json).toEqual(moved.json)
  })

  it('refuses a new slug another workspace of the organization has with 409, changing nothing', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Staging', slug: 'staging' })
    expectApiError(await operator(ctx, 'PATCH', '/organizations/acme/workspaces/staging', { name: 'Renamed', slug: 'prod' }), 409, 'workspace_slug_taken')
    expect((await operator(ctx, 'GET', '/organizations/acme/workspaces/staging')).json.name).toBe('Staging')
    expect((await operator(ctx, 'GET', '/organizations/acme/workspaces/prod')).json.name).toBe('Production')
  })

  it('refuses an invalid new workspace slug with 422 workspace_slug_invalid', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    for (const slug of ['Prod', '-p', 'a'.repeat(64)]) {
      expectApiError(await operator(ctx, 'PATCH', '/organizations/acme/workspaces/prod', { slug }), 422, 'workspace_slug_invalid')
    }
    expect(await slugsOf('acme')).toEqual(['prod'])
  })

  it('deletes a workspace: 204, then 404 workspace_not_found; the slug can be used again', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    const r = await operator(ctx, 'DELETE', '/organizations/acme/workspaces/prod')
    expect(r.status).toBe(204)
    expect(r.res.body).toBe('')
    expectApiError(await operator(ctx, 'GET', '/organizations/acme/workspaces/prod'), 404, 'workspace_not_found')
    expectApiError(await operator(ctx, 'DELETE', '/organizations/acme/workspaces/prod'), 404, 'workspace_not_found')
    expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production again', slug: 'prod' })).status).toBe(201)
  })

  it("keeps members' roles through a slug change and drops them with the workspace", async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Staging', slug: 'staging' })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test', workspaceRoles: { prod: 'editor', staging: 'viewer' } })
    await operator(ctx, 'PATCH', '/organizations/acme/workspaces/prod', { slug: 'live' })
    expect((await operator(ctx, 'GET', '/organizations/acme/members/max@acme.test')).json.workspaceRoles).toEqual({ live: 'editor', staging: 'viewer' })
    await operator(ctx, 'DELETE', '/organizations/acme/workspaces/live')
    expect((await operator(ctx, 'GET', '/organizations/acme/members/max@acme.test')).json.workspaceRoles).toEqual({ staging: 'viewer' })
  })
})
