/**
 * Prepared queries (store/prepared-query.ts): compiled once per dialect, run with fresh values that
 * are always bound as parameters; inside a transaction they run on its connection.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { preparedQuery } from '../../src/store/prepared-query.js'
import { DIALECTS, openTestStore, user, type TestStore } from './dialects.js'

const byEmail = preparedQuery((db, slot: (name: 'email') => string) =>
  db.selectFrom('users').select(['id', 'email']).where('email', '=', slot('email')).where('first_name', '!=', 'nobody'),
)
const rename = preparedQuery((db, slot: (name: 'id' | 'name') => string) =>
  db
    .updateTable('users')
    .set({ first_name: slot('name'), last_name: slot('name') })
    .where('id', '=', slot('id')),
)

for (const dialect of DIALECTS) {
  describe(`prepared queries on ${dialect}`, () => {
    let t: TestStore
    beforeEach(async () => {
      t = await openTestStore(dialect)
    })
    afterEach(() => t?.close())

    it("runs with each call's values, constants kept, the same slot bound wherever it appears", async () => {
      const a = user('a@acme.test')
      const b = user('b@acme.test')
      await t.store.users.insert(a)
      await t.store.users.insert(b)
      expect((await byEmail(t.db, { email: 'a@acme.test' })).rows).toEqual([{ id: a.id, email: 'a@acme.test' }])
      expect((await byEmail(t.db, { email: 'b@acme.test' })).rows).toEqual([{ id: b.id, email: 'b@acme.test' }])
      expect((await byEmail(t.db, { email: "x' or '1'='1" })).rows).toEqual([])
      const result = await rename(t.db, { id: b.id, name: 'Bea' })
      expect(result.numAffectedRows).toBe(1n)
      expect(await t.store.users.findById(b.id)).toMatchObject({ firstName: 'Bea', lastName: 'Bea' })
      expect(await t.store.users.findById(a.id)).toMatchObject({ firstName: a.firstName })
    })

    it('runs inside a transaction on its connection, rolled back with it', async () => {
      const a = user('a@acme.test')
      await t.store.users.insert(a)
      await expect(
        t.db.transaction().execute(async (tx) => {
          await rename(tx, { id: a.id, name: 'Changed' })
          expect((await tx.selectFrom('users').select('first_name').where('id', '=', a.id).executeTakeFirstOrThrow()).first_name).toBe('Changed')
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      expect((await t.store.users.findById(a.id))?.firstName).toBe(a.firstName)
    })

    it('refuses a missing value, and a query whose slot is not a parameter', async () => {
      await expect(byEmail(t.db, {} as { email: string })).rejects.toThrow(/no value for email/)
      const lost = preparedQuery((db, slot: (name: 'id') => string) => (slot('id'), db.selectFrom('users').select('id')))
      await expect(lost(t.db, { id: 'x' })).rejects.toThrow(/slot id is not a parameter/)
    })
  })
}
