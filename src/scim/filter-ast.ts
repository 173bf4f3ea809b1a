/**
 * The hardened front of scim2-parse-filter (RFC 7644 §3.4.2.2 grammar), shared by the list filter and
 * PATCH value-filter paths. The library parses well but trusts its input; around it:
 * - length ≤ 1000 characters and no control characters: its quoted-string pattern
 *   `"(?:[^"\\]|\\.|\n)*"` matches a newline two ways, so an unclosed quote before ~30 newlines
 *   backtracks for seconds (ReDoS);
 * - nesting of `(` and `[` ≤ 8, counted outside quotes: it recurses once per level (stack overflow);
 * - string values are read here as JSON strings (RFC 7644 §3.4.2.2 compValue) and the library sees only
 *   placeholders: it doubles backslashes, so `"a\\b"` failed and `"\u0041"` stayed six characters;
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
  const { masked, strings } = maskStrings(text, code)
  let ast: FilterAst
  try {
    ast = parse(masked)
  } catch {
    throw new ScimError(code, 'the filter is not valid RFC 7644 §3.4.2.2 syntax')
  }
  return restoreStrings(ast, strings, code)
}

/** Each double-quoted string, read as JSON, replaced by `"<index>"`. */
function maskStrings(text: string, code: 'invalidFilter' | 'invalidPath'): { masked: string; strings: string[] } {
  const strings: string[] = []
  let masked = ''
  let i = 0
  while (i < text.length) {
    const start = text.indexOf('"', i)
    if (start < 0) break
    let end = start + 1
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1
    if (end >= text.length) throw new ScimError(code, 'a string in the filter is not closed')
    let value: unknown
    try {
      value = JSON.parse(text.slice(start, end + 1))
    } catch {
      throw new ScimError(code, 'a string in the filter is not a valid JSON string')
    }
    masked += `${text.slice(i, start)}"${strings.length}"`
    strings.push(value as string)
    i = end + 1
  }
  return { masked: masked + text.slice(i), strings }
}

/** The AST with each placeholder string back to the string it stands for. */
function restoreStrings(ast: FilterAst, strings: string[], code: 'invalidFilter' | 'invalidPath'): FilterAst {
  switch (ast.op) {
    case 'and':
    case 'or':
      return { ...ast, filters: ast.filters.map((f) => restoreStrings(f, strings, code)) }
    case 'not':
      return { ...ast, filter: restoreStrings(ast.filter, strings, code) }
    case '[]':
      return { ...ast, valFilter: restoreStrings(ast.valFilter, strings, code) }
    case 'pr':
      return ast
    default:
      if ('compValue' in ast && typeof ast.compValue === 'string') {
        const value = strings[Number(ast.compValue)]
        if (value === undefined) throw new ScimError(code, 'the filter is not valid RFC 7644 §3.4.2.2 syntax')
        return { ...ast, compValue: value }
      }
      return ast
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
