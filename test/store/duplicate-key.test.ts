import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DuplicateKeyError, type Stores } from '../../src/core/ports.js'
import { newId } from '../../src/core/secret-token.js'
import { DIALECTS, openTestStore, org, T0, user, type TestStore } from './dialects.js'

const EXPIRES = '2026-11-30T12:00:00.000Z'

interface Fixture {
  readonly acme: ReturnType<typeof org>
  readonly globex: ReturnType<typeof org>
  readonly max: ReturnType<typeof user>
  readonly memberId: string
}

async function fixture(store: Stores): Promise<Fixture> {
  const acme = org('acme')
  const globex = org('globex')
  const max = user('Max@Acme.test')
  await store.orgs.insert(acme)
  await store.orgs.insert(globex)
  await store.users.insert(max)
  await store.workspaces.insert({ id: newId(), orgId: acme.id, name: 'Production', slug: 'prod', createdAt: T0 })
  await store.workspaces.insert({ id: newId(), orgId: acme.id, name: 'Staging', slug: 'staging', createdAt: T0 })
  const memberId = newId()
  await store.members.insert({ id: memberId, orgId: acme.id, userId: max.id, role: 'owner', allowWithoutSso: false, createdAt: T0 })
  await store.invitations.insert({
    id: newId(),
    orgId: acme.id,
    email: 'invited@acme.test',
    role: 'member',
    workspaceRoles: {},
    createdAt: T0,
    expiresAt: EXPIRES,
    tokenHash: 'hash-1',
    invitedBy: null,
  })
  return { acme, globex, max, memberId }
}

/** Each write hits a unique key (or primary key) that the fixture already holds. */
const DUPLICATES: [string, (s: Stores, f: Fixture) => Promise<unknown>][] = [
  ['an org slug taken by another org', (s) => s.orgs.insert(org('acme'))],
  ['an org id (primary key) already used', (s, f) => s.orgs.insert({ ...org('brand-new'), id: f.acme.id })],
  ['an org renamed to a slug another org has', (s, f) => s.orgs.update(f.globex.id, { slug: 'acme' }, T0)],
  ['a user email in another case', (s) => s.users.insert(user('MAX@ACME.TEST'))],
  ['a user email with surrounding spaces', (s) => s.users.insert(user('  max@acme.test '))],
  ['a user id already used', (s, f) => s.users.insert({ ...user('other@acme.test'), id: f.max.id })],
  [
    'a second membership of the same user in the same org',
    (s, f) => s.members.insert({ id: newId(), orgId: f.acme.id, userId: f.max.id, role: 'member', allowWithoutSso: false, createdAt: T0 }),
  ],
  [
    'a member id already used',
    (s, f) => s.members.insert({ id: f.memberId, orgId: f.globex.id, userId: f.max.id, role: 'member', allowWithoutSso: false, createdAt: T0 }),
  ],
  ['a workspace slug the org has', (s, f) => s.workspaces.insert({ id: newId(), orgId: f.acme.id, name: 'Again', slug: 'prod', createdAt: T0 })],
  [
    'a workspace renamed to a slug the org has',
    async (s, f) => {
      const staging = await s.workspaces.findBySlug(f.acme.id, 'staging')
      return s.workspaces.update(staging!.id, { slug: 'prod' })
    },
  ],
  [
    'an invitation with a token hash in use',
    (s, f) =>
      s.invitations.insert({
        id: newId(),
        orgId: f.globex.id,
        email: 'someone@globex.test',
        role: 'member',
        workspaceRoles: {},
        createdAt: T0,
        expiresAt: EXPIRES,
        tokenHash: 'hash-1',
        invitedBy: null,
      }),
  ],
  [
    'a second invitation for the same email (another case) in the same org',
    (s, f) =>
      s.invitations.insert({
        id: newId(),
        orgId: f.acme.id,
        email: 'INVITED@acme.test',
        role: 'admin',
        workspaceRoles: {},
        createdAt: T0,
        expiresAt: EXPIRES,
        tokenHash: 'hash-2',
        invitedBy: null,
      }),
  ],
]

for (const dialect of DIALECTS) {
  describe(`unique keys on ${dialect}`, () => {
    let t: TestStore
    let f: Fixture
    beforeEach(async () => {
      t = await openTestStore(dialect)
      f = await fixture(t.store)
    })
    afterEach(() => t?.close())

    for (const [what, write] of DUPLICATES) {
      it(`throws DuplicateKeyError for ${what}`, async () => {
        await expect(write(t.store, f)).rejects.toBeInstanceOf(DuplicateKeyError)
      })

      it(`throws DuplicateKeyError inside a transaction for ${what}, and rolls the transaction back`, async () => {
        const marker = org('written-before-the-conflict')
        await expect(
          t.store.transaction(async (tx) => {
            await tx.orgs.insert(marker)
            await write(tx, f)
          }),
        ).rejects.toBeInstanceOf(DuplicateKeyError)
        expect(await t.store.orgs.findBySlug(marker.slug)).toBeUndefined()
      })
    }

    it('accepts the same workspace slug in another org and the same user in another org', async () => {
      await t.store.workspaces.insert({ id: newId(), orgId: f.globex.id, name: 'Production', slug: 'prod', createdAt: T0 })
      await t.store.members.insert({ id: newId(), orgId: f.globex.id, userId: f.max.id, role: 'member', allowWithoutSso: false, createdAt: T0 })
      expect((await t.store.members.listMemberships(f.max.id)).map((m) => m.org.slug).sort()).toEqual(['acme', 'globex'])
    })

    it('does not call other constraint failures a duplicate: a member of an org that does not exist', async () => {
      const error = await t.store.members
        .insert({ id: newId(), orgId: 'no-such-org', userId: f.max.id, role: 'member', allowWithoutSso: false, createdAt: T0 })
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(error).toBeInstanceOf(Error)
      expect(error).not.toBeInstanceOf(DuplicateKeyError)
    })

    it('keeps the first row after a refused duplicate', async () => {
      await expect(t.store.users.insert({ ...user('MAX@acme.test'), firstName: 'Impostor' })).rejects.toBeInstanceOf(DuplicateKeyError)
      const found = await t.store.users.findByEmail('max@acme.test')
      expect(found).toMatchObject({ id: f.max.id, email: 'Max@Acme.test', firstName: 'First' })
    })
  })
}
