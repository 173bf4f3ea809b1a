/**
 * A query on the ACS's hot path, built and compiled by Kysely once per dialect and then run as SQL
 * text with fresh parameters. Building and compiling the operation tree cost more CPU than SQLite
 * spent running the ACS's small indexed statements; the SQL is the same either way.
 *
 * The query is written with the ordinary builder, with `slot('name')` where a value goes. A slot is a
 * sentinel value that Kysely turns into a parameter like any other value; after compiling, each
 * parameter is mapped back to its slot (or kept, when the builder put a constant there), so values
 * are always bound, never spliced into the SQL. Compiling refuses a query whose SQL shows a slot (a
 * value Kysely inlined) or that lost one.
 *
 * @example
 * const findUser = preparedQuery((db, slot: (name: 'id') => string) => db.selectFrom('users').selectAll().where('id', '=', slot('id')))
 * const { rows } = await findUser(db, { id })
 */
import { CompiledQuery, type Compilable, type QueryResult } from 'kysely'
import type { Db } from './database.js'

const SENTINEL = '\u0000gatehouse-slot:'

type Parameter = { readonly slot: string } | { readonly value: unknown }

interface Compiled {
  readonly sql: string
  readonly parameters: readonly Parameter[]
}

/** The values of the slots: text, numbers or null (a slot is typed as text for the builder). */
export type PreparedQuery<Name extends string, Row> = (db: Db, values: Readonly<Record<Name, string | number | null>>) => Promise<QueryResult<Row>>

export function preparedQuery<Name extends string, Row>(build: (db: Db, slot: (name: Name) => string) => Compilable<Row>): PreparedQuery<Name, Row> {
  // Per dialect: a transaction shares its database's adapter, so it finds the same compiled query.
  const byAdapter = new WeakMap<object, Compiled>()
  const compile = (db: Db): Compiled => {
    const names = new Set<string>()
    const slot = (name: Name): string => {
      names.add(name)
      return `${SENTINEL}${name}`
    }
    const compiled = build(db, slot).compile()
    if (compiled.sql.includes(SENTINEL)) throw new Error(`prepared query: a slot was written into the SQL, not bound: ${compiled.sql}`)
    const parameters = compiled.parameters.map((p): Parameter =>
      typeof p === 'string' && p.startsWith(SENTINEL) ? { slot: p.slice(SENTINEL.length) } : { value: p },
    )
    for (const name of names) {
      if (!parameters.some((p) => 'slot' in p && p.slot === name)) throw new Error(`prepared query: slot ${name} is not a parameter of ${compiled.sql}`)
    }
    return { sql: compiled.sql, parameters }
  }
  return async (db, values) => {
    const adapter = db.getExecutor().adapter
    let compiled = byAdapter.get(adapter)
    if (compiled === undefined) {
      compiled = compile(db)
      byAdapter.set(adapter, compiled)
    }
    const parameters = compiled.parameters.map((p) => {
      if (!('slot' in p)) return p.value
      const value = values[p.slot as Name]
      if (value === undefined) throw new Error(`prepared query: no value for ${p.slot}`)
      return value
    })
    return db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters))
  }
}
