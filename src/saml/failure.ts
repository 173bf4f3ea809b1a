/**
 * Every way a SAML response can fail, each with its own stable code (DESIGN §4). Failures are data:
 * the owner's test page and audit log show the fields; the user sees only a reference id.
 */
export type SamlFailure =
  | { code: 'response_too_large'; bytes: number; limit: number }
  | { code: 'response_not_base64' }
  | { code: 'xml_malformed'; detail: string }
  | { code: 'xml_dtd_forbidden' }
  | { code: 'not_a_response'; root: string }
  | { code: 'response_count'; count: number }
  | { code: 'assertion_count'; count: number }
  | { code: 'version_invalid'; version: string }
  | { code: 'schema_invalid'; element: string; detail: string }
  | { code: 'signature_missing' }
  | { code: 'signature_misplaced'; detail: string }
  | { code: 'signature_invalid'; on: 'response' | 'assertion'; detail: string }
  | { code: 'signature_reference_invalid'; on: 'response' | 'assertion'; detail: string }
  | { code: 'signature_algorithm_forbidden'; algorithm: string }
  | { code: 'assertion_not_encrypted' }
  | { code: 'decryption_failed'; detail: string }
  | { code: 'status_not_success'; status: string; message?: string }
  | { code: 'issuer_mismatch'; expected: string; received: string }
  | { code: 'destination_mismatch'; expected: string; received: string }
  | { code: 'recipient_mismatch'; expected: string; received: string }
  | { code: 'bearer_confirmation_missing' }
  | { code: 'audience_missing' }
  | { code: 'audience_mismatch'; expected: string; received: string[] }
  | { code: 'not_yet_valid'; bound: string; now: string }
  | { code: 'expired'; bound: string; now: string }
  | { code: 'time_invalid'; element: string; value: string }
  | { code: 'nameid_missing' }
  | { code: 'value_has_markup'; element: string; node: string }
  | { code: 'in_response_to_mismatch'; detail: string }
  // Decided in core, with storage, after the protocol checks:
  | { code: 'unsolicited_response' }
  | { code: 'request_unknown'; inResponseTo: string }
  | { code: 'assertion_replayed'; assertionId: string }

export type SamlFailureCode = SamlFailure['code']

/** Every code, for docs and exhaustive tests. */
export const SAML_FAILURE_CODES: readonly SamlFailureCode[] = [
  'response_too_large',
  'response_not_base64',
  'xml_malformed',
  'xml_dtd_forbidden',
  'not_a_response',
  'response_count',
  'assertion_count',
  'version_invalid',
  'schema_invalid',
  'signature_missing',
  'signature_misplaced',
  'signature_invalid',
  'signature_reference_invalid',
  'signature_algorithm_forbidden',
  'assertion_not_encrypted',
  'decryption_failed',
  'status_not_success',
  'issuer_mismatch',
  'destination_mismatch',
  'recipient_mismatch',
  'bearer_confirmation_missing',
  'audience_missing',
  'audience_mismatch',
  'not_yet_valid',
  'expired',
  'time_invalid',
  'nameid_missing',
  'value_has_markup',
  'in_response_to_mismatch',
  'unsolicited_response',
  'request_unknown',
  'assertion_replayed',
]

/**
 * Failures before the XML parsed as a SAML Response: the client's fault (the ACS answers 400, not
 * 403), and nothing worth keeping for the owner's tracer.
 */
const UNREADABLE_CODES: ReadonlySet<string> = new Set<SamlFailureCode>([
  'response_too_large',
  'response_not_base64',
  'xml_malformed',
  'xml_dtd_forbidden',
  'not_a_response',
])

export function isUnreadableResponse(code: string): boolean {
  return UNREADABLE_CODES.has(code)
}
