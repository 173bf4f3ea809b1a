import type { UserStore } from '../core/ports.js'
import { normalizeEmail, type User } from '../core/types.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { UserTable } from './schema.js'

export const toUser = (row: Pick<UserTable, 'id' | 'email' | 'first_name' | 'last_name' | 'password_hash' | 'created_at'>): User => ({
  id: row.id,
  email: row.email,
  firstName: row.first_name,
  lastName: row.last_name,
  hasPassword: row.password_hash !== null,
  createdAt: row.created_at,
})

export function userRepository(db: Db): UserStore {
  const byEmail = (email: string) => db.selectFrom('users').selectAll().where('email_normalized', '=', normalizeEmail(email))
  return {
    insert: async (u) => {
      await translateDuplicate(
        db
          .insertInto('users')
          .values({
            id: u.id,
            email: u.email,
            email_normalized: normalizeEmail(u.email),
            first_name: u.firstName,
            last_name: u.lastName,
            password_hash: u.passwordHash,
            created_at: u.createdAt,
            updated_at: u.createdAt,
          })
          .execute(),
      )
    },
    findByEmail: async (email) => {
      const row = await byEmail(email).executeTakeFirst()
      return row && toUser(row)
    },
    findById: async (id) => {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toUser(row)
    },
    findCredentials: async (email) => {
      const row = await byEmail(email).executeTakeFirst()
      return row && { user: toUser(row), passwordHash: row.password_hash }
    },
    updateNames: async (id, firstName, lastName, now) => {
      await db.updateTable('users').set({ first_name: firstName, last_name: lastName, updated_at: now }).where('id', '=', id).execute()
    },
    setPasswordHash: async (id, passwordHash, now) => {
      await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute()
    },
  }
}
