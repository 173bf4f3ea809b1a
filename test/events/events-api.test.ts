/** GET /api/v1/events (DESIGN §9): operator token, oldest first, an opaque cursor, 400 naming a bad cursor or limit. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { recordEvent } from '../../src/core/events.js'
import type { EventType } from '../../src/core/ports.js'
import { newSortableId } from '../../src/core/secret-token.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { call, expectApiError, operatorAuth } from '../api/support.js'
import { eventsVisible } from './visibility.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
})
afterEach(() => ctx.close())

async function write(count: number, type: EventType = 'member.created', orgId: string | null = null): Promise<void> {
  for (let i = 0; i < count; i++) await recordEvent(ctx.deps.store, { type, orgId, data: { n: i } }, ctx.clock.now())
}

async function events(query = '') {
  await eventsVisible(ctx.runtime.db)
  return operator(ctx, 'GET', `/events${query}`)
}

describe('GET /api/v1/events', () => {
  it('refuses a caller without the operator token, and answers the same request with it', async () => {
    await write(1)
    await eventsVisible(ctx.runtime.db)
    expectApiError(await call(ctx, 'GET', '/events'), 401, 'unauthorized')
    expectApiError(await call(ctx, 'GET', '/events', { authorization: 'Bearer not-the-token' }), 401, 'unauthorized')
    const ok = await call(ctx, 'GET', '/events', { authorization: operatorAuth })
    expect(ok.status).toBe(200)
    expect(ok.json.data).toHaveLength(1)
  })

  it('answers an empty stream with no events and a null cursor', async () => {
    expect((await events()).json).toEqual({ data: [], nextCursor: null })
  })

  it('gives each event as {id, type, createdAt, org, data} with the org id and slug', async () => {
    const org = (await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).json
    await write(1, 'sso.enabled', org.id)
    const r = await events()
    const last = r.json.data[r.json.data.length - 1]
    expect(last).toEqual({
      id: expect.any(String),
      type: 'sso.enabled',
      createdAt: '2026-11-23T12:00:00.000Z',
      org: { id: org.id, slug: 'acme' },
      data: { n: 0 },
    })
  })

  it('pages oldest first with the cursor, defaults to 100 and resumes after the last event read', async () => {
    await write(105)
    const first = await events()
    expect(first.json.data).toHaveLength(100)
    expect(first.json.data.map((e: any) => e.data.n)).toEqual([...Array(100).keys()])
    const second = await events(`?after=${first.json.nextCursor}&limit=10`)
    expect(second.json.data.map((e: any) => e.data.n)).toEqual([100, 101, 102, 103, 104])
    // Caught up: an empty page keeps the cursor, and events written later come after it.
    const third = await events(`?after=${second.json.nextCursor}`)
    expect(third.json).toEqual({ data: [], nextCursor: second.json.nextCursor })
    await write(2)
    expect((await events(`?after=${third.json.nextCursor}`)).json.data.map((e: any) => e.data.n)).toEqual([0, 1])
  })

  it('takes at most 1000 a page', async () => {
    await write(1001)
    expect((await events('?limit=1000')).json.data).toHaveLength(1000)
  })

  const badQueries: [string, string][] = [
    ['?limit=0', 'query.limit'],
    ['?limit=1001', 'query.limit'],
    ['?limit=ten', 'query.limit'],
    ['?limit=1.5', 'query.limit'],
    ['?after=not-a-cursor', 'query.after'],
    ['?after=' + 'f'.repeat(36), 'query.after'],
    ['?before=x', 'query'],
  ]
  for (const [query, field] of badQueries) {
    it(`refuses ${query} with 400 naming ${field}, and writes nothing`, async () => {
      await write(1)
      const r = await events(query)
      expectApiError(r, 400, 'validation_failed')
      expect(r.json.error.message.startsWith(field)).toBe(true)
      expect((await events()).json.data).toHaveLength(1)
    })
  }

  it('refuses a well-formed cursor that names no kept event, and accepts the cursor of a kept one', async () => {
    await write(2)
    const unknown = await events(`?after=${newSortableId()}`)
    expectApiError(unknown, 400, 'event_cursor_unknown')
    const first = (await events('?limit=1')).json
    const r = await events(`?after=${first.nextCursor}`)
    expect(r.status).toBe(200)
    expect(r.json.data.map((e: any) => e.data.n)).toEqual([1])
  })

  it('is described in the OpenAPI document', async () => {
    const doc = (await call(ctx, 'GET', '/openapi.json')).json
    const get = doc.paths['/events'].get
    expect(get.security).toEqual([{ operatorToken: [] }])
    expect(get.parameters.map((p: any) => p.name).sort()).toEqual(['after', 'limit'])
    expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '401'])
  })
})
