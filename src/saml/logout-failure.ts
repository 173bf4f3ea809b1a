/**
 * Every way a single logout message at `/saml/{ssoName}/slo` can be refused, each with its own stable
 * code (docs/saml.md, "Single logout"). Like SamlFailure, failures are data: the org's audit log
 * holds the code and its fields; whoever sent the message sees only the code and a reference.
 */
export type LogoutFailure =
  | { code: 'message_missing' }
  | { code: 'query_invalid'; detail: string }
  | { code: 'message_too_large'; limit: number }
  | { code: 'message_not_base64' }
  | { code: 'message_not_deflated' }
  | { code: 'xml_dtd_forbidden' }
  | { code: 'xml_malformed'; detail: string }
  | { code: 'message_type_invalid'; expected: string; received: string }
  | { code: 'version_invalid'; version: string }
  | { code: 'id_invalid' }
  | { code: 'schema_invalid'; element: string; detail: string }
  | { code: 'signature_missing' }
  | { code: 'signature_misplaced'; detail: string }
  | { code: 'signature_invalid'; detail: string }
  | { code: 'signature_reference_invalid'; detail: string }
  | { code: 'signature_algorithm_forbidden'; algorithm: string }
  | { code: 'issuer_mismatch'; expected: string; received: string }
  | { code: 'destination_mismatch'; expected: string; received: string }
  | { code: 'time_invalid'; element: string; value: string }
  | { code: 'not_yet_valid'; bound: string; now: string }
  | { code: 'expired'; bound: string; now: string }
  | { code: 'nameid_missing' }
  | { code: 'nameid_unsupported'; element: string }
  | { code: 'value_has_markup'; element: string; node: string }
  // Decided in core, with storage, after the protocol checks:
  | { code: 'in_response_to_missing' }
  | { code: 'request_unknown'; inResponseTo: string }
  | { code: 'logout_request_replayed'; requestId: string }
  | { code: 'slo_not_configured' }

export type LogoutFailureCode = LogoutFailure['code']

/**
 * Each code's class, one entry a code (the type checker holds this table to the union above):
 * - `unreadable`: nothing could be read as a logout message; the page answers 400.
 * - `unauthenticated`: read, but not known to come from the IdP (unsigned, wrongly signed, or no SLO
 *   configured); the page answers 403, never a signed LogoutResponse (we sign nothing on a stranger's
 *   behalf).
 * - `authenticated`: signed by the IdP; a LogoutRequest's refusal is answered with our LogoutResponse.
 */
const CLASS_OF: Readonly<Record<LogoutFailureCode, 'unreadable' | 'unauthenticated' | 'authenticated'>> = {
  message_missing: 'unreadable',
  query_invalid: 'unreadable',
  message_too_large: 'unreadable',
  message_not_base64: 'unreadable',
  message_not_deflated: 'unreadable',
  xml_dtd_forbidden: 'unreadable',
  xml_malformed: 'unreadable',
  message_type_invalid: 'unauthenticated',
  version_invalid: 'unauthenticated',
  id_invalid: 'unauthenticated',
  schema_invalid: 'unauthenticated',
  signature_missing: 'unauthenticated',
  signature_misplaced: 'unauthenticated',
  signature_invalid: 'unauthenticated',
  signature_reference_invalid: 'unauthenticated',
  signature_algorithm_forbidden: 'unauthenticated',
  issuer_mismatch: 'authenticated',
  destination_mismatch: 'authenticated',
  time_invalid: 'authenticated',
  not_yet_valid: 'authenticated',
  expired: 'authenticated',
  nameid_missing: 'authenticated',
  nameid_unsupported: 'authenticated',
  value_has_markup: 'authenticated',
  in_response_to_missing: 'authenticated',
  request_unknown: 'authenticated',
  logout_request_replayed: 'authenticated',
  slo_not_configured: 'unauthenticated',
}

/** Every code, for docs and exhaustive tests. */
export const LOGOUT_FAILURE_CODES = Object.keys(CLASS_OF) as readonly LogoutFailureCode[]

const classOf = (code: string) => (Object.hasOwn(CLASS_OF, code) ? CLASS_OF[code as LogoutFailureCode] : undefined)

/** A refusal before anything was known to come from the IdP (an unknown code counts as one). */
export function isUnauthenticatedLogout(code: string): boolean {
  return classOf(code) !== 'authenticated'
}

/** The status of the page that refuses a logout message: 400 when nothing could be read, else 403. */
export function logoutRefusalStatus(code: string): 400 | 403 {
  return classOf(code) === 'unreadable' ? 400 : 403
}
