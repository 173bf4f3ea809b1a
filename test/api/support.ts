/** Small helpers shared by the REST API tests: raw calls with any headers, and error assertions by code. */
import { expect } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { ADMIN_TOKEN, type TestContext } from '../helpers/test-app.js'

export interface ApiResponse {
  readonly status: number
  readonly json: any
  readonly res: LightMyRequestResponse
}

export interface CallOptions {
  /** An `Authorization` header value, sent as is; undefined sends none. */
  readonly authorization?: string | undefined
  readonly headers?: Record<string, string>
  /** JSON-encoded unless `raw` is given. */
  readonly payload?: unknown
  /** A body sent byte for byte (with whatever content-type `headers` names). */
  readonly raw?: string
}

/** Any call under /api/v1, with exactly the headers asked for. */
export async function call(ctx: TestContext, method: string, url: string, options: CallOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(options.authorization === undefined ? {} : { authorization: options.authorization }) }
  let payload: string | undefined
  if (options.raw !== undefined) {
    payload = options.raw
  } else if (options.payload !== undefined) {
    payload = JSON.stringify(options.payload)
    headers['content-type'] = 'application/json'
  }
  Object.assign(headers, options.headers)
  const res = await ctx.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload }) })
  let json: unknown
  try {
    json = res.body === '' ? undefined : JSON.parse(res.body)
  } catch {
    json = undefined
  }
  return { status: res.statusCode, json, res }
}

export const operatorAuth = `Bearer ${ADMIN_TOKEN}`

/** The API's error shape, `{error: {code, message}}`, with this status and code. */
export function expectApiError(r: { status: number; json: any }, status: number, code: string): void {
  expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status, code })
  expect(typeof r.json.error.message).toBe('string')
  expect(r.json.error.message.length).toBeGreaterThan(0)
}

export const MEMBER_PASSWORD = 'correct horse battery'
