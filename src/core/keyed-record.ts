/**
 * Records keyed by outside input — SAML attribute names, IdP roles, workspace slugs, claim names,
 * form and query fields. Such a key is data: `__proto__`, `constructor` or `toString` are names like
 * any other. A plain `{}` inherits those names from Object.prototype, so `o[name]` finds a function
 * for a name that was never sent, `o[name] ??= []` hands back that function (a 500), and
 * `o['__proto__'] = v` replaces the object's prototype instead of storing `v`.
 *
 * The records made here have no prototype, and lookups see own keys only, so a record that came back
 * from JSON.parse (a plain object: JSON.parse keeps `"__proto__"` as an own key) is read safely too.
 *
 * @example
 * const roles = keyedRecord<string>([['__proto__', 'editor']])
 * ownValue(roles, '__proto__') // 'editor'
 * ownValue(roles, 'toString')  // undefined
 */

/** A prototype-less record holding `entries` (a later entry for the same key wins). */
export function keyedRecord<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const record = Object.create(null) as Record<string, T>
  for (const [key, value] of entries) record[key] = value
  return record
}

/** `record[key]` when `key` is the record's own, else undefined: never an inherited member. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}
