/** Errors of signing in, sessions and tokens. Messages never say whether an account exists. */
export type AuthErrorCode =
  | 'invalid_credentials'
  | 'rate_limited'
  | 'sso_required'
  | 'unauthenticated'
  | 'token_invalid'
  | 'csrf_invalid'
  | 'no_membership'
  | 'session_required'
  | 'org_not_selected'
  | 'sso_turned_off'

export class AuthError extends Error {
  override name = 'AuthError'
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly detail?: string,
    /** Seconds until a rate limit lifts. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
  }
}
