/** What each audit action is called on the audit log page; the code is shown beside it. */
const EVENT_NAMES: Readonly<Record<string, string>> = {
  'org.created': 'Organization created',
  'org.updated': 'Organization changed',
  'workspace.created': 'Workspace created',
  'workspace.updated': 'Workspace changed',
  'workspace.deleted': 'Workspace deleted',
  'member.added': 'Member added',
  'member.updated': 'Member changed',
  'member.removed': 'Member removed',
  'member.provisioned': 'Member created at SSO sign-in',
  'member.roles_from_idp': 'Roles set by the IdP',
  'invitation.created': 'Invitation sent',
  'invitation.accepted': 'Invitation accepted',
  'invitation.revoked': 'Invitation revoked',
  'domain.added': 'Email domain added',
  'domain.verified': 'Email domain verified',
  'domain.removed': 'Email domain removed',
  'password.reset_requested': 'Password reset asked for',
  'password.reset': 'Password reset',
  'token.created': 'API token created',
  'token.revoked': 'API token revoked',
  'sso.created': 'SSO name chosen',
  'sso.renamed': 'SSO name changed',
  'sso.idp_configured': 'Identity provider saved',
  'sso.idp_refreshed': 'IdP metadata re-fetched',
  'sso.idp_refresh_failed': 'IdP metadata re-fetch failed',
  'sso.policy_updated': 'User management changed',
  'sso.tested': 'SSO tested',
  'sso.enabled': 'SSO enabled',
  'sso.disabled': 'SSO disabled',
  'sso.sign_in_failed': 'SSO sign-in failed',
  'sp_key.rotated': 'SP key rotated',
  'sp_key.retired': 'SP key retired',
  'oidc.client_created': 'OIDC client registered',
  'oidc.client_deleted': 'OIDC client deleted',
  'oidc.keys_rotated': 'OIDC keys rotated',
  'oidc.key_retired': 'OIDC key retired',
}

/** The event's name for people, or undefined for an action this page does not know (its code is shown alone). */
export function auditEventName(action: string): string | undefined {
  return Object.hasOwn(EVENT_NAMES, action) ? EVENT_NAMES[action] : undefined
}
