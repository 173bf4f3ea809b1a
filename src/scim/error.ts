/**
 * SCIM errors (RFC 7644 §3.12). Every failure of the protocol module is one of these, returned as data
 * (`{ ok: false, error }`), never thrown past the module's functions. The routes answer
 * `scimErrorBody(error)` with `error.status`.
 *
 * @example
 * const parsed = parseUserFilter('userName co "a"')
 * if (!parsed.ok) reply.code(parsed.error.status).send(scimErrorBody(parsed.error))
 * // 400 {schemas: [ERROR_URN], status: "400", scimType: "invalidFilter", detail: "…"}
 */
import { ERROR_URN } from './urns.js'

/** RFC 7644 Table 9 scimTypes, plus the statuses RFC 7644 §3.12 names without one. */
export type ScimErrorCode =
  | 'invalidFilter'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'invalidValue'
  | 'noTarget'
  | 'mutability'
  | 'tooMany'
  | 'uniqueness'
  | 'notFound'
  | 'unauthorized'
  | 'methodNotAllowed'

type ScimErrorStatus = 400 | 401 | 404 | 405 | 409

/** The HTTP status of each code; a code without a status does not compile. */
export const SCIM_ERROR_STATUS: Record<ScimErrorCode, ScimErrorStatus> = {
  invalidFilter: 400,
  invalidSyntax: 400,
  invalidPath: 400,
  invalidValue: 400,
  noTarget: 400,
  mutability: 400,
  tooMany: 400,
  uniqueness: 409,
  notFound: 404,
  unauthorized: 401,
  // RFC 9110 §15.5.6, for a write to a read-only endpoint (Okta's SPEC test expects it of discovery).
  methodNotAllowed: 405,
}

/** Codes that are RFC 7644 scimType values (the others are plain statuses). */
const SCIM_TYPES = new Set<ScimErrorCode>(['invalidFilter', 'invalidSyntax', 'invalidPath', 'invalidValue', 'noTarget', 'mutability', 'tooMany', 'uniqueness'])

export class ScimError extends Error {
  override name = 'ScimError'
  /** `message` is safe to send to the IdP as `detail`: it names the problem, never a stored value. */
  constructor(
    readonly code: ScimErrorCode,
    message: string,
  ) {
    super(message)
  }

  get status(): ScimErrorStatus {
    return SCIM_ERROR_STATUS[this.code]
  }
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_URN]
  status: string
  scimType?: string
  detail: string
}

/** The RFC 7644 §3.12 body: `status` is a string, `scimType` only where the RFC names one. */
export function scimErrorBody(error: ScimError): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [ERROR_URN], status: String(error.status), detail: error.message }
  if (SCIM_TYPES.has(error.code)) body.scimType = error.code
  return body
}

/** A protocol result: the value, or the SCIM error to answer. */
export type ScimResult<T> = { ok: true; value: T } | { ok: false; error: ScimError }

export function scimOk<T>(value: T): ScimResult<T> {
  return { ok: true, value }
}

export function scimFail<T = never>(code: ScimErrorCode, message: string): ScimResult<T> {
  return { ok: false, error: new ScimError(code, message) }
}

/** Runs `fn`, turning a ScimError it throws into a failed result (internal recursion throws; exports return). */
export function catchScimError<T>(fn: () => T): ScimResult<T> {
  try {
    return scimOk(fn())
  } catch (error) {
    if (error instanceof ScimError) return { ok: false, error }
    throw error
  }
}
