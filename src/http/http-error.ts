/** Errors that only exist at the HTTP edge: request validation, operator authentication, routing. */
export type HttpErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'api_disabled'
  | 'not_found'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'database_unavailable'
  | 'internal_error'

export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    /** Per-field problems for `validation_failed`. */
    readonly fields?: Readonly<Record<string, string>>,
  ) {
    super(message)
  }
}
