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

/** Every code, for docs and exhaustive tests. */
export const LOGOUT_FAILURE_CODES: readonly LogoutFailureCode[] = [
  'message_missing',
  'query_invalid',
  'message_too_large',
  'message_not_base64',
  'message_not_deflated',
  'xml_dtd_forbidden',
  'xml_malformed',
  'message_type_invalid',
  'version_invalid',
  'id_invalid',
  'schema_invalid',
  'signature_missing',
  'signature_misplaced',
  'signature_invalid',
  'signature_reference_invalid',
  'signature_algorithm_forbidden',
  'issuer_mismatch',
  'destination_mismatch',
  'time_invalid',
  'not_yet_valid',
  'expired',
  'nameid_missing',
  'nameid_unsupported',
  'value_has_markup',
  'in_response_to_missing',
  'request_unknown',
  'logout_request_replayed',
  'slo_not_configured',
]

/**
 * Refusals before anything was known to come from the IdP (unreadable, unsigned, wrongly signed):
 * answered with a page, never with a signed LogoutResponse (we sign nothing on a stranger's behalf).
 */
const UNAUTHENTICATED: ReadonlySet<string> = new Set<LogoutFailureCode>([
  'message_missing',
  'query_invalid',
  'message_too_large',
  'message_not_base64',
  'message_not_deflated',
  'xml_dtd_forbidden',
  'xml_malformed',
  'message_type_invalid',
  'version_invalid',
  'id_invalid',
  'schema_invalid',
  'signature_missing',
  'signature_misplaced',
  'signature_invalid',
  'signature_reference_invalid',
  'signature_algorithm_forbidden',
  'slo_not_configured',
])

export function isUnauthenticatedLogout(code: string): boolean {
  return UNAUTHENTICATED.has(code)
}
