/** Errors of the OpenID Connect provider's administration (clients). `message` is safe to show. */
export type OidcErrorCode = 'oidc_client_not_found' | 'redirect_uri_invalid' | 'backchannel_logout_uri_invalid' | 'client_name_invalid'

export class OidcError extends Error {
  override name = 'OidcError'
  constructor(
    readonly code: OidcErrorCode,
    message: string,
    readonly detail?: string,
    readonly field?: string,
  ) {
    super(message)
  }
}
