/** Single logout's tables (migration 2026_12_06_1420_single_logout; see schema.ts). */

/** Our outstanding LogoutRequests: a LogoutResponse's InResponseTo must name one, once. */
export interface SamlLogoutRequestTable {
  id: string
  connection_id: string
  created_at: string
  expires_at: string
}

/** The IdP's LogoutRequest IDs seen (replay), kept until the request could no longer be accepted. */
export interface SamlLogoutRequestIdTable {
  connection_id: string
  request_id: string
  expires_at: string
}
