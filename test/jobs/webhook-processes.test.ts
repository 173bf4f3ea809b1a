/**
 * Webhooks across real server processes (`node bin/gatehouse.js start`, the built dist/):
 * - `kill -9` of the process delivering loses nothing: the receiver sees every event id at least
 *   once, first in stream order (the next process sends again what was not saved as done, after the
 *   dead process's 20 s lease runs out); on SQLite (a file) and on PostgreSQL;
 * - two processes on one PostgreSQL database deliver each event exactly once, in order.
 * The test writes the events straight into the stream, as the changes that cause them would.
 */
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../src/core/ports.js'
import { newSortableId } from '../../src/core/secret-token.js'
import { closeDatabase, openDatabase, type Db } from '../../src/store/database.js'
import { createStore } from '../../src/store/index.js'
import { ensureBuilt, within } from '../helpers/built-cli.js'
import { DIALECT } from '../helpers/database.js'
import { processDeployment, startServerProcess as startServer, type Deployment } from '../helpers/process-deployment.js'
import { firstSeen, startReceiver, type Receiver } from './webhook-support.js'

const TOKEN = 'webhook-process-admin-token-0123456789'

async function register(port: number, url: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url }),
  })
  expect(res.status).toBe(201)
}

async function writeEvents(store: Store, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const id = newSortableId()
    await store.events.insert({ id, type: 'member.updated', orgId: null, data: { n: i }, createdAt: new Date().toISOString() })
    ids.push(id)
  }
  return ids
}

async function until(what: string, ms: number, done: () => boolean): Promise<void> {
  await within(
    (async () => {
      while (!done()) await new Promise((r) => setTimeout(r, 50))
    })(),
    ms,
    what,
  )
}

function stopAll(children: ChildProcess[]): Promise<unknown> {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
  return Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))))
}

describe('webhooks across server processes', () => {
  let d: Deployment
  let db: Db
  let store: Store
  let receiver: Receiver
  const children: ChildProcess[] = []

  beforeAll(async () => {
    ensureBuilt()
    d = await processDeployment('hooks', TOKEN)
    receiver = await startReceiver()
  }, 300_000)

  afterAll(async () => {
    await stopAll(children)
    await receiver?.close()
    if (db !== undefined) await closeDatabase(db)
    await d?.drop()
  })

  it('kill -9 of the delivering process loses nothing: every event arrives, first seen in order', async () => {
    const first = await startServer(d)
    children.push(first.child)
    db = openDatabase(d.database)
    store = createStore(db)
    await register(first.port, receiver.url)
    // A slow-ish receiver, so the kill lands mid-stream.
    receiver.answer = () => new Promise((resolve) => setTimeout(() => resolve(200), 3))
    const ids = await writeEvents(store, 400)
    await until('150 deliveries', 30_000, () => receiver.accepted.length >= 150)
    first.child.kill('SIGKILL')
    await new Promise((r) => first.child.once('exit', r))
    const acceptedBefore = receiver.accepted.length
    expect(new Set(receiver.accepted).size).toBeLessThan(400)
    const second = await startServer(d)
    children.push(second.child)
    await until('every event after the restart', 60_000, () => new Set(receiver.accepted).size === ids.length)
    expect(firstSeen(receiver.accepted)).toEqual(ids)
    // After the restart: the stream again from the last saved point (at or before the first event not
    // yet seen), in order, with no gap.
    const after = receiver.accepted.slice(acceptedBefore)
    const from = ids.indexOf(after[0]!)
    expect(from).toBeGreaterThanOrEqual(0)
    expect(from).toBeLessThanOrEqual(new Set(receiver.accepted.slice(0, acceptedBefore)).size)
    expect(after).toEqual(ids.slice(from))
    await stopAll([second.child])
  }, 120_000)

  it.runIf(DIALECT === 'postgres')(
    'two processes on one PostgreSQL database deliver each event exactly once, in order',
    async () => {
      const a = await startServer(d)
      const b = await startServer(d)
      children.push(a.child, b.child)
      receiver.accepted.length = 0
      receiver.received.length = 0
      receiver.answer = () => 200
      const other = await startReceiver()
      try {
        await register(b.port, other.url)
        const ids: string[] = []
        for (let i = 0; i < 10; i++) {
          ids.push(...(await writeEvents(store, 40)))
          await new Promise((r) => setTimeout(r, 100))
        }
        await until('every event at both receivers', 60_000, () => other.accepted.length >= ids.length && receiver.accepted.length >= ids.length)
        // A little longer: a duplicate would arrive now.
        await new Promise((r) => setTimeout(r, 1500))
        expect(other.received.map((r) => r.eventId)).toEqual(ids)
        // The first webhook was at the end of the stream: it gets the same events, also once each.
        expect(receiver.received.map((r) => r.eventId)).toEqual(ids)
      } finally {
        await other.close()
      }
    },
    120_000,
  )
})
