/** Reading the event stream in tests: what a change wrote, and a scan of events for anything secret. */
import { expect } from 'vitest'
import type { DomainEvent, Store } from '../../src/core/ports.js'
import { ADMIN_TOKEN, SECRET_KEY } from '../helpers/test-app.js'

/** A reader of the stream: each call returns the events written since the previous call. */
export function eventTail(store: Pick<Store, 'events'>): () => Promise<DomainEvent[]> {
  let cursor: string | undefined
  return async () => {
    const page = await store.events.list(cursor, 1000)
    cursor = page[page.length - 1]?.id ?? cursor
    return page
  }
}

/** Every event of the stream. */
export const allEvents = (store: Pick<Store, 'events'>) => store.events.list(undefined, 10_000)

/** Secrets by their shape: our token prefixes, PEM blocks, password hashes, the deployment's own secrets. */
const SECRET_SHAPES = [/gh(sc|a|pt)_/, /whsec_/, /-----BEGIN/, /\$argon2/, /SAMLResponse/]
/** Keys no event payload has any business holding. */
const SECRET_KEYS = /secret|password|token|hash|private|cookie|session/i

/** Fails naming the event when any holds a secret: by key, by shape, or one of `known` (passwords and secrets the test used). */
export function expectNoSecrets(events: readonly DomainEvent[], known: readonly string[] = []): void {
  const problems: string[] = []
  const keysOf = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) {
      if (SECRET_KEYS.test(key)) problems.push(`${path}.${key}`)
      keysOf(child, `${path}.${key}`)
    }
  }
  for (const event of events) {
    const text = JSON.stringify(event)
    keysOf(event.data, `${event.type}.data`)
    for (const shape of SECRET_SHAPES) if (shape.test(text)) problems.push(`${event.type} matches ${String(shape)}`)
    for (const secret of [ADMIN_TOKEN, SECRET_KEY, ...known])
      if (secret.length >= 6 && text.includes(secret)) problems.push(`${event.type} holds a known secret`)
  }
  expect(problems).toEqual([])
}

/** Exactly one event, of this type; returns it. */
export function onlyEvent(events: readonly DomainEvent[], type: string): DomainEvent {
  expect(events.map((e) => e.type)).toEqual([type])
  return events[0]!
}
