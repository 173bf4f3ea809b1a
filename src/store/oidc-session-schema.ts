/** Back-channel logout's table (migration 2026_12_06_1500_backchannel_logout; see schema.ts). */

/** An OIDC grant made during a Gatehouse session: what ending that session logs out (DESIGN §5). */
export interface OidcSessionGrantTable {
  grant_id: string
  /** The Gatehouse session's id hash (sessions.id_hash). */
  session_hash: string
  client_id: string
  sid: string
  user_id: string
  org_id: string
  created_at: string
  expires_at: string
}
