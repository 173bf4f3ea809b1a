/**
 * The one place that maps error codes to HTTP statuses. A code without a status does not compile.
 * API routes answer `{"error":{"code","message"}}`; pages get a plain page with a reference id.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AccountError, type AccountErrorCode } from '../core/account-error.js'
import { AuthError, type AuthErrorCode } from '../core/auth-error.js'
import { DevIdpError, type DevIdpErrorCode } from '../core/dev-idp-error.js'
import { DirectoryError, type DirectoryErrorCode } from '../core/directory-error.js'
import { EventError, type EventErrorCode } from '../core/event-error.js'
import { OidcError, type OidcErrorCode } from '../core/oidc-error.js'
import { SsoError, type SsoErrorCode } from '../core/sso-error.js'
import { WebhookError, type WebhookErrorCode } from '../core/webhook-error.js'
import { isDatabaseUnavailable } from '../store/database-unavailable.js'
import { HttpError, type HttpErrorCode } from './http-error.js'

export type ErrorCode =
  AccountErrorCode | AuthErrorCode | SsoErrorCode | DevIdpErrorCode | OidcErrorCode | DirectoryErrorCode | WebhookErrorCode | EventErrorCode | HttpErrorCode

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  org_not_found: 404,
  org_slug_taken: 409,
  org_slug_invalid: 422,
  workspace_not_found: 404,
  workspace_slug_taken: 409,
  workspace_slug_invalid: 422,
  workspace_role_invalid: 422,
  member_not_found: 404,
  member_exists: 409,
  user_not_found: 404,
  email_invalid: 422,
  email_invisible_character: 422,
  name_invalid: 422,
  name_bidi_control: 422,
  password_too_weak: 422,
  last_owner: 409,
  member_managed_by_idp: 409,
  not_allowed: 403,
  invitation_invalid: 410,
  link_invalid: 410,
  setup_closed: 410,
  token_name_invalid: 422,
  token_name_taken: 409,
  token_expiry_invalid: 422,
  token_limit_reached: 409,
  token_not_found: 404,
  setup_link_invalid: 410,
  setup_link_not_found: 404,
  setup_link_scope_invalid: 400,
  setup_link_expiry_invalid: 400,
  invalid_credentials: 401,
  rate_limited: 429,
  sso_required: 403,
  unauthenticated: 401,
  token_invalid: 401,
  csrf_invalid: 403,
  no_membership: 403,
  session_required: 403,
  org_not_selected: 409,
  sso_turned_off: 403,
  sso_not_configured: 404,
  sso_name_taken: 409,
  sso_name_invalid: 422,
  idp_not_configured: 409,
  idp_invalid: 422,
  policy_invalid: 422,
  sso_test_required: 409,
  sso_test_not_found: 404,
  sso_response_not_found: 404,
  sso_not_enabled: 409,
  metadata_fetch_failed: 422,
  metadata_url_forbidden: 422,
  metadata_not_xml: 422,
  metadata_dtd_forbidden: 422,
  metadata_too_large: 413,
  metadata_too_complex: 422,
  metadata_busy: 429,
  metadata_no_idp: 422,
  metadata_ambiguous: 422,
  metadata_entity_not_found: 422,
  metadata_no_entity_id: 422,
  metadata_no_binding: 422,
  metadata_no_certificate: 422,
  metadata_signature_missing: 422,
  metadata_signature_invalid: 422,
  certificate_unreadable: 422,
  certificate_key_too_small: 422,
  certificate_key_unsupported: 422,
  domain_invalid: 422,
  domain_exists: 409,
  domain_not_found: 404,
  domain_taken: 409,
  domain_limit_reached: 409,
  domain_verification_failed: 409,
  dns_lookup_failed: 502,
  sp_key_not_found: 404,
  sp_key_in_use: 409,
  sp_key_rotation_pending: 409,
  sp_key_not_pending: 409,
  oidc_client_not_found: 404,
  redirect_uri_invalid: 422,
  backchannel_logout_uri_invalid: 422,
  client_name_invalid: 422,
  dev_idp_request_invalid: 400,
  dev_idp_sp_unknown: 404,
  dev_idp_acs_mismatch: 403,
  dev_idp_not_trusted: 409,
  dev_idp_input_invalid: 422,
  directory_not_found: 404,
  directory_exists: 409,
  directory_disabled: 409,
  directory_token_limit_reached: 409,
  directory_token_not_found: 404,
  webhook_not_found: 404,
  webhook_url_invalid: 400,
  webhook_types_invalid: 400,
  event_cursor_unknown: 400,
  validation_failed: 400,
  unauthorized: 401,
  api_disabled: 503,
  not_found: 404,
  payload_too_large: 413,
  uri_too_long: 414,
  headers_too_large: 431,
  request_timeout: 408,
  unsupported_media_type: 415,
  database_unavailable: 503,
  internal_error: 500,
}

export type KnownError = AccountError | AuthError | SsoError | DevIdpError | OidcError | DirectoryError | WebhookError | EventError | HttpError

export function isKnownError(error: unknown): error is KnownError {
  return (
    error instanceof AccountError ||
    error instanceof AuthError ||
    error instanceof SsoError ||
    error instanceof DevIdpError ||
    error instanceof OidcError ||
    error instanceof DirectoryError ||
    error instanceof WebhookError ||
    error instanceof EventError ||
    error instanceof HttpError
  )
}

/** Fastify's own errors (bad JSON, body too large, wrong content type, unreadable URL) in our shape. */
export function toKnownError(error: unknown): KnownError {
  if (isKnownError(error)) return error
  // pg's message names the server's address: never shown, only logged.
  if (isDatabaseUnavailable(error)) return new HttpError('database_unavailable', DATABASE_UNAVAILABLE_MESSAGE)
  const fastifyError = error as Partial<FastifyError>
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError('payload_too_large', 'The request body is too large.')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError('unsupported_media_type', 'This route does not accept that content type (the API takes application/json).')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Fastify's parser (secure-json-parse) also refuses "__proto__" keys, and says only "invalid".
      return new HttpError(
        'validation_failed',
        'The request body is not valid JSON, or has a "__proto__" key (or "constructor": {"prototype": …}), which is refused.',
      )
    // Any other code, or none: below.
    default:
  }
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500 && error instanceof SyntaxError) {
    return new HttpError('validation_failed', 'The request body is not valid JSON.')
  }
  // Any other refusal of Fastify's or its router's (a path %-escape that does not decode, an over-long
  // path parameter, a bad Content-Length): its status, our words, never its message (which quotes the URL).
  if (
    typeof fastifyError.code === 'string' &&
    fastifyError.code.startsWith('FST_ERR_') &&
    fastifyError.statusCode !== undefined &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    if (fastifyError.statusCode === 413) return new HttpError('payload_too_large', 'The request body is too large.')
    if (fastifyError.statusCode === 414 || fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH') return new HttpError('uri_too_long', 'The address is too long.')
    if (fastifyError.statusCode === 415) return new HttpError('unsupported_media_type', 'This route does not accept that content type.')
    return new HttpError('validation_failed', 'The request could not be read.')
  }
  return new HttpError('internal_error', 'Something went wrong on our side.')
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'Gatehouse cannot reach its database right now. Try again in a few seconds.'
/** Seconds a client should wait after 503 database_unavailable: a restart or failover takes a few. */
export const DATABASE_RETRY_AFTER_SECONDS = 5

/** The Retry-After header an error's answer carries, if any (API and pages alike). */
export function retryAfterOf(error: KnownError): string | undefined {
  if (error instanceof AuthError && error.retryAfterSeconds !== undefined) return String(error.retryAfterSeconds)
  // The metadata worker's queue is full (core/metadata-parser.ts): a job takes at most 2 s.
  if (error instanceof SsoError && error.code === 'metadata_busy') return '5'
  if (error.code === 'database_unavailable') return String(DATABASE_RETRY_AFTER_SECONDS)
  return undefined
}

export function statusOf(error: KnownError): number {
  return STATUS_BY_CODE[error.code]
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: Record<string, string> }
}

export function errorBody(error: KnownError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } }
  if (error instanceof HttpError && error.fields !== undefined) body.error.fields = { ...error.fields }
  if ((error instanceof AccountError || error instanceof SsoError || error instanceof OidcError || error instanceof WebhookError) && error.field !== undefined)
    body.error.fields = { [error.field]: error.message }
  return body
}

/** Logs what happened (the detail and stack for 5xx only, never request secrets) and sends JSON. */
export function replyWithApiError(request: FastifyRequest, reply: FastifyReply, raw: unknown): FastifyReply {
  const error = toKnownError(raw)
  const status = statusOf(error)
  logError(request, raw, error, status)
  const retryAfter = retryAfterOf(error)
  if (retryAfter !== undefined) reply.header('retry-after', retryAfter)
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(error))
}

export function logError(request: FastifyRequest, raw: unknown, error: KnownError, status: number): void {
  if (status >= 500) {
    request.log.error({ err: raw, code: error.code }, 'request failed')
  } else {
    const detail = (error as { detail?: string }).detail
    request.log.info({ code: error.code, ...(detail === undefined ? {} : { detail }) }, 'request refused')
  }
}
