import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS, openTestStore, type TestStore } from './dialects.js'

const W1 = '2026-11-23T12:00:00.000Z'
const W2 = '2026-11-23T12:15:00.000Z'

for (const dialect of DIALECTS) {
  describe(`rate limits on ${dialect}`, () => {
    let t: TestStore
    beforeEach(async () => {
      t = await openTestStore(dialect)
    })
    afterEach(() => t?.close())

    it('counts hits in one window: 1, 2, 3', async () => {
      expect(await t.store.rateLimits.hit('k', W1)).toBe(1)
      expect(await t.store.rateLimits.hit('k', W1)).toBe(2)
      expect(await t.store.rateLimits.hit('k', W1)).toBe(3)
      expect(await t.store.rateLimits.peek('k', W1)).toBe(3)
    })

    it('counts exactly 50 for 50 concurrent hits on a new key', async () => {
      const counts = await Promise.all(Array.from({ length: 50 }, () => t.store.rateLimits.hit('password:account:max@acme.test', W1)))
      expect(await t.store.rateLimits.peek('password:account:max@acme.test', W1)).toBe(50)
      // Every hit saw its own count: no two read the same value.
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    })

    it('counts exactly 50 for 50 concurrent hits on a key that already has a count', async () => {
      await t.store.rateLimits.hit('k', W1)
      await Promise.all(Array.from({ length: 50 }, () => t.store.rateLimits.hit('k', W1)))
      expect(await t.store.rateLimits.peek('k', W1)).toBe(51)
    })

    it('counts concurrent hits on different keys apart', async () => {
      await Promise.all(Array.from({ length: 40 }, (_, i) => t.store.rateLimits.hit(i % 2 === 0 ? 'even' : 'odd', W1)))
      expect(await t.store.rateLimits.peek('even', W1)).toBe(20)
      expect(await t.store.rateLimits.peek('odd', W1)).toBe(20)
      expect(await t.store.rateLimits.peek('other', W1)).toBe(0)
    })

    it('starts again at 1 in a new window, and the old window reads 0', async () => {
      for (let i = 0; i < 5; i++) await t.store.rateLimits.hit('k', W1)
      expect(await t.store.rateLimits.hit('k', W2)).toBe(1)
      expect(await t.store.rateLimits.peek('k', W2)).toBe(1)
      expect(await t.store.rateLimits.peek('k', W1)).toBe(0)
      expect(await t.store.rateLimits.hit('k', W2)).toBe(2)
    })

    it('counts exactly 50 for 50 concurrent hits at the start of a new window', async () => {
      for (let i = 0; i < 7; i++) await t.store.rateLimits.hit('k', W1)
      await Promise.all(Array.from({ length: 50 }, () => t.store.rateLimits.hit('k', W2)))
      expect(await t.store.rateLimits.peek('k', W2)).toBe(50)
    })

    it('forgets a key on reset, and only that key', async () => {
      await t.store.rateLimits.hit('a', W1)
      await t.store.rateLimits.hit('a', W1)
      await t.store.rateLimits.hit('b', W1)
      await t.store.rateLimits.reset('a')
      expect(await t.store.rateLimits.peek('a', W1)).toBe(0)
      expect(await t.store.rateLimits.peek('b', W1)).toBe(1)
      expect(await t.store.rateLimits.hit('a', W1)).toBe(1)
    })

    it('returns the count as a number on every dialect', async () => {
      const n = await t.store.rateLimits.hit('k', W1)
      expect(typeof n).toBe('number')
      expect(typeof (await t.store.rateLimits.peek('k', W1))).toBe('number')
    })
  })
}
