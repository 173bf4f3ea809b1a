/**
 * The hardened front of scim2-parse-filter (RFC 7644 §3.4.2.2 grammar), shared by the list filter and
 * PATCH value-filter paths. The library parses well but trusts its input; around it:
 * - length ≤ 1000 characters and no control characters: its quoted-string pattern
 *   `"(?:[^"\\]|\\.|\n)*"` matches a newline two ways, so an unclosed quote before ~30 newlines
 *   backtracks for seconds (ReDoS);
 * - nesting of `(` and `[` ≤ 8, counted outside quotes: it recurses once per level (stack overflow);
 * - every exception it throws becomes `invalidFilter`;
 * - its AST is read by switch on known `op` values only: it looks operators up in a plain object, so
 *   `a eq "1" constructor b eq "2"` comes back as `{op: "constructor"}` instead of an error.
 */
import { parse, type Filter } from 'scim2-parse-filter'
import { ScimError } from './error.js'

export const MAX_FILTER_LENGTH = 1000
export const MAX_FILTER_NESTING = 8

export type FilterAst = Filter

/** Parses filter text into the library's AST, or throws ScimError `invalidFilter` (`code` for paths). */
export function parseFilterAst(text: string, code: 'invalidFilter' | 'invalidPath' = 'invalidFilter'): FilterAst {
  if (text.length > MAX_FILTER_LENGTH) throw new ScimError(code, `the filter is longer than ${MAX_FILTER_LENGTH} characters`)
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new ScimError(code, 'the filter contains a control character')
  if (nestingDepth(text) > MAX_FILTER_NESTING) {
    throw new ScimError(code, `the filter nests deeper than ${MAX_FILTER_NESTING} levels`)
  }
  try {
    return parse(text)
  } catch {
    throw new ScimError(code, 'the filter is not valid RFC 7644 §3.4.2.2 syntax')
  }
}

/** The deepest nesting of ( and [ outside double-quoted strings (backslash escapes inside them). */
export function nestingDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (quoted) {
      if (char === '\\') i++
      else if (char === '"') quoted = false
    } else if (char === '"') quoted = true
    else if (char === '(' || char === '[') deepest = Math.max(deepest, ++depth)
    else if (char === ')' || char === ']') depth--
  }
  return deepest
}
