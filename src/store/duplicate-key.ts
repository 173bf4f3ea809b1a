import { DuplicateKeyError } from '../core/ports.js'

/** SQLite and PostgreSQL report a unique violation differently; core sees one error. */
export async function translateDuplicate<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new DuplicateKeyError((error as Error).message)
    }
    throw error
  }
}
