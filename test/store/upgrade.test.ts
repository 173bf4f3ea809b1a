/**
 * Upgrades (docs/deploy.md): a database made by the oldest migration set alone (the first entry of
 * src/store/migrations/index.ts), with data in that schema, is migrated to today's at start, once,
 * forward only; the data is intact and the owner signs in. SQLite and PostgreSQL (the CI pass).
 */
import { Kysely, Migrator, PostgresAdapter, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { createPasswordHasher } from '../../src/core/password-hasher.js'
import { migrateToLatest, openDatabase } from '../../src/store/database.js'
import { migrations } from '../../src/store/migrations/index.js'
import { freshDatabase, type TestDatabase } from '../helpers/database.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'

const OLDEST = Object.keys(migrations)[0]!
const PASSWORD = 'correct horse battery staple'
const T = '2026-11-23T10:00:00.000Z'

let database: TestDatabase | undefined
let ctx: TestContext | undefined
afterEach(async () => {
  await ctx?.close()
  await database?.drop()
  ctx = undefined
  database = undefined
})

/** Only the oldest migration, as the first release made the database. */
async function oldestDatabase(db: TestDatabase): Promise<void> {
  const kysely = openDatabase(db.config, db.searchPath === undefined ? {} : { searchPath: db.searchPath }) as unknown as Kysely<any>
  try {
    const schema =
      kysely.getExecutor().adapter instanceof PostgresAdapter
        ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(kysely)).rows[0]?.schema
        : undefined
    const migrator = new Migrator({
      db: kysely,
      provider: { getMigrations: async () => ({ [OLDEST]: migrations[OLDEST]! }) },
      ...(schema == null ? {} : { migrationTableSchema: schema }),
    })
    const { error, results } = await migrator.migrateToLatest()
    expect(error).toBeUndefined()
    expect(results?.map((r) => r.migrationName)).toEqual([OLDEST])

    const passwordHash = await createPasswordHasher({ memoryCost: 1024, timeCost: 1 }).hash(PASSWORD)
    await kysely.transaction().execute(async (trx) => {
      await trx.insertInto('organizations').values({ id: 'org-1', name: 'Acme Corporation', slug: 'acme', created_at: T, updated_at: T }).execute()
      await trx.insertInto('workspaces').values({ id: 'ws-1', org_id: 'org-1', name: 'Production', slug: 'prod', created_at: T }).execute()
      await trx
        .insertInto('users')
        .values({
          id: 'user-1',
          email: 'Olivia@acme.test',
          email_normalized: 'olivia@acme.test',
          first_name: 'Olivia',
          last_name: 'Owner',
          password_hash: passwordHash,
          created_at: T,
          updated_at: T,
        })
        .execute()
      await trx
        .insertInto('members')
        .values({ id: 'member-1', org_id: 'org-1', user_id: 'user-1', role: 'owner', allow_without_sso: 0, created_at: T, updated_at: T })
        .execute()
      await trx.insertInto('member_workspace_roles').values({ member_id: 'member-1', workspace_id: 'ws-1', role: 'developer' }).execute()
    })
  } finally {
    await kysely.destroy()
  }
}

describe('upgrading a database made by the oldest migration set', () => {
  it('migrates it to today at start, keeps its data, and the owner signs in', async () => {
    expect(Object.keys(migrations).length).toBeGreaterThan(1)
    database = await freshDatabase({ shared: true })
    await oldestDatabase(database)

    ctx = await createTestContext({ database })
    const applied = (await ctx.runtime.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute()) as unknown as { name: string }[]
    expect(applied.map((r) => r.name).sort()).toEqual(Object.keys(migrations).sort()) // each once
    expect(await migrateToLatest(ctx.runtime.db)).toEqual([]) // a second start applies nothing

    const signIn = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      payload: { email: 'olivia@acme.test', password: PASSWORD, org: 'acme' },
    })
    expect(signIn.statusCode).toBe(200)
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${signIn.json().token}` } })
    expect(me.json()).toMatchObject({
      email: 'Olivia@acme.test',
      firstName: 'Olivia',
      org: 'acme',
      orgRole: 'owner',
      workspaceRoles: { prod: 'developer' },
      authMethod: 'password',
    })
    const org = await ctx.deps.store.orgs.findBySlug('acme')
    expect(org?.name).toBe('Acme Corporation')
  })

  it('refuses a wrong password on the upgraded database as on a new one', async () => {
    database = await freshDatabase({ shared: true })
    await oldestDatabase(database)
    ctx = await createTestContext({ database })
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      payload: { email: 'olivia@acme.test', password: 'not the password', org: 'acme' },
    })
    expect(res.statusCode).toBe(401)
  })
})
