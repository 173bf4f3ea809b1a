/**
 * application/x-www-form-urlencoded, parsed exactly as `node:querystring` parses it with
 * `maxKeys: 0` (every field; a repeated name gives an array; `+` is a space), at a fraction of its
 * cost on the ACS's one big field: each value is cut out as one slice and decoded by the engine's
 * `decodeURIComponent`, where querystring walks it character by character (docs/PERFORMANCE.md). A
 * form with a malformed %-escape anywhere (which querystring decodes leniently, with quirks of its
 * own) is handed to querystring whole. The tests compare the two on random input. `strict` (the page
 * forms) refuses such a form instead: undefined.
 */
import { parse as querystringParse } from 'node:querystring'

export type FormFields = Record<string, string | string[]>

export function parseUrlencoded(text: string, options: { strict: true }): FormFields | undefined
export function parseUrlencoded(text: string, options?: { strict?: false }): FormFields
export function parseUrlencoded(text: string, options: { strict?: boolean } = {}): FormFields | undefined {
  const fields: FormFields = Object.create(null) as FormFields
  // The next '=' at or after the field's start, found once and kept while fields without one go by
  // (-1: none left). Searching afresh from each field's start would be quadratic in a form of many
  // fields without '=' (a 3 MB form of "a&" would hold the event loop; test/http/form.test.ts counts).
  let eq = text.indexOf('=')
  let start = 0
  while (start <= text.length) {
    let end = text.indexOf('&', start)
    if (end === -1) end = text.length
    if (end > start) {
      if (eq !== -1 && eq < start) eq = text.indexOf('=', start)
      const hasValue = eq !== -1 && eq < end
      const name = decode(text.slice(start, hasValue ? eq : end))
      const value = hasValue ? decode(text.slice(eq + 1, end)) : ''
      if (name === undefined || value === undefined)
        return options.strict === true ? undefined : (querystringParse(text, '&', '=', { maxKeys: 0 }) as FormFields)
      const earlier = fields[name]
      if (earlier === undefined) fields[name] = value
      else if (Array.isArray(earlier)) earlier.push(value)
      else fields[name] = [earlier, value]
    }
    start = end + 1
  }
  return fields
}

/** The decoded text, or undefined for a malformed escape. */
function decode(raw: string): string | undefined {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    return undefined
  }
}
