/**
 * The database as Kysely sees it. Timestamps are ISO-8601 UTC strings (`Date#toISOString`), which
 * sort and compare the same on SQLite and PostgreSQL; booleans are 0/1 integers for the same reason.
 * Rows become core types inside store/: core never sees these.
 */
import type {
  DirectoryRemovalTable,
  DirectoryRequestTable,
  DirectoryTable,
  DirectoryTokenTable,
  EventTable,
  ScimGroupMemberTable,
  ScimGroupTable,
  ScimUserTable,
} from './directory-schema.js'
import type { WebhookDeliveryTable, WebhookTable } from './webhook-schema.js'
import type { CertificateNoticeTable, ScheduledRunTable } from './lifecycle-schema.js'
import type { SamlLogoutRequestIdTable, SamlLogoutRequestTable } from './saml-logout-schema.js'
import type { OidcSessionGrantTable } from './oidc-session-schema.js'
import type { SetupLinkSessionTable, SetupLinkTable } from './setup-link-schema.js'

export type { CertificateNoticeTable, ScheduledRunTable } from './lifecycle-schema.js'
export type { SamlLogoutRequestIdTable, SamlLogoutRequestTable } from './saml-logout-schema.js'
export type {
  DirectoryRemovalTable,
  DirectoryRequestTable,
  DirectoryTable,
  DirectoryTokenTable,
  EventTable,
  ScimGroupMemberTable,
  ScimGroupTable,
  ScimUserTable,
  WebhookDeliveryTable,
  WebhookTable,
}
export interface Database {
  organizations: OrganizationTable
  workspaces: WorkspaceTable
  users: UserTable
  members: MemberTable
  member_workspace_roles: MemberWorkspaceRoleTable
  invitations: InvitationTable
  one_time_tokens: OneTimeTokenTable
  sessions: SessionTable
  rate_limits: RateLimitTable
  mail_outbox: MailOutboxTable
  jobs: JobTable
  audit_events: AuditEventTable
  sp_keys: SpKeyTable
  scheduled_runs: ScheduledRunTable
  certificate_notices: CertificateNoticeTable
  sso_connections: SsoConnectionTable
  saml_requests: SamlRequestTable
  saml_assertion_ids: SamlAssertionIdTable
  saml_identities: SamlIdentityTable
  saml_logout_requests: SamlLogoutRequestTable
  saml_logout_request_ids: SamlLogoutRequestIdTable
  setup_links: SetupLinkTable
  setup_link_sessions: SetupLinkSessionTable
  sso_tests: SsoTestTable
  sso_failed_responses: SsoFailedResponseTable
  api_tokens: ApiTokenTable
  email_domains: EmailDomainTable
  oidc_payloads: OidcPayloadTable
  oidc_revocations: OidcRevocationTable
  oidc_signing_keys: OidcSigningKeyTable
  oidc_clients: OidcClientTable
  oidc_session_grants: OidcSessionGrantTable
  dev_idp_keys: DevIdpKeyTable
  readiness_probe: ReadinessProbeTable
  directories: DirectoryTable
  directory_tokens: DirectoryTokenTable
  directory_requests: DirectoryRequestTable
  scim_users: ScimUserTable
  scim_groups: ScimGroupTable
  scim_group_members: ScimGroupMemberTable
  events: EventTable
  directory_removals: DirectoryRemovalTable
  webhooks: WebhookTable
  webhook_deliveries: WebhookDeliveryTable
}

/** One row, rewritten by /readyz to prove the database takes writes. */
export interface ReadinessProbeTable {
  id: number
  checked_at: string
}

export interface OrganizationTable {
  id: string
  name: string
  slug: string
  created_at: string
  updated_at: string
}

export interface WorkspaceTable {
  id: string
  org_id: string
  name: string
  slug: string
  created_at: string
}

export interface UserTable {
  id: string
  email: string
  /** Lower-cased email: the unique key (emails are case-insensitive, DESIGN §1). */
  email_normalized: string
  first_name: string
  last_name: string
  password_hash: string | null
  created_at: string
  updated_at: string
}

export interface MemberTable {
  id: string
  org_id: string
  user_id: string
  role: string
  allow_without_sso: number
  managed_by_idp: number
  /** Set while the org's directory has the member switched off (SCIM `active: false`). */
  deactivated_at: string | null
  created_at: string
  updated_at: string
}

export interface MemberWorkspaceRoleTable {
  member_id: string
  workspace_id: string
  role: string
}

export interface InvitationTable {
  id: string
  org_id: string
  email: string
  email_normalized: string
  role: string
  /** JSON `{workspaceSlug: role}`. */
  workspace_roles: string
  token_hash: string
  invited_by: string | null
  created_at: string
  expires_at: string
}

export interface OneTimeTokenTable {
  token_hash: string
  purpose: string
  user_id: string | null
  created_at: string
  expires_at: string
}

export interface SessionTable {
  /** SHA-256 of the session id: a leaked table cannot be replayed as cookies. */
  id_hash: string
  user_id: string
  org_id: string | null
  kind: string
  auth_method: string
  created_at: string
  last_seen_at: string
  idle_expires_at: string
  expires_at: string
  /** An SSO session: the connection and the subject of its sign-in, for single logout (DESIGN §10). */
  saml_connection_id: string | null
  saml_name_id: string | null
  saml_name_id_format: string | null
  saml_name_qualifier: string | null
  saml_sp_name_qualifier: string | null
  saml_session_index: string | null
}

export interface RateLimitTable {
  key: string
  window_start: string
  count: number
}

export interface MailOutboxTable {
  id: string
  recipient: string
  subject: string
  body: string
  created_at: string
}

/** The durable job queue (store/job-repository.ts). */
export interface JobTable {
  id: string
  kind: string
  /** JSON object. */
  payload: string
  state: 'queued' | 'failed'
  run_at: string
  attempts: number
  lease_token: string | null
  lease_until: string | null
  last_error: string | null
  created_at: string
  updated_at: string
}

export interface AuditEventTable {
  id: string
  org_id: string | null
  actor: string
  action: string
  target: string | null
  /** JSON, never secrets. */
  detail: string
  created_at: string
}

export interface SpKeyTable {
  id: string
  /** AES-256-GCM under GATEHOUSE_SECRET_KEY: base64 of iv ‖ tag ‖ ciphertext of the PEM. */
  private_key_encrypted: string
  certificate_pem: string
  created_at: string
  retired_at: string | null
  /** When the pair starts signing; null: since created_at. Published (and decrypting) from created_at either way. */
  activates_at: string | null
}

/** The development IdP's key pair: one row, id `default`. */
export interface DevIdpKeyTable {
  id: string
  /** AES-256-GCM under GATEHOUSE_SECRET_KEY, as sp_keys. */
  private_key_encrypted: string
  certificate_pem: string
  created_at: string
}

export interface SsoConnectionTable {
  id: string
  org_id: string
  sso_name: string
  enabled: number
  /** JSON: entity ID, SSO URLs, certificates (PEM), signature algorithm; null until configured. */
  idp: string | null
  /** JSON: the whole policy of DESIGN §5. */
  policy: string
  metadata_url: string | null
  metadata_refreshed_at: string | null
  metadata_refresh_error: string | null
  created_at: string
  updated_at: string
}

export interface SamlRequestTable {
  /** The AuthnRequest ID: InResponseTo must name it. */
  id: string
  /** SHA-256 of the RelayState token sent with it. */
  relay_token_hash: string
  connection_id: string
  return_to: string | null
  test_by_user_id: string | null
  created_at: string
  expires_at: string
}

export interface SamlAssertionIdTable {
  connection_id: string
  assertion_id: string
  expires_at: string
}

export interface SamlIdentityTable {
  connection_id: string
  name_id: string
  user_id: string
  last_seen_at: string
}

export interface SsoTestTable {
  id: string
  connection_id: string
  /** The owner who started the test (null: a set-up link did); only that session sees the result, and owners a link's. */
  user_id: string | null
  session_hash: string
  /** The AuthnRequest ID the IdP must answer. */
  request_id: string
  /** What was tested: entity ID, SSO URLs, certificate fingerprints, algorithm, encryption policy. */
  idp_fingerprint: string
  /** null while waiting for the IdP; then 1 or 0. */
  passed: number | null
  /** The result as JSON (core/sso-test.ts SsoTestResult). */
  result: string | null
  created_at: string
  finished_at: string | null
  expires_at: string
  /** The set-up link whose session started the test, if one did. */
  setup_link_id: string | null
}

export interface ApiTokenTable {
  id: string
  /** SHA-256 of the personal API token: a leaked table cannot be replayed as tokens. */
  token_hash: string
  user_id: string
  org_id: string
  name: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
}

export interface EmailDomainTable {
  id: string
  org_id: string
  /** Lower-case, IDNA (punycode) form. Unique per org; unique among verified rows across orgs. */
  domain: string
  /** Published by the owner as the TXT record `gatehouse-verification=<token>` at the domain. */
  verification_token: string
  verified_at: string | null
  /** `dns` or `operator`; null while pending. */
  verified_by: string | null
  created_at: string
}

export interface SsoFailedResponseTable {
  /** The reference the user was shown and the audit entry carries. */
  reference: string
  /** A UUIDv7: orders the rows of a connection as they came, for keeping the newest. */
  seq: string
  org_id: string
  connection_id: string
  /** The failure as JSON: code and fields (what the audit entry has). */
  failure: string
  /** The decoded response as received (never verified), cut at 64 KiB. */
  xml: string
  created_at: string
  expires_at: string
}

/** oidc-provider's state (its adapter contract): one row per model instance. */
export interface OidcPayloadTable {
  /** oidc-provider's model name (Session, Grant, AuthorizationCode, RefreshToken, …) or OrgLogin. */
  model: string
  id: string
  /** The model's payload as JSON. */
  payload: string
  grant_id: string | null
  /** Sessions: the uid the provider looks them up by. */
  uid: string | null
  user_code: string | null
  /** null: does not expire. */
  expires_at: string | null
  consumed_at: string | null
  /** OrgLogin rows: the user and org of the grant, so a user's grants in an org can be revoked. */
  account_id: string | null
  org_id: string | null
}

/** No grant of this user for this org made at or before `revoked_at` is valid (removal, password reset). */
export interface OidcRevocationTable {
  user_id: string
  org_id: string
  revoked_at: string
}

export interface OidcSigningKeyTable {
  /** The JWK `kid`. */
  id: string
  /** RS256 or ES256. */
  alg: string
  /** AES-256-GCM under GATEHOUSE_SECRET_KEY of the private JWK as JSON. */
  private_jwk_encrypted: string
  /** The public JWK as JSON (published in the JWKS). */
  public_jwk: string
  created_at: string
  retired_at: string | null
}

export interface OidcClientTable {
  /** The client_id. */
  id: string
  name: string
  /** 1: a public client (no secret, PKCE required); 0: confidential. */
  public: number
  /**
   * AES-256-GCM under GATEHOUSE_SECRET_KEY of the client secret: oidc-provider compares the
   * presented secret with the plaintext (client_secret_basic/post), so a hash cannot serve.
   */
  secret_encrypted: string | null
  /** JSON list. */
  redirect_uris: string
  /** JSON list. */
  post_logout_redirect_uris: string
  created_at: string
  /** OpenID Connect Back-Channel Logout 1.0: where logout tokens are POSTed; null: none. */
  backchannel_logout_uri: string | null
  /** 1: logout tokens (and ID tokens) carry `sid`. */
  backchannel_logout_session_required: number
}
