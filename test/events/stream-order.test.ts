/**
 * The event stream's order (DESIGN §9, docs/events.md): oldest first in commit order, and never an
 * event while one that sorts before it can still commit. On PostgreSQL two pools (as two processes
 * would) write concurrently while a reader pages: no gaps, no duplicates, oldest first.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EventCursorNotFoundError, type DomainEvent, type EventStore } from '../../src/core/ports.js'
import { newSortableId } from '../../src/core/secret-token.js'
import { closeDatabase, openDatabase, type Db } from '../../src/store/database.js'
import { createStore } from '../../src/store/index.js'
import { cleanDatabase, openOptions, type TestDatabase } from '../helpers/database.js'
import { eventsVisible } from './visibility.js'
import { DIALECTS, openTestStore, org, T0, type TestStore } from '../store/dialects.js'

const event = (id = newSortableId(), orgId: string | null = null) => ({ id, type: 'member.created' as const, orgId, data: { n: id }, createdAt: T0 })

/** Reads the whole stream the way a client does: pages of `limit`, each after the last event read. */
async function readAll(events: EventStore, limit: number, after?: string): Promise<DomainEvent[]> {
  const out: DomainEvent[] = []
  for (;;) {
    const page = await events.list(after ?? out[out.length - 1]?.id, limit)
    out.push(...page)
    if (page.length < limit) return out
    after = undefined
  }
}

for (const dialect of DIALECTS) {
  describe(`the event stream on ${dialect}`, () => {
    let t: TestStore
    beforeEach(async () => {
      t = await openTestStore(dialect)
    })
    afterEach(async () => t.close())

    it('lists in commit order, not id order, and pages after a cursor without gaps or duplicates', async () => {
      // Ids made out of order (as two processes' clocks and transactions can make them): the later commit has the smaller id.
      const [small, large] = [newSortableId(), newSortableId()]
      await t.store.events.insert(event(large))
      await t.store.events.insert(event(small))
      const more = [event(), event(), event()]
      for (const e of more) await t.store.events.insert(e)
      await eventsVisible(t.db)
      const order = [large, small, ...more.map((e) => e.id)]
      expect((await t.store.events.list(undefined, 100)).map((e) => e.id)).toEqual(order)
      expect((await readAll(t.store.events, 2)).map((e) => e.id)).toEqual(order)
      expect((await t.store.events.list(small, 100)).map((e) => e.id)).toEqual(order.slice(2))
      expect(await t.store.events.list(order[4], 100)).toEqual([])
    })

    it('records the org slug the event was written under, and null for an event of no org', async () => {
      const acme = org('acme')
      await t.store.orgs.insert(acme)
      await t.store.events.insert(event(undefined, acme.id))
      await t.store.events.insert(event(undefined, null))
      await t.store.orgs.update(acme.id, { slug: 'acme-renamed' }, T0)
      await eventsVisible(t.db)
      expect((await t.store.events.list(undefined, 10)).map((e) => [e.orgId, e.orgSlug])).toEqual([
        [acme.id, 'acme'],
        [null, null],
      ])
    })

    it('refuses a cursor that names no stored event, and accepts the same listing from a stored one', async () => {
      const stored = event()
      await t.store.events.insert(stored)
      await eventsVisible(t.db)
      await expect(t.store.events.list(newSortableId(), 10)).rejects.toBeInstanceOf(EventCursorNotFoundError)
      expect(await t.store.events.list(stored.id, 10)).toEqual([])
    })

    it('an event rolled back with its transaction is never listed', async () => {
      const kept = event()
      await t.store.events.insert(kept)
      await expect(
        t.store.transaction(async (tx) => {
          await tx.events.insert(event())
          throw new Error('the change fails')
        }),
      ).rejects.toThrow('the change fails')
      await eventsVisible(t.db)
      expect((await t.store.events.list(undefined, 10)).map((e) => e.id)).toEqual([kept.id])
    })
  })
}

describe.runIf(DIALECTS.includes('postgres'))('the event stream with two writers on PostgreSQL', () => {
  let database: TestDatabase
  let pools: Db[]
  beforeEach(async () => {
    database = await cleanDatabase()
    pools = [openDatabase(database.config, openOptions(database)), openDatabase(database.config, openOptions(database))]
  })
  afterEach(async () => {
    for (const db of pools) await closeDatabase(db)
    await database.drop()
  })

  it('holds back a committed event while an event that sorts before it is still in flight', async () => {
    const [a, b] = pools.map((db) => createStore(db))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let inserted!: () => void
    const insertedA = new Promise<void>((resolve) => (inserted = resolve))
    const first = event()
    const writerA = a!.transaction(async (tx) => {
      await tx.events.insert(first)
      inserted()
      await gate
    })
    await insertedA
    const second = event()
    await b!.events.insert(second)
    // The hazard is real: ordered by id, a reader would pass `second` now and never see `first`.
    const byId = await sql<{ id: string }>`select id from events order by id`.execute(pools[1]!)
    expect(byId.rows.map((r) => r.id)).toEqual([second.id])
    expect(await b!.events.list(undefined, 10)).toEqual([])
    release()
    await writerA
    await eventsVisible(pools[1]!)
    expect((await b!.events.list(undefined, 10)).map((e) => e.id)).toEqual([first.id, second.id])
  })

  it('gives a reader paging during concurrent writes every committed event once, in the final order', async () => {
    const stores = pools.map((db) => createStore(db))
    const committed = new Set<string>()
    const rolledBack = new Set<string>()
    let writing = true
    const writer = async (w: number) => {
      const store = stores[w % 2]!
      for (let i = 0; i < 25; i++) {
        const batch = Array.from({ length: 1 + ((w + i) % 3) }, () => event())
        const abort = (w * 7 + i) % 11 === 0
        try {
          await store.transaction(async (tx) => {
            for (const e of batch) {
              await tx.events.insert(e)
              await sleep(Math.floor(Math.random() * 4))
            }
            if (abort) throw new Error('rolled back')
          })
          for (const e of batch) committed.add(e.id)
        } catch {
          for (const e of batch) rolledBack.add(e.id)
        }
      }
    }
    const seen: string[] = []
    const reader = async () => {
      const events = stores[1]!.events
      for (;;) {
        const done = !writing
        if (done) await eventsVisible(pools[1]!)
        const page = await events.list(seen[seen.length - 1], 7)
        seen.push(...page.map((e) => e.id))
        if (page.length === 0) {
          if (done) return
          await sleep(1)
        }
      }
    }
    const reading = reader()
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)))
    writing = false
    await reading
    expect(rolledBack.size).toBeGreaterThan(0)
    await eventsVisible(pools[0]!)
    expect(new Set(seen).size).toBe(seen.length)
    expect(new Set(seen)).toEqual(committed)
    expect(seen).toEqual((await stores[0]!.events.list(undefined, 10_000)).map((e) => e.id))
  })
})
