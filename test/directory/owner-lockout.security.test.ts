/**
 * The directory cannot lock an org out of its owners (docs/scim.md): deactivating or removing the
 * last active owner is refused with 400 `mutability` and changes nothing; the same request is
 * accepted once another owner is active. A deactivated owner does not count as the other one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MEMBER_PASSWORD } from '../api/support.js'
import { operator, type TestContext } from '../helpers/test-app.js'
import { acmeWithDirectory, createScimUsers, expectScimError, memberState, oktaUser, patchOp, scim, type TestDirectory } from './support.js'

const OLIVE = 'olive@acme.test'
const OSCAR = 'oscar@acme.test'

let ctx: TestContext
let dir: TestDirectory
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
  await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
  await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify', { skipDnsCheck: true })
  await addOwner(OLIVE)
})
afterEach(() => ctx.close())

async function addOwner(email: string) {
  const r = await operator(ctx, 'POST', '/organizations/acme/members', { email, role: 'owner', password: MEMBER_PASSWORD })
  expect(r.status, JSON.stringify(r.json)).toBe(201)
}
const setActive = (id: string, active: boolean) => scim(ctx, dir, 'PATCH', `/Users/${id}`, { body: patchOp({ op: 'replace', value: { active } }) })
const deactivated = async (email: string) => (await memberState(ctx, 'acme', email))!.deactivated

describe('the last active owner', () => {
  it('is not deactivated by PATCH; the same PATCH works once another owner is active', async () => {
    const [olive] = (await createScimUsers(ctx, dir, [OLIVE])) as [string]
    expectScimError(await setActive(olive, false), 400, 'mutability')
    expect(await deactivated(OLIVE)).toBe(false)
    expect((await scim(ctx, dir, 'GET', `/Users/${olive}`)).json.active).toBe(true)

    await addOwner(OSCAR)
    expect((await setActive(olive, false)).status).toBe(200)
    expect(await deactivated(OLIVE)).toBe(true)
  })

  it('is not linked as inactive by a first sync (POST active: false); accepted once another owner is active', async () => {
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(OLIVE, { active: false }) }), 400, 'mutability')
    expect(await deactivated(OLIVE)).toBe(false)
    expect((await scim(ctx, dir, 'GET', '/Users')).json.totalResults).toBe(0)

    await addOwner(OSCAR)
    expect((await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(OLIVE, { active: false }) })).status).toBe(201)
    expect(await deactivated(OLIVE)).toBe(true)
  })

  it('is not removed while the only other owner is deactivated; removed once that owner is active again', async () => {
    await addOwner(OSCAR)
    const [olive, oscar] = (await createScimUsers(ctx, dir, [OLIVE, OSCAR])) as [string, string]
    expect((await setActive(olive, false)).status).toBe(200)
    // Oscar is now the only owner who can sign in: neither deactivated nor removed.
    expectScimError(await setActive(oscar, false), 400, 'mutability')
    expectScimError(await scim(ctx, dir, 'DELETE', `/Users/${oscar}`), 400, 'mutability')
    expect(await memberState(ctx, 'acme', OSCAR)).toMatchObject({ role: 'owner', deactivated: false })

    expect((await setActive(olive, true)).status).toBe(200)
    expect((await scim(ctx, dir, 'DELETE', `/Users/${oscar}`)).status).toBe(204)
    expect(await memberState(ctx, 'acme', OSCAR)).toBeUndefined()
  })
})
