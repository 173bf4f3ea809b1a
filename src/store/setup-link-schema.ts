/** Set-up links' tables (migration 2026_12_06_1521_setup_links; see schema.ts). */

/** A link to the owner's set-up pages for someone with no account (DESIGN §2 "Set-up links"). */
export interface SetupLinkTable {
  id: string
  org_id: string
  /** SHA-256 of the secret in the link's URL; the secret itself is never stored. */
  secret_hash: string
  /** Comma-separated scopes: `sso`, `directory`, `policy`. */
  scopes: string
  /** Who made it, as the audit log names actors (`operator`, `user:{email}`). */
  created_by: string
  /** The owner who made it (the mail on finish goes there); null for the operator's. */
  created_by_user_id: string | null
  created_at: string
  expires_at: string
  revoked_at: string | null
}

/** A browser session a link started: bound to the link, ended with it. */
export interface SetupLinkSessionTable {
  id_hash: string
  link_id: string
  created_at: string
  expires_at: string
}
