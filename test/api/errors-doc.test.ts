/**
 * Every error code the API can answer is documented, with its status, in docs/errors.md (STYLE §3;
 * Fastify's test/internals/errors.test.js does the same for its codes).
 */
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { STATUS_BY_CODE } from '../../src/http/error-handler.js'

const DOC = new URL('../../docs/errors.md', import.meta.url)

/** The cells of every Markdown table row in the text. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|') && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => cell.trim()),
    )
}

describe('docs/errors.md', () => {
  it('exists', () => {
    expect(existsSync(DOC), 'docs/errors.md is missing').toBe(true)
  })

  it('lists every code of STATUS_BY_CODE as `code` with its status in the same table row', () => {
    const rows = existsSync(DOC) ? tableRows(readFileSync(DOC, 'utf8')) : []
    const problems: string[] = []
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      const named = `\`${code}\``
      // The code's own row has it as a cell of its own; a row that only mentions it is the fallback.
      const own = rows.filter((cells) => cells.some((cell) => cell === named))
      const candidates = own.length > 0 ? own : rows.filter((cells) => cells.some((cell) => cell.includes(named)))
      const statusIn = (cells: string[]) => cells.some((cell) => new RegExp(`(^|\\D)${status}(\\D|$)`).test(cell.replace(named, '')))
      if (candidates.length === 0) problems.push(`${code}: no table row names ${named}`)
      else if (!candidates.some(statusIn)) problems.push(`${code}: its row does not give the status ${status}`)
    }
    expect(problems).toEqual([])
  })
})
