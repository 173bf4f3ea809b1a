import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, MEMBER_PASSWORD } from './support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
})
afterEach(() => ctx.close())

interface Event {
  id: string
  actor: string
  action: string
  target: string | null
  detail: Record<string, any>
  createdAt: string
}

async function auditLog(org: string): Promise<Event[]> {
  const r = await operator(ctx, 'GET', `/organizations/${org}/audit-log?limit=200`)
  expect(r.status).toBe(200)
  expect(r.json.nextCursor).toBeNull()
  return r.json.data
}

/** Every API call of a small but complete story, one second apart, and what it must leave in the log. */
async function story(): Promise<void> {
  const steps: [string, string, unknown?][] = [
    ['POST', '/organizations', { name: 'Acme', slug: 'acme' }],
    ['PATCH', '/organizations/acme', { name: 'Acme Corp', slug: 'acme-corp' }],
    ['POST', '/organizations/acme-corp/workspaces', { name: 'Production', slug: 'prod' }],
    ['PATCH', '/organizations/acme-corp/workspaces/prod', { name: 'Live', slug: 'live' }],
    ['POST', '/organizations/acme-corp/members', { email: 'owner@acme.test', role: 'owner', password: MEMBER_PASSWORD }],
    [
      'POST',
      '/organizations/acme-corp/members',
      {
        email: 'Max@Acme.test',
        firstName: 'Max',
        lastName: 'Member',
        role: 'member',
        password: MEMBER_PASSWORD,
        allowWithoutSso: true,
        workspaceRoles: { live: 'editor' },
      },
    ],
    ['PATCH', '/organizations/acme-corp/members/max@acme.test', { role: 'admin', workspaceRoles: { live: 'viewer' } }],
    ['PATCH', '/organizations/acme-corp/members/max@acme.test', { allowWithoutSso: false }],
    ['DELETE', '/organizations/acme-corp/members/max@acme.test'],
    ['DELETE', '/organizations/acme-corp/workspaces/live'],
  ]
  for (const [method, url, payload] of steps) {
    const r = await operator(ctx, method, url, payload)
    expect(r.status, `${method} ${url}`).toBeLessThan(300)
    ctx.clock.advance(1000)
  }
}

describe('audit log', () => {
  it('records every change by the operator, newest first, with before/after for updates', async () => {
    await story()
    const events = await auditLog('acme-corp')
    expect(events.map((e) => e.action)).toEqual([
      'workspace.deleted',
      'member.removed',
      'member.updated',
      'member.updated',
      'member.added',
      'member.added',
      'workspace.updated',
      'workspace.created',
      'org.updated',
      'org.created',
    ])
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(['operator']))
    for (const e of events) expect(Object.keys(e).sort()).toEqual(['action', 'actor', 'createdAt', 'detail', 'id', 'target'])
    expect(events.map((e) => e.createdAt)).toEqual(
      Array.from({ length: 10 }, (_, i) => new Date(Date.parse('2026-11-23T12:00:00.000Z') + (9 - i) * 1000).toISOString()),
    )
    const [wsDeleted, removed, flagOff, roleChange, maxAdded, ownerAdded, wsUpdated, wsCreated, orgUpdated, orgCreated] = events as [
      Event,
      Event,
      Event,
      Event,
      Event,
      Event,
      Event,
      Event,
      Event,
      Event,
    ]
    expect(orgCreated).toMatchObject({ target: 'acme', detail: { name: 'Acme', slug: 'acme' } })
    expect(orgUpdated.detail).toEqual({ before: { name: 'Acme', slug: 'acme' }, after: { name: 'Acme Corp', slug: 'acme-corp' } })
    expect(wsCreated).toMatchObject({ target: 'prod', detail: { name: 'Production' } })
    expect(wsUpdated).toMatchObject({ detail: { before: { name: 'Production', slug: 'prod' }, after: { name: 'Live', slug: 'live' } } })
    expect(ownerAdded).toMatchObject({ target: 'owner@acme.test', detail: { role: 'owner' } })
    expect(maxAdded).toMatchObject({ target: 'Max@Acme.test', detail: { role: 'member', allowWithoutSso: true, workspaceRoles: { live: 'editor' } } })
    expect(roleChange.detail).toEqual({
      before: { role: 'member', workspaceRoles: { live: 'editor' } },
      after: { role: 'admin', workspaceRoles: { live: 'viewer' } },
    })
    expect(flagOff.detail).toEqual({ before: { allowWithoutSso: true }, after: { allowWithoutSso: false } })
    expect(removed).toMatchObject({ target: 'Max@Acme.test', detail: { role: 'admin' } })
    expect(wsDeleted).toMatchObject({ target: 'live' })
  })

  it('writes no entry for a change that changes nothing, and only the fields that changed for one that does', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'owner@acme.test', role: 'owner' })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'max@acme.test', role: 'member', workspaceRoles: { prod: 'editor' } })
    const before = await auditLog('acme')
    const noOps: [string, string, unknown][] = [
      ['PATCH', '/organizations/acme/members/max@acme.test', { role: 'member' }],
      ['PATCH', '/organizations/acme/members/max@acme.test', { role: 'member', workspaceRoles: { prod: 'editor' }, allowWithoutSso: false }],
      ['PATCH', '/organizations/acme', { name: 'Acme', slug: 'acme' }],
      ['PATCH', '/organizations/acme/workspaces/prod', { name: 'Production' }],
    ]
    for (const [method, url, payload] of noOps) expect((await operator(ctx, method, url, payload)).status, `${method} ${url}`).toBe(200)
    expect(await auditLog('acme')).toEqual(before)
    // The same calls with one real change each: an entry naming just that field.
    await operator(ctx, 'PATCH', '/organizations/acme/members/max@acme.test', { role: 'admin', workspaceRoles: { prod: 'editor' } })
    await operator(ctx, 'PATCH', '/organizations/acme', { name: 'Acme Inc', slug: 'acme' })
    const [orgUpdated, roleChange] = (await auditLog('acme')).slice(0, 2) as [Event, Event]
    expect(roleChange).toMatchObject({ action: 'member.updated', detail: { before: { role: 'member' }, after: { role: 'admin' } } })
    expect(Object.keys(roleChange.detail.after)).toEqual(['role'])
    expect(orgUpdated).toMatchObject({ action: 'org.updated', detail: { before: { name: 'Acme' }, after: { name: 'Acme Inc' } } })
    expect(Object.keys(orgUpdated.detail.after)).toEqual(['name'])
  })

  it('never holds a password or a password hash, in the API answer or in the table', async () => {
    await story()
    const viaApi = JSON.stringify(await auditLog('acme-corp'))
    const rows = JSON.stringify(await ctx.runtime.db.selectFrom('audit_events').selectAll().execute())
    for (const text of [viaApi, rows]) {
      expect(text).not.toContain(MEMBER_PASSWORD)
      expect(text).not.toContain('$argon2')
      expect(text.toLowerCase()).not.toContain('password')
    }
    // The hashes exist (so the search above is meaningful) but only in the users table.
    const users = JSON.stringify(await ctx.runtime.db.selectFrom('users').selectAll().execute())
    expect(users).toContain('$argon2id$')
  })

  it('records nothing for a refused change', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'owner@acme.test', role: 'owner' })
    const before = await auditLog('acme')
    const refused: [string, string, unknown, number][] = [
      ['PATCH', '/organizations/acme', { slug: 'globex' }, 409],
      ['PATCH', '/organizations/acme', { slug: 'Not-Valid' }, 422],
      ['POST', '/organizations/acme/workspaces', { name: 'Again', slug: 'prod' }, 409],
      ['POST', '/organizations/acme/members', { email: 'OWNER@acme.test' }, 409],
      ['POST', '/organizations/acme/members', { email: 'x@acme.test', workspaceRoles: { prod: 'root' } }, 422],
      ['POST', '/organizations/acme/members', { email: 'x@acme.test', password: 'short' }, 422],
      ['PATCH', '/organizations/acme/members/owner@acme.test', { role: 'member' }, 409],
      ['PATCH', '/organizations/acme/members/owner@acme.test', { workspaceRoles: { nope: 'viewer' } }, 404],
      ['DELETE', '/organizations/acme/members/owner@acme.test', undefined, 409],
    ]
    for (const [method, url, payload, status] of refused) {
      expect((await operator(ctx, method, url, payload)).status, `${method} ${url}`).toBe(status)
    }
    expect(await auditLog('acme')).toEqual(before)
  })

  it("keeps each organization's log to itself", async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
    await operator(ctx, 'POST', '/organizations/globex/workspaces', { name: 'Secret', slug: 'secret' })
    await operator(ctx, 'POST', '/organizations/globex/members', { email: 'max@globex.test' })
    const acme = await auditLog('acme')
    expect(acme.map((e) => e.action)).toEqual(['org.created'])
    expect(JSON.stringify(acme)).not.toContain('globex')
    expect((await auditLog('globex')).map((e) => e.action).sort()).toEqual(['member.added', 'org.created', 'workspace.created'])
  })

  it('answers 404 org_not_found for an unknown organization', async () => {
    expectApiError(await operator(ctx, 'GET', '/organizations/nope/audit-log'), 404, 'org_not_found')
  })

  it('refuses a bad limit with 400 validation_failed', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    for (const q of ['limit=0', 'limit=201', 'limit=x', 'before=abc']) {
      expectApiError(await operator(ctx, 'GET', `/organizations/acme/audit-log?${q}`), 400, 'validation_failed')
    }
  })
})

describe('audit log paging', () => {
  const EVENTS = 61 // org.created + 60 workspaces

  beforeEach(async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    for (let i = 0; i < EVENTS - 1; i++) {
      // Groups of events share a timestamp, so the cursor must also order by id within one instant.
      if (i % 4 === 0) ctx.clock.advance(1000)
      expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: `W ${i}`, slug: `w${i}` })).status).toBe(201)
    }
  })

  it('answers 50 events by default, with a nextCursor to the rest', async () => {
    const r = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(r.json.data).toHaveLength(50)
    expect(typeof r.json.nextCursor).toBe('string')
    const rest = await operator(ctx, 'GET', `/organizations/acme/audit-log?after=${encodeURIComponent(r.json.nextCursor)}`)
    expect(rest.json.data).toHaveLength(EVENTS - 50)
    expect(rest.json.nextCursor).toBeNull()
  })

  for (const limit of [1, 2, 3, 4, 7, 60, 61, 62]) {
    it(`with limit=${limit} returns every event exactly once, newest first, and stops with nextCursor null`, async () => {
      const all = (await auditLog('acme')).map((e) => e.id)
      expect(all).toHaveLength(EVENTS)
      const seen: string[] = []
      let after: string | null = null
      let pages = 0
      do {
        const r: { status: number; json: any } = await operator(
          ctx,
          'GET',
          `/organizations/acme/audit-log?limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`,
        )
        expect(r.status).toBe(200)
        seen.push(...r.json.data.map((e: Event) => e.id))
        after = r.json.nextCursor
        if (after !== null) expect(r.json.data).toHaveLength(limit)
        expect(++pages).toBeLessThanOrEqual(EVENTS + 1)
      } while (after !== null)
      expect(seen).toEqual(all)
      expect(new Set(seen).size).toBe(EVENTS)
      expect(pages).toBe(Math.ceil(EVENTS / limit))
    })
  }

  it('sees a new event on the first page without disturbing a walk already under way', async () => {
    const first = await operator(ctx, 'GET', '/organizations/acme/audit-log?limit=10')
    ctx.clock.advance(1000)
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Late', slug: 'late' })
    const second = await operator(ctx, 'GET', `/organizations/acme/audit-log?limit=10&after=${encodeURIComponent(first.json.nextCursor)}`)
    const ids = [...first.json.data, ...second.json.data].map((e: Event) => e.id)
    expect(new Set(ids).size).toBe(20)
    expect(second.json.data.map((e: Event) => e.target)).not.toContain('late')
    expect((await operator(ctx, 'GET', '/organizations/acme/audit-log?limit=1')).json.data[0].target).toBe('late')
  })

  it('does not fail on a cursor it never issued', async () => {
    for (const after of ['garbage', 'x', Buffer.from('not|ours').toString('base64url')]) {
      const r = await call(ctx, 'GET', `/organizations/acme/audit-log?after=${encodeURIComponent(after)}`, { authorization: `Bearer ${ctx.config.adminToken}` })
      expect(r.status).toBe(200)
      expect(Array.isArray(r.json.data)).toBe(true)
    }
  })
})

describe('events made in the same instant', () => {
  it('list newest first in the order they happened, not at random', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    const slugs = Array.from({ length: 30 }, (_, i) => `ws-${String(i).padStart(2, '0')}`)
    for (const slug of slugs) await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: slug, slug })
    const events = await auditLog('acme')
    expect(new Set(events.map((e) => e.createdAt)).size).toBe(1)
    expect(events.filter((e) => e.action === 'workspace.created').map((e) => e.target)).toEqual([...slugs].reverse())
  })
})
