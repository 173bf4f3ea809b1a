/**
 * The directory's request log keeps bodies without their secrets (DESIGN §8): a password sent by PATCH
 * path (`{"op":"replace","path":"password","value":"…"}`, as Entra and Okta may send it) is removed like
 * one sent as a body attribute, while the same PATCH of an ordinary attribute is kept readable.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UNAUTHENTICATED_LOGGED_PER_MINUTE } from '../../src/http/scim-routes.js'
import { operator, type TestContext } from '../helpers/test-app.js'
import { acmeWithDirectory, createScimUsers, patchOp, scim, type TestDirectory } from './support.js'

const SECRET = 'Hunter2-from-the-idp!'

let ctx: TestContext
let dir: TestDirectory
let id: string
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
  ;[id] = (await createScimUsers(ctx, dir, ['ann@acme.test'])) as [string]
})
afterEach(() => ctx.close())

/** The newest request's logged body, and the whole log as text. */
async function logged(): Promise<{ newest: string; all: string }> {
  const data = (await operator(ctx, 'GET', '/organizations/acme/directory/requests')).json.data as { body: string | null }[]
  return { newest: data[0]!.body ?? '', all: JSON.stringify(data) }
}

describe('the directory request log', () => {
  it('removes a password sent by PATCH path, in any spelling of the path', async () => {
    for (const path of ['password', 'Password', 'urn:ietf:params:scim:schemas:core:2.0:User:password']) {
      const r = await scim(ctx, dir, 'PATCH', `/Users/${id}`, { body: patchOp({ op: 'replace', path, value: SECRET }) })
      expect(r.status, path).toBeLessThan(500)
      const { newest, all } = await logged()
      expect(JSON.parse(newest), path).toEqual(patchOp({ op: 'replace', path, value: '[removed]' }))
      expect(all).not.toContain(SECRET)
    }
  })

  it('keeps the value of a PATCH of an ordinary attribute (the same request, another path)', async () => {
    const r = await scim(ctx, dir, 'PATCH', `/Users/${id}`, { body: patchOp({ op: 'replace', path: 'nickName', value: SECRET }) })
    expect(r.status).toBe(200)
    expect(JSON.parse((await logged()).newest)).toEqual(patchOp({ op: 'replace', path: 'nickName', value: SECRET }))
  })

  it('removes a password inside a PATCH value object, as before', async () => {
    await scim(ctx, dir, 'PATCH', `/Users/${id}`, { body: patchOp({ op: 'replace', value: { password: SECRET, nickName: 'Ann' } }) })
    expect(JSON.parse((await logged()).newest)).toEqual(patchOp({ op: 'replace', value: { password: '[removed]', nickName: 'Ann' } }))
  })

  it('logs requests without a live token only so many a minute, so a stranger cannot push the IdP out of the log', async () => {
    const statuses = async () =>
      ((await operator(ctx, 'GET', '/organizations/acme/directory/requests?limit=100')).json.data as { status: number }[]).map((r) => r.status)
    const before = (await statuses()).length
    for (let i = 0; i < UNAUTHENTICATED_LOGGED_PER_MINUTE + 15; i++) {
      expect((await scim(ctx, dir, 'GET', '/Users', { token: 'scim_not-the-token' })).status).toBe(401)
    }
    // The IdP's own requests are logged whatever the strangers did.
    expect((await scim(ctx, dir, 'GET', '/Users')).status).toBe(200)
    let log = await statuses()
    expect(log.filter((s) => s === 401)).toHaveLength(UNAUTHENTICATED_LOGGED_PER_MINUTE)
    expect(log[0]).toBe(200)
    expect(log.length).toBe(before + UNAUTHENTICATED_LOGGED_PER_MINUTE + 1)
    // The next minute, a refused request is logged again.
    ctx.clock.advance(60_000)
    expect((await scim(ctx, dir, 'GET', '/Users', { token: 'scim_not-the-token' })).status).toBe(401)
    log = await statuses()
    expect(log[0]).toBe(401)
  })
})
