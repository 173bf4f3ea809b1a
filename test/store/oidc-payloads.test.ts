/**
 * oidc-provider's adapter contract over the database, on each dialect: upsert and find, expiry,
 * findByUid, consume (once, and kept through a re-save), destroy, revokeByGrantId across models.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS, openTestStore, type TestStore } from './dialects.js'

const NOW = '2026-11-23T12:00:00.000Z'
const LATER = '2026-11-23T13:00:00.000Z'
const row = (model: string, id: string, extra: Partial<{ grantId: string; uid: string; userCode: string; expiresAt: string }> = {}) => ({
  model, id, payload: { jti: id, kind: model, ...(extra.uid === undefined ? {} : { uid: extra.uid }) },
  grantId: extra.grantId, uid: extra.uid, userCode: extra.userCode, expiresAt: extra.expiresAt,
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

    it('revokes every row of a grant, whatever its model, and no other grant\'s', async () => {
      for (const [model, id, grantId] of [['AccessToken', 'a', 'g1'], ['RefreshToken', 'r', 'g1'], ['OrgLogin', 'g1', 'g1'], ['AccessToken', 'b', 'g2']] as const) {
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
      const count = await t.db.selectFrom('oidc_payloads').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
      expect(Number(count.n)).toBe(1)
    })
  })
}
