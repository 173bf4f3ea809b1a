/**
 * The api_tokens table on each dialect: a name is unique per member (DuplicateKeyError), counts
 * come back as numbers (PostgreSQL's bigint is a string), a delete touches only the member's own
 * token, and deleting the org or the user takes the tokens with it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DuplicateKeyError } from '../../src/core/ports.js'
import { newId } from '../../src/core/secret-token.js'
import type { ApiToken } from '../../src/core/types.js'
import { DIALECTS, openTestStore, org, T0, user, type TestStore } from './dialects.js'

for (const dialect of DIALECTS) {
  describe(`api tokens on ${dialect}`, () => {
    let t: TestStore
    const acme = org('acme')
    const globex = org('globex')
    const max = user('max@acme.test')
    const mia = user('mia@acme.test')
    const token = (over: Partial<ApiToken> = {}): ApiToken & { tokenHash: string } => ({
      id: newId(),
      userId: max.id,
      orgId: acme.id,
      name: 'ci',
      createdAt: T0,
      expiresAt: null,
      lastUsedAt: null,
      tokenHash: newId(),
      ...over,
    })

    beforeEach(async () => {
      t = await openTestStore(dialect)
      for (const o of [acme, globex]) await t.store.orgs.insert(o)
      for (const u of [max, mia]) await t.store.users.insert(u)
    })
    afterEach(() => t.close())

    it('finds a token by its hash, without the hash in the answer', async () => {
      const row = token({ expiresAt: '2026-12-23T12:00:00.000Z' })
      await t.store.apiTokens.insert(row)
      const { tokenHash, ...stored } = row
      expect(await t.store.apiTokens.findByHash(tokenHash)).toEqual(stored)
      expect(await t.store.apiTokens.findByHash('no-such-hash')).toBeUndefined()
    })

    it('refuses a second token of the same name for the same member, but not for another member or org', async () => {
      await t.store.apiTokens.insert(token())
      await expect(t.store.apiTokens.insert(token())).rejects.toBeInstanceOf(DuplicateKeyError)
      await t.store.apiTokens.insert(token({ userId: mia.id }))
      await t.store.apiTokens.insert(token({ orgId: globex.id }))
      expect(await t.store.apiTokens.countByMember(max.id, acme.id)).toBe(1)
    })

    it("counts, lists and deletes only the member's own tokens", async () => {
      const mine = token({ name: 'mine' })
      const hers = token({ name: 'hers', userId: mia.id })
      await t.store.apiTokens.insert(mine)
      await t.store.apiTokens.insert(hers)
      expect(await t.store.apiTokens.countByMember(max.id, acme.id)).toBe(1)
      expect((await t.store.apiTokens.listByMember(max.id, acme.id)).map((x) => x.name)).toEqual(['mine'])
      expect(await t.store.apiTokens.delete(max.id, acme.id, hers.id)).toBeUndefined()
      expect(await t.store.apiTokens.delete(max.id, globex.id, mine.id)).toBeUndefined()
      expect((await t.store.apiTokens.delete(max.id, acme.id, mine.id))?.name).toBe('mine')
      expect(await t.store.apiTokens.findByHash(hers.tokenHash)).toBeDefined()
    })

    it('records lastUsedAt', async () => {
      const row = token()
      await t.store.apiTokens.insert(row)
      await t.store.apiTokens.touch(row.id, '2026-11-23T12:05:00.000Z')
      expect((await t.store.apiTokens.findByHash(row.tokenHash))?.lastUsedAt).toBe('2026-11-23T12:05:00.000Z')
    })

    it('loses the tokens of a deleted org, and of a removed member on request', async () => {
      await t.store.apiTokens.insert(token({ name: 'a' }))
      await t.store.apiTokens.insert(token({ name: 'b' }))
      await t.store.apiTokens.insert(token({ orgId: globex.id }))
      expect(await t.store.apiTokens.deleteByMember(max.id, acme.id)).toBe(2)
      expect(await t.store.apiTokens.countByMember(max.id, acme.id)).toBe(0)
      await t.store.orgs.delete(globex.id)
      expect(await t.store.apiTokens.countByMember(max.id, globex.id)).toBe(0)
    })
  })
}
