/**
 * The pull API across real server processes (issue 19 item 2): two built servers write to one
 * database through the operator API (organizations and members, from concurrent clients on each),
 * while a reader pages GET /api/v1/events from the first with a small limit. What the reader saw,
 * page by page as it was written, is exactly the final stream: every event once, in the stream's
 * order, none skipped (an event committed late with an earlier position would be skipped for good).
 * PostgreSQL only: SQLite serves one process (docs/deploy.md).
 */
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt } from '../helpers/built-cli.js'
import { DIALECT } from '../helpers/database.js'
import { processDeployment, startServerProcess, type Deployment } from '../helpers/process-deployment.js'

const TOKEN = 'events-two-processes-token-0123456789'
const CLIENTS_PER_SERVER = 4
const CHANGES_PER_CLIENT = 12

function call(api: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  return fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

interface Page {
  data: { id: string; type: string }[]
  nextCursor: string | null
}

async function page(api: string, after: string | null, limit: number): Promise<Page> {
  const res = await call(api, 'GET', `/events?limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`)
  expect(res.status).toBe(200)
  return (await res.json()) as Page
}

describe.runIf(DIALECT === 'postgres')('GET /api/v1/events while two processes write', () => {
  let d: Deployment
  const children: ChildProcess[] = []

  beforeAll(async () => {
    ensureBuilt()
    d = await processDeployment('pull', TOKEN)
  }, 300_000)

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))))
    await d?.drop()
  })

  it('a reader paging during the writes sees every event once, in the final order', async () => {
    const servers = [await startServerProcess(d), await startServerProcess(d)]
    children.push(...servers.map((s) => s.child))
    let writing = true
    const writers = servers.flatMap((server, s) =>
      Array.from({ length: CLIENTS_PER_SERVER }, async (_, c) => {
        const slug = `w-${s}-${c}`
        expect((await call(server.api, 'POST', '/organizations', { name: `Writer ${s} ${c}`, slug })).status).toBe(201)
        for (let i = 0; i < CHANGES_PER_CLIENT; i++) {
          const res = await call(server.api, 'POST', `/organizations/${slug}/members`, { email: `m${i}@${slug}.test`, firstName: 'M', lastName: `${i}` })
          expect(res.status).toBe(201)
        }
      }),
    )
    const written = Promise.all(writers).finally(() => (writing = false))

    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    const reader = (async () => {
      for (;;) {
        const stillWriting = writing
        const p = await page(servers[0]!.api, cursor, 5)
        pages++
        seen.push(...p.data.map((e) => e.id))
        cursor = p.nextCursor ?? cursor
        if (p.data.length === 0) {
          if (!stillWriting) return
          await new Promise((r) => setTimeout(r, 5))
        }
      }
    })()
    await written
    await reader
    // Caught up once the writers ended; later, from the other process, the whole stream from the start.
    const total = 2 * CLIENTS_PER_SERVER * (1 + CHANGES_PER_CLIENT)
    const all: string[] = []
    let after: string | null = null
    for (let tries = 0; all.length < total || tries === 0; tries++) {
      const p = await page(servers[1]!.api, after, 1000)
      all.push(...p.data.map((e) => e.id))
      after = p.nextCursor ?? after
      if (all.length < total) await new Promise((r) => setTimeout(r, 50))
      expect(tries, 'the whole stream becomes visible').toBeLessThan(200)
    }
    // The reader stopped at the first empty page after the writes: anything it had not reached yet
    // is the stream's tail, which it gets on its next poll.
    for (;;) {
      const p = await page(servers[0]!.api, cursor, 1000)
      if (p.data.length === 0) break
      seen.push(...p.data.map((e) => e.id))
      cursor = p.nextCursor ?? cursor
    }
    expect(pages, 'the reader paged while the writers wrote').toBeGreaterThan(10)
    expect(new Set(seen).size, 'no duplicates').toBe(seen.length)
    expect(seen).toEqual(all)
    expect(all).toHaveLength(total)
  }, 180_000)
})
