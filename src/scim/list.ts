/**
 * Paging and the ListResponse (RFC 7644 §3.4.2.4, §3.4.2). `totalResults` is the count of every match,
 * not of the page: the store counts with the same query it pages.
 *
 * @example
 * const page = parsePaging({ startIndex: '0', count: '500' }) // { startIndex: 1, count: 100 }
 * const rows = store.listUsers(query, { offset: page.startIndex - 1, limit: page.count })
 * listResponse(rows.map((u) => userToScim(u, baseUrl)), store.countUsers(query), page.startIndex)
 */
import { ScimError, scimOk, type ScimResult } from './error.js'
import type { JsonObject } from './json.js'
import { LIST_RESPONSE_URN } from './urns.js'

/** The most resources one page holds (advertised as `filter.maxResults` in ServiceProviderConfig). */
export const MAX_PAGE_SIZE = 100

export interface ScimPage {
  /** 1-based index of the first result. */
  startIndex: number
  /** Results on this page, 0 … maxPageSize (0 asks only for totalResults). */
  count: number
}

export interface ScimListResponse {
  schemas: [typeof LIST_RESPONSE_URN]
  totalResults: number
  startIndex: number
  itemsPerPage: number
  Resources: JsonObject[]
}

/**
 * RFC 7644 §3.4.2.4: startIndex < 1 is read as 1, count < 0 as 0, count above the page size as the
 * page size; absent count is the page size. Text that is not an integer is `invalidValue`.
 */
export function parsePaging(query: { startIndex?: string | undefined; count?: string | undefined }, maxPageSize = MAX_PAGE_SIZE): ScimResult<ScimPage> {
  const startIndex = readInteger(query.startIndex, 'startIndex')
  const count = readInteger(query.count, 'count')
  if (startIndex instanceof ScimError) return { ok: false, error: startIndex }
  if (count instanceof ScimError) return { ok: false, error: count }
  return scimOk({
    startIndex: Math.max(1, startIndex ?? 1),
    count: Math.min(maxPageSize, Math.max(0, count ?? maxPageSize)),
  })
}

function readInteger(text: string | undefined, name: string): number | undefined | ScimError {
  if (text === undefined || text.trim() === '') return undefined
  if (!/^\s*[-+]?\d{1,15}\s*$/.test(text)) {
    return new ScimError('invalidValue', `${name} must be an integer`)
  }
  return Number.parseInt(text, 10)
}

/** The ListResponse for one page. */
export function listResponse(resources: JsonObject[], totalResults: number, startIndex: number): ScimListResponse {
  return {
    schemas: [LIST_RESPONSE_URN],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  }
}
