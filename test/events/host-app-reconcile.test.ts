/**
 * The example host app's user table (examples/host-app/users.mjs) reconciled from the real pull API:
 * a first start reads every event; a restart resumes from the saved cursor and applies only what came
 * since (a removal ends the member's sessions through onGone); an event already applied by a webhook
 * is not applied again.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createUserTable, type HostAppUser } from '../../examples/host-app/users.mjs'
import { ADMIN_TOKEN, createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { eventsVisible } from './visibility.js'

let ctx: TestContext
let dir: string
beforeEach(async () => {
  ctx = await createTestContext()
  dir = mkdtempSync(join(tmpdir(), 'host-app-'))
})
afterEach(async () => {
  await ctx.close()
  rmSync(dir, { recursive: true, force: true })
})

/** fetch answered by the in-process Gatehouse. */
const fetchImpl = async (url: URL, init: { headers: Record<string, string> }) => {
  await eventsVisible(ctx.runtime.db)
  const res = await ctx.app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: init.headers })
  return new Response(res.body, { status: res.statusCode, headers: { 'content-type': 'application/json' } })
}

async function addMember(email: string) {
  const r = await operator(ctx, 'POST', '/organizations/acme/members', { email, firstName: email.split('@')[0], lastName: 'Acme', role: 'member' })
  expect(r.status, JSON.stringify(r.json)).toBe(201)
}

const emails = (users: HostAppUser[]) => users.map((u) => u.email)

describe('the host app reconciling from GET /api/v1/events', () => {
  it('reads every event at first, then resumes from its saved cursor after a restart', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    await addMember('ann@acme.test')
    await addMember('bob@acme.test')
    const stateFile = join(dir, 'state.json')
    const first = createUserTable({ stateFile })
    // organization.created and two member.created.
    expect(await first.reconcile({ apiUrl: 'http://gatehouse.test', token: ADMIN_TOKEN, fetchImpl })).toBe(3)
    expect(emails(first.activeIn('acme'))).toEqual(['ann@acme.test', 'bob@acme.test'])

    expect((await operator(ctx, 'DELETE', '/organizations/acme/members/bob@acme.test')).status).toBe(204)
    await addMember('cyd@acme.test')
    const gone: string[] = []
    const restarted = createUserTable({ stateFile, onGone: (u) => gone.push(u.email) })
    expect(emails(restarted.activeIn('acme'))).toEqual(['ann@acme.test', 'bob@acme.test'])
    expect(await restarted.reconcile({ apiUrl: 'http://gatehouse.test', token: ADMIN_TOKEN, fetchImpl })).toBe(2)
    expect(gone).toEqual(['bob@acme.test'])
    expect(emails(restarted.activeIn('acme'))).toEqual(['ann@acme.test', 'cyd@acme.test'])
    // Caught up: nothing more.
    expect(await restarted.reconcile({ apiUrl: 'http://gatehouse.test', token: ADMIN_TOKEN, fetchImpl })).toBe(0)
    // The org deleted (no member.removed for each): everyone in it is gone and signed out.
    expect((await operator(ctx, 'DELETE', '/organizations/acme')).status).toBe(204)
    expect(await restarted.reconcile({ apiUrl: 'http://gatehouse.test', token: ADMIN_TOKEN, fetchImpl })).toBe(1)
    expect(gone).toEqual(['bob@acme.test', 'ann@acme.test', 'cyd@acme.test'])
    expect(restarted.activeIn('acme')).toEqual([])
  })

  it('does not apply again an event a webhook brought, and says why it cannot read with a wrong token', async () => {
    expect((await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    await addMember('ann@acme.test')
    const table = createUserTable()
    await eventsVisible(ctx.runtime.db)
    const page = (await operator(ctx, 'GET', '/events')).json as { data: { id: string; type: string }[] }
    const created = page.data.find((e) => e.type === 'member.created')!
    expect(table.apply(created)).toBe(true)
    expect(table.apply(created)).toBe(false)
    await expect(table.reconcile({ apiUrl: 'http://gatehouse.test', token: 'not-the-token', fetchImpl })).rejects.toThrow(
      'GET /api/v1/events answered 401 unauthorized',
    )
    // The organization.created event only: the member's came by webhook.
    expect(await table.reconcile({ apiUrl: 'http://gatehouse.test', token: ADMIN_TOKEN, fetchImpl })).toBe(1)
    expect(emails(table.activeIn('acme'))).toEqual(['ann@acme.test'])
  })

  it('keeps a member whose id is __proto__ as data, reaching no prototype, also after a restart from its state file', () => {
    const member = { id: '__proto__', userId: 'u1', email: 'odd@acme.test', role: 'member' }
    const event = { id: 'e1', type: 'member.created', org: { id: 'o1', slug: 'acme' }, data: { member } }
    const stateFile = join(dir, 'proto-state.json')
    const table = createUserTable({ stateFile })
    expect(table.apply(event)).toBe(true)
    expect(emails(table.activeIn('acme'))).toEqual(['odd@acme.test'])
    expect(({} as Record<string, unknown>).email).toBeUndefined()
    expect(emails(createUserTable({ stateFile }).activeIn('acme'))).toEqual(['odd@acme.test'])
    expect(({} as Record<string, unknown>).email).toBeUndefined()
  })
})
