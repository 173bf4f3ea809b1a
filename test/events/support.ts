/** Reading the event stream in tests: what a change wrote, and a scan of events for anything secret. */
import { expect } from 'vitest'
import type { DomainEvent, Store } from '../../src/core/ports.js'
import { ADMIN_TOKEN, SECRET_KEY } from '../helpers/test-app.js'
import type { Db } from '../../src/store/database.js'
import { expectNoSecretsIn } from './secret-scan.js'
import { eventsVisible } from './visibility.js'

/** A reader of the stream: each call returns the events written since the previous call. */
export function eventTail(db: Db, store: Pick<Store, 'events'>): () => Promise<DomainEvent[]> {
  let cursor: string | undefined
  return async () => {
    await eventsVisible(db)
    const page = await store.events.list(cursor, 1000)
    cursor = page[page.length - 1]?.id ?? cursor
    return page
  }
}

/** Every event of the stream. */
export async function allEvents(db: Db, store: Pick<Store, 'events'>): Promise<DomainEvent[]> {
  await eventsVisible(db)
  return store.events.list(undefined, 10_000)
}

/** expectNoSecrets (secret-scan.ts) with the test app's operator token and secret key among the known secrets. */
export function expectNoSecrets(events: readonly DomainEvent[], known: readonly string[] = []): void {
  expectNoSecretsIn(events, [ADMIN_TOKEN, SECRET_KEY, ...known])
}

/** Exactly one event, of this type; returns it. */
export function onlyEvent(events: readonly DomainEvent[], type: string): DomainEvent {
  expect(events.map((e) => e.type)).toEqual([type])
  return events[0]!
}
