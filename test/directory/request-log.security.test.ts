/**
 * The directory's request log keeps bodies without their secrets (DESIGN §8): a password sent by PATCH
 * path (`{"op":"replace","path":"password","value":"…"}`, as Entra and Okta may send it) is removed like
 * one sent as a body attribute, while the same PATCH of an ordinary attribute is kept readable.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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
})
