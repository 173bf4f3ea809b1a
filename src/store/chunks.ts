/** Ids per statement: far below SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500

/** `items` in slices of at most CHUNK, for `where … in (…)` and multi-row inserts. */
export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}
