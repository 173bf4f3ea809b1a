/**
 * The owner's switch and the directory's `active` (DESIGN §8: only the directory or the owner can
 * bring a member back): the directory acts on `active` when it changes it, so an update that leaves it
 * as it was — a rename — neither undoes an owner's deactivation nor switches off a member the owner
 * reactivated; a real change of `active` by the directory still wins.
 */
import { afterEach, beforeEach, expect, it } from 'vitest'
import { setMemberActive } from '../../src/core/member-status.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createDirectory, memberState, oktaUser, PATCH_OP, scim, type TestDirectory } from './support.js'

const BOB = 'bob@acme.test'
let ctx: TestContext
let dir: TestDirectory
let scimId: string

beforeEach(async () => {
  ctx = await createTestContext()
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
  dir = await createDirectory(ctx, 'acme')
  const created = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser(BOB) })
  expect(created.status, JSON.stringify(created.json)).toBe(201)
  scimId = created.json.id as string
})
afterEach(() => ctx.close())

const rename = (givenName: string) =>
  scim(ctx, dir, 'PATCH', `/Users/${scimId}`, { body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { 'name.givenName': givenName } }] } })
const setActive = (active: boolean) =>
  scim(ctx, dir, 'PATCH', `/Users/${scimId}`, { body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active } }] } })
const ownerSwitch = async (active: boolean) => setMemberActive(ctx.deps, 'acme', (await memberState(ctx, 'acme', BOB))!.id, active, { kind: 'operator' })

it("a rename by the directory leaves the owner's deactivation in place; the directory's own false → true reactivates", async () => {
  await ownerSwitch(false)
  expect((await rename('Robert')).status).toBe(200)
  expect(await memberState(ctx, 'acme', BOB)).toMatchObject({ firstName: 'Robert', deactivated: true })
  // The directory switching the member off and on again is a real change: it brings them back.
  expect((await setActive(false)).status).toBe(200)
  expect((await setActive(true)).status).toBe(200)
  expect((await memberState(ctx, 'acme', BOB))!.deactivated).toBe(false)
})

it('a rename by the directory leaves a member the owner reactivated active; the directory switching them off still works', async () => {
  expect((await setActive(false)).status).toBe(200)
  expect((await memberState(ctx, 'acme', BOB))!.deactivated).toBe(true)
  await ownerSwitch(true)
  expect((await rename('Rob')).status).toBe(200)
  expect(await memberState(ctx, 'acme', BOB)).toMatchObject({ firstName: 'Rob', deactivated: false })
  // The same PUT-style update with active changed (true → false after a true) deactivates.
  expect((await setActive(true)).status).toBe(200)
  expect((await setActive(false)).status).toBe(200)
  expect((await memberState(ctx, 'acme', BOB))!.deactivated).toBe(true)
})
