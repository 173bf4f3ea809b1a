/**
 * A change and its event are one transaction (DESIGN §9), even when the process dies mid-change:
 * a built server (`node bin/gatehouse.js start`) takes organizations and members through the operator
 * API from several clients at once, is killed with SIGKILL at a random moment, and the database must
 * hold, for every organization and member, exactly one organization.created / member.created event
 * naming it, and no such event whose subject is missing. Three kills in a row on the same database
 * (each restart also shows the database opens cleanly after the kill). SQLite file and PostgreSQL.
 */
import type { ChildProcess } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeDatabase, openDatabase, type Db } from '../../src/store/database.js'
import { ensureBuilt } from '../helpers/built-cli.js'
import { processDeployment, startServerProcess as startServer, type Deployment } from '../helpers/process-deployment.js'

const TOKEN = 'events-crash-admin-token-0123456789abc'
const CLIENTS = 6

function post(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** What the database holds: ids of orgs and members, and the subject ids of their created events. */
async function contents(db: Db) {
  const orgs = (await db.selectFrom('organizations').select('id').execute()).map((r) => r.id)
  const members = (await db.selectFrom('members').select('id').execute()).map((r) => r.id)
  const events = await db.selectFrom('events').select(['type', 'data']).where('type', 'in', ['organization.created', 'member.created']).execute()
  const subject = (type: string, key: 'organization' | 'member') =>
    events.filter((e) => e.type === type).map((e) => (JSON.parse(e.data) as Record<string, { id: string }>)[key]!.id)
  return { orgs, members, orgEvents: subject('organization.created', 'organization'), memberEvents: subject('member.created', 'member') }
}

const sorted = (ids: readonly string[]) => [...ids].sort()

describe('kill -9 mid-change: the change and its event, or neither', () => {
  let d: Deployment
  let db: Db | undefined
  const children: ChildProcess[] = []

  beforeAll(async () => {
    ensureBuilt()
    d = await processDeployment('crash', TOKEN)
  }, 300_000)

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    if (db !== undefined) await closeDatabase(db)
    await d?.drop()
  })

  it('three kills during concurrent API writes leave every organization and member with exactly its created event', async () => {
    let n = 0
    for (let round = 0; round < 3; round++) {
      const server = await startServer(d)
      children.push(server.child)
      const org = `crash-${round}`
      expect((await post(server.api, '/organizations', { name: `Crash ${round}`, slug: org })).status).toBe(201)
      let ok = 0
      let cut = 0
      const clients = Array.from({ length: CLIENTS }, async () => {
        for (;;) {
          const i = n++
          try {
            const res =
              i % 2 === 0
                ? await post(server.api, '/organizations', { name: `Org ${i}`, slug: `org-${i}` })
                : await post(server.api, `/organizations/${org}/members`, { email: `m${i}@crash.test`, firstName: 'M', lastName: `${i}` })
            expect(res.status).toBe(201)
            ok++
          } catch (error) {
            if (server.child.signalCode === null && server.child.exitCode === null) {
              // The kill is sent before the process is seen gone: a refused request right after is the kill's.
              await new Promise((r) => setTimeout(r, 200))
              if (server.child.signalCode === null) throw error
            }
            cut++
            return
          }
        }
      })
      // Killed at a random moment once changes are flowing.
      while (ok < 20) await new Promise((r) => setTimeout(r, 10))
      await new Promise((r) => setTimeout(r, randomInt(50, 800)))
      server.child.kill('SIGKILL')
      await Promise.all(clients)
      await new Promise((r) => (server.child.exitCode !== null || server.child.signalCode !== null ? r(null) : server.child.once('exit', r)))
      // Requests were in flight when the process died: the kill landed mid-change.
      expect(cut).toBe(CLIENTS)
    }
    db = openDatabase(d.database)
    const c = await contents(db)
    // Changes happened in every round (3 seed orgs plus many more), and each has its event, once.
    expect(c.orgs.length).toBeGreaterThan(30)
    expect(c.members.length).toBeGreaterThan(30)
    expect(sorted(c.orgEvents)).toEqual(sorted(c.orgs))
    expect(sorted(c.memberEvents)).toEqual(sorted(c.members))
  }, 180_000)
})
