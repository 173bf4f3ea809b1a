/**
 * Repository tests run once per dialect (STYLE §5, like Kysely's `for (const dialect of DIALECTS)`):
 * SQLite in memory always, and PostgreSQL too when GATEHOUSE_TEST_DATABASE_URL names one.
 */
import { Writable } from 'node:stream'
import { fixedClock } from '../../src/core/clock.js'
import type { CoreDeps } from '../../src/core/deps.js'
import type { Store, Stores } from '../../src/core/ports.js'
import type { Organization } from '../../src/core/types.js'
import { newId } from '../../src/core/secret-token.js'
import { createLogger } from '../../src/http/logging.js'
import { createRuntime } from '../../src/runtime.js'
import type { Db } from '../../src/store/database.js'
import { cleanDatabase, cleanSqlite, DIALECT, openOptions } from '../helpers/database.js'
import { testConfig } from '../helpers/test-app.js'

export type Dialect = 'sqlite' | 'postgres'

export const DIALECTS: readonly Dialect[] = DIALECT === 'postgres' ? ['sqlite', 'postgres'] : ['sqlite']

export interface TestStore {
  readonly db: Db
  readonly store: Store
  /** Core's dependencies over this store, as the composition root wires them (fixed clock at T0). */
  readonly deps: CoreDeps
  close(): Promise<void>
}

/** A migrated, empty database of that dialect, through the same composition root the app uses. */
export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  // PostgreSQL: a clean schema. SQLite runs beside it in the PostgreSQL pass, so it asks for its own copy.
  const database = dialect === 'postgres' ? await cleanDatabase() : await cleanSqlite()
  const quiet = new Writable({
    write(_chunk, _enc, done) {
      done()
    },
  })
  const runtime = await createRuntime(
    { ...testConfig(), database: database.config },
    {
      logger: createLogger('silent', quiet),
      clock: fixedClock(T0),
      mailer: { send: async () => {} },
      ...openOptions(database),
    },
  ).catch(async (error: unknown) => {
    await database.drop()
    throw error
  })
  return {
    db: runtime.db,
    store: runtime.deps.store,
    deps: runtime.deps,
    close: async () => {
      await runtime.close()
      await database.drop()
    },
  }
}

export const T0 = '2026-11-23T12:00:00.000Z'

export function org(slug: string): Organization {
  return { id: newId(), name: `Org ${slug}`, slug, createdAt: T0 }
}

export function user(email: string) {
  return { id: newId(), email, firstName: 'First', lastName: 'Last', passwordHash: null, createdAt: T0 }
}

/** The same store, except that inside every transaction `stores.insert` throws `failure()`: a write failing midway. */
export function withFailingInsert(store: Store, stores: 'audit' | 'events', failure: () => Error): Store {
  return {
    ...store,
    transaction: (work) =>
      store.transaction((tx) => {
        const broken: Stores = {
          ...tx,
          [stores]: {
            ...tx[stores],
            insert: async () => {
              throw failure()
            },
          },
        }
        return work(broken)
      }),
  }
}
