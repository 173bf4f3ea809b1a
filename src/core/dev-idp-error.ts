/** Refusals of the development IdP. `message` is safe to show; `detail` goes to the log. */
export type DevIdpErrorCode = 'dev_idp_request_invalid' | 'dev_idp_sp_unknown' | 'dev_idp_acs_mismatch' | 'dev_idp_not_trusted' | 'dev_idp_input_invalid'

export class DevIdpError extends Error {
  override name = 'DevIdpError'
  constructor(
    readonly code: DevIdpErrorCode,
    message: string,
    readonly detail?: string,
    readonly field?: string,
  ) {
    super(message)
  }
}
