/** Errors of SSO connections: set-up, IdP configuration, policy, email domains, SP keys. `message` is safe to show. */
import type { MetadataErrorCode } from '../saml/idp-metadata.js'

export type SsoErrorCode =
  | MetadataErrorCode
  | 'sso_not_configured'
  | 'sso_name_taken'
  | 'sso_name_invalid'
  | 'idp_not_configured'
  | 'idp_invalid'
  | 'policy_invalid'
  | 'sso_test_required'
  | 'sso_test_not_found'
  | 'sso_response_not_found'
  | 'sso_not_enabled'
  | 'metadata_fetch_failed'
  | 'metadata_url_forbidden'
  | 'domain_invalid'
  | 'domain_exists'
  | 'domain_not_found'
  | 'domain_taken'
  | 'domain_limit_reached'
  | 'domain_verification_failed'
  | 'dns_lookup_failed'
  | 'sp_key_not_found'
  | 'sp_key_in_use'
  | 'sp_key_rotation_pending'
  | 'sp_key_not_pending'

export class SsoError extends Error {
  override name = 'SsoError'
  constructor(
    readonly code: SsoErrorCode,
    message: string,
    readonly detail?: string,
    readonly field?: string,
  ) {
    super(message)
  }
}
