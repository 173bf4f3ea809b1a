/**
 * oidc-provider's adapter contract over the database, on each dialect: upsert and find, expiry,
 * findByUid, consume (once, and kept through a re-save), destroy, revokeByGrantId across models;
 * revoking a user's grants in an org (issue 14 item 10), and the migration that made it possible.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Migrator, type Kysely } from 'kysely'
import { openDatabase, migrateToLatest } from '../../src/store/database.js'
import { createStore } from '../../src/store/index.js'
import { migrations } from '../../src/store/migrations/index.js'
import { DIALECTS, openTestStore, type TestStore } from './dialects.js'

const NOW = '2026-11-23T12:00:00.000Z'
const LATER = '2026-11-23T13:00:00.000Z'
const row = (model: string, id: string, extra: Partial<{ grantId: string; uid: string; userCode: string; expiresAt: string }> = {}) => ({
  model,
  id,
  payload: { jti: id, kind: model, ...(extra.uid === undefined ? {} : { uid: extra.uid }) },
  grantId: extra.grantId,
  uid: extra.uid,
  userCode: extra.userCode,
  expiresAt: extra.expiresAt,
})

for (const dialect of DIALECTS) {
  describe(`OIDC provider state on ${dialect}`, () => {
    let t: TestStore
    beforeEach(async () => {
      t = await openTestStore(dialect)
    })
    afterEach(() => t?.close())

    it('finds a live row and not an expired one', async () => {
      await t.store.oidcPayloads.upsert(row('AccessToken', 'at1', { grantId: 'g1', expiresAt: '2026-11-23T12:30:00.000Z' }))
      expect((await t.store.oidcPayloads.find('AccessToken', 'at1', NOW))?.payload).toEqual({ jti: 'at1', kind: 'AccessToken' })
      expect(await t.store.oidcPayloads.find('AccessToken', 'at1', LATER)).toBeUndefined()
      expect(await t.store.oidcPayloads.find('RefreshToken', 'at1', NOW)).toBeUndefined()
    })

    it('finds a session by uid and a device code by user code', async () => {
      await t.store.oidcPayloads.upsert(row('Session', 's1', { uid: 'u-1' }))
      await t.store.oidcPayloads.upsert(row('DeviceCode', 'd1', { userCode: 'ABCD-EFGH' }))
      expect((await t.store.oidcPayloads.findByUid('Session', 'u-1', NOW))?.payload.jti).toBe('s1')
      expect((await t.store.oidcPayloads.findByUserCode('DeviceCode', 'ABCD-EFGH', NOW))?.payload.jti).toBe('d1')
      expect(await t.store.oidcPayloads.findByUid('Session', 'u-2', NOW)).toBeUndefined()
    })

    it('marks a code consumed, and a re-save does not clear it', async () => {
      await t.store.oidcPayloads.upsert(row('AuthorizationCode', 'c1', { grantId: 'g1' }))
      expect((await t.store.oidcPayloads.find('AuthorizationCode', 'c1', NOW))?.consumedAt).toBeUndefined()
      await t.store.oidcPayloads.consume('AuthorizationCode', 'c1', NOW)
      expect((await t.store.oidcPayloads.find('AuthorizationCode', 'c1', NOW))?.consumedAt).toBe(NOW)
      await t.store.oidcPayloads.upsert(row('AuthorizationCode', 'c1', { grantId: 'g1' }))
      expect((await t.store.oidcPayloads.find('AuthorizationCode', 'c1', NOW))?.consumedAt).toBe(NOW)
    })

    it("revokes every row of a grant, whatever its model, and no other grant's", async () => {
      for (const [model, id, grantId] of [
        ['AccessToken', 'a', 'g1'],
        ['RefreshToken', 'r', 'g1'],
        ['OrgLogin', 'g1', 'g1'],
        ['AccessToken', 'b', 'g2'],
      ] as const) {
        await t.store.oidcPayloads.upsert(row(model, id, { grantId }))
      }
      await t.store.oidcPayloads.revokeByGrantId('g1')
      expect(await t.store.oidcPayloads.find('AccessToken', 'a', NOW)).toBeUndefined()
      expect(await t.store.oidcPayloads.find('RefreshToken', 'r', NOW)).toBeUndefined()
      expect(await t.store.oidcPayloads.find('OrgLogin', 'g1', NOW)).toBeUndefined()
      expect(await t.store.oidcPayloads.find('AccessToken', 'b', NOW)).toBeDefined()
    })

    it('destroys one row and sweeps expired ones', async () => {
      await t.store.oidcPayloads.upsert(row('Interaction', 'i1', { expiresAt: '2026-11-23T12:10:00.000Z' }))
      await t.store.oidcPayloads.upsert(row('Interaction', 'i2', { expiresAt: '2026-11-23T14:00:00.000Z' }))
      await t.store.oidcPayloads.upsert(row('Grant', 'g9'))
      await t.store.oidcPayloads.destroy('Grant', 'g9')
      expect(await t.store.oidcPayloads.find('Grant', 'g9', NOW)).toBeUndefined()
      await t.store.oidcPayloads.deleteExpired(LATER)
      const count = await t.db
        .selectFrom('oidc_payloads')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(count.n)).toBe(1)
    })

    describe("revoking a user's grants in an org (issue 14 item 10)", () => {
      const login = async (grantId: string, userId: string, orgId: string) => {
        await t.store.oidcPayloads.upsert({ ...row('OrgLogin', grantId, { grantId }), payload: { userId, orgId }, accountId: userId, orgId })
        await t.store.oidcPayloads.upsert(row('Grant', grantId))
        await t.store.oidcPayloads.upsert(row('RefreshToken', `rt-${grantId}`, { grantId }))
      }

      it("deletes that user's grants in that org with their tokens, and keeps the other user's and the other org's", async () => {
        await login('g1', 'alice', 'acme')
        await login('g2', 'alice', 'acme')
        await login('g3', 'alice', 'other')
        await login('g4', 'bob', 'acme')
        await t.store.oidcPayloads.revokeOrgLogins('alice', 'acme', NOW)
        for (const id of ['g1', 'g2']) {
          expect(await t.store.oidcPayloads.find('Grant', id, NOW)).toBeUndefined()
          expect(await t.store.oidcPayloads.find('RefreshToken', `rt-${id}`, NOW)).toBeUndefined()
          expect(await t.store.oidcPayloads.find('OrgLogin', id, NOW)).toBeUndefined()
        }
        for (const id of ['g3', 'g4']) {
          expect(await t.store.oidcPayloads.find('Grant', id, NOW)).toBeDefined()
          expect(await t.store.oidcPayloads.find('RefreshToken', `rt-${id}`, NOW)).toBeDefined()
        }
        expect((await t.store.oidcPayloads.listOrgLogins('acme')).map((l) => l.grantId)).toEqual(['g4'])
        expect((await t.store.oidcPayloads.listOrgLogins('other', 'alice')).map((l) => l.grantId)).toEqual(['g3'])
        expect(await t.store.oidcPayloads.listOrgLogins('other', 'bob')).toEqual([])
      })

      it('records the revocation instant, keeping the later of two', async () => {
        expect(await t.store.oidcPayloads.findRevocation('alice', 'acme')).toBeUndefined()
        await t.store.oidcPayloads.revokeOrgLogins('alice', 'acme', LATER)
        await t.store.oidcPayloads.revokeOrgLogins('alice', 'acme', NOW)
        expect(await t.store.oidcPayloads.findRevocation('alice', 'acme')).toBe(LATER)
        expect(await t.store.oidcPayloads.findRevocation('alice', 'other')).toBeUndefined()
        const later = '2026-11-23T14:00:00.000Z'
        await t.store.oidcPayloads.revokeOrgLogins('alice', 'acme', later)
        expect(await t.store.oidcPayloads.findRevocation('alice', 'acme')).toBe(later)
      })
    })
  })
}

describe('the 2026_12_06_1100_oidc_revocation migration', () => {
  it('fills in the user and org of OrgLogin rows made before it, so a removal finds and deletes them', async () => {
    const db = openDatabase({ dialect: 'sqlite', path: ':memory:' })
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '2026_12_06_1100'))
      const { error } = await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest()
      expect(error).toBeUndefined()
      const old = (id: string, payload: unknown) => ({
        model: 'OrgLogin',
        id,
        payload: JSON.stringify(payload),
        grant_id: id,
        uid: null,
        user_code: null,
        expires_at: null,
        consumed_at: null,
      })
      await (db as Kysely<any>)
        .insertInto('oidc_payloads')
        .values([old('g1', { userId: 'alice', orgId: 'acme', authMethod: 'password', authTime: NOW }), old('g2', { note: 'not an OrgLogin payload' })])
        .execute()
      // Later migrations run too; this one first.
      expect((await migrateToLatest(db))[0]).toBe('2026_12_06_1100_oidc_revocation')
      const rows = await db.selectFrom('oidc_payloads').select(['id', 'account_id', 'org_id']).orderBy('id').execute()
      expect(rows).toEqual([
        { id: 'g1', account_id: 'alice', org_id: 'acme' },
        { id: 'g2', account_id: null, org_id: null },
      ])
      const store = createStore(db)
      expect((await store.oidcPayloads.listOrgLogins('acme', 'alice')).map((r) => r.grantId)).toEqual(['g1'])
      await store.oidcPayloads.revokeOrgLogins('alice', 'acme', LATER)
      expect(await store.oidcPayloads.find('OrgLogin', 'g1', NOW)).toBeUndefined()
    } finally {
      await db.destroy()
    }
  })
})
