/** Every migration, in order. A static list works the same from src/ (tests) and dist/ (start). */
import type { Migration } from 'kysely'
import * as createAccounts from './2026_11_23_1800_create_accounts.js'

export const migrations: Record<string, Migration> = {
  '2026_11_23_1800_create_accounts': createAccounts,
}
