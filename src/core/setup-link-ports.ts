/** Set-up links as core sees them (DESIGN §2 "Set-up links"), and the store core asks for. */

/** What a link may reach: the SSO set-up (steps 1–6), the directory (§8), the owner's SSO policy. */
export const SETUP_LINK_SCOPES = ['sso', 'directory', 'policy'] as const
export type SetupLinkScope = (typeof SETUP_LINK_SCOPES)[number]

export interface SetupLink {
  readonly id: string
  readonly orgId: string
  readonly scopes: readonly SetupLinkScope[]
  /** Who made it, as the audit log names actors (`operator`, `user:{email}`). */
  readonly createdBy: string
  /** The owner who made it; null when the operator did. */
  readonly createdByUserId: string | null
  readonly createdAt: string
  readonly expiresAt: string
  readonly revokedAt: string | null
}

/** A browser session started by opening a link: bound to it, never longer than it. */
export interface SetupLinkSession {
  readonly idHash: string
  readonly linkId: string
  readonly createdAt: string
  readonly expiresAt: string
}

export interface SetupLinkStore {
  insert(link: SetupLink & { readonly secretHash: string }): Promise<void>
  findBySecretHash(secretHash: string): Promise<SetupLink | undefined>
  find(orgId: string, id: string): Promise<SetupLink | undefined>
  /** Links neither revoked nor expired at `now`, newest first. */
  listLive(orgId: string, now: string): Promise<SetupLink[]>
  /** Marks a live link revoked and ends its sessions; false when there was no such live link. */
  revoke(orgId: string, id: string, now: string): Promise<boolean>
  insertSession(session: SetupLinkSession): Promise<void>
  /** The session with its link, whatever their state (the caller checks both). */
  findSession(idHash: string): Promise<{ session: SetupLinkSession; link: SetupLink } | undefined>
  deleteSession(idHash: string): Promise<void>
  /** Sessions past their expiry; the number deleted. */
  deleteExpiredSessions(now: string): Promise<number>
}
