/** Errors of organizations, workspaces, users, members, invitations and personal API tokens. `message` is safe to show. */
export type AccountErrorCode =
  | 'org_not_found'
  | 'org_slug_taken'
  | 'org_slug_invalid'
  | 'workspace_not_found'
  | 'workspace_slug_taken'
  | 'workspace_slug_invalid'
  | 'workspace_role_invalid'
  | 'member_not_found'
  | 'member_exists'
  | 'user_not_found'
  | 'email_invalid'
  | 'email_invisible_character'
  | 'name_invalid'
  | 'name_bidi_control'
  | 'password_too_weak'
  | 'last_owner'
  | 'member_managed_by_idp'
  | 'not_allowed'
  | 'invitation_invalid'
  | 'link_invalid'
  | 'setup_closed'
  | 'token_name_invalid'
  | 'token_name_taken'
  | 'token_expiry_invalid'
  | 'token_limit_reached'
  | 'token_not_found'
  | 'setup_link_invalid'
  | 'setup_link_not_found'
  | 'setup_link_scope_invalid'
  | 'setup_link_expiry_invalid'

export class AccountError extends Error {
  override name = 'AccountError'
  constructor(
    readonly code: AccountErrorCode,
    message: string,
    /** For logs and the audit log only. */
    readonly detail?: string,
    /** The input field the problem is about, for showing it beside that field. */
    readonly field?: string,
  ) {
    super(message)
  }
}
