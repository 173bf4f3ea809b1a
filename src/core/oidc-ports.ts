/** What the OpenID Connect provider needs from storage: its payloads, signing keys and clients (see ports.ts). */
/** One piece of oidc-provider state (its adapter contract), or Gatehouse's OrgLogin record of a grant. */
export interface OidcPayloadRow {
  readonly model: string
  readonly id: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly grantId: string | undefined
  readonly uid: string | undefined
  readonly userCode: string | undefined
  /** undefined: does not expire. */
  readonly expiresAt: string | undefined
  /** OrgLogin rows: whose grant, for which org (what revokeOrgLogins finds them by). */
  readonly accountId?: string | undefined
  readonly orgId?: string | undefined
}

/** A grant's OrgLogin record as stored. */
export interface OrgLoginRow {
  readonly grantId: string
  readonly payload: Record<string, unknown>
}

export interface OidcPayloadStore {
  upsert(row: OidcPayloadRow): Promise<void>
  /** The live row (not expired at `now`), with `consumedAt` when it was consumed. */
  find(model: string, id: string, now: string): Promise<{ payload: Record<string, unknown>; consumedAt: string | undefined } | undefined>
  findByUid(model: string, uid: string, now: string): Promise<{ payload: Record<string, unknown>; consumedAt: string | undefined } | undefined>
  findByUserCode(model: string, userCode: string, now: string): Promise<{ payload: Record<string, unknown>; consumedAt: string | undefined } | undefined>
  consume(model: string, id: string, now: string): Promise<void>
  destroy(model: string, id: string): Promise<void>
  /** Every row of the grant, whatever its model (codes, tokens, the OrgLogin record). */
  revokeByGrantId(grantId: string): Promise<void>
  deleteExpired(now: string): Promise<void>
  /** The grant itself and every row of it: nothing of it can be used again. */
  deleteGrants(grantIds: readonly string[]): Promise<void>
  /**
   * For good: no grant of the user for the org made at or before `now` is valid any more (a later
   * revocation instant is kept), and every such grant is deleted with its tokens.
   */
  revokeOrgLogins(userId: string, orgId: string, now: string): Promise<void>
  /** The instant at or before which the user's grants for the org are revoked, if ever. */
  findRevocation(userId: string, orgId: string): Promise<string | undefined>
  /** The OrgLogin records of an org's grants (of one user when given), to re-check after a policy change. */
  listOrgLogins(orgId: string, userId?: string): Promise<OrgLoginRow[]>
}

export type OidcKeyAlgorithm = 'RS256' | 'ES256'

export interface OidcSigningKey {
  /** The JWK kid. */
  readonly id: string
  readonly alg: OidcKeyAlgorithm
  readonly privateJwkEncrypted: string
  readonly publicJwk: Readonly<Record<string, unknown>>
  readonly createdAt: string
}

export interface OidcKeyStore {
  /** Published keys, newest first. */
  listActive(): Promise<OidcSigningKey[]>
  insert(key: OidcSigningKey): Promise<void>
  retire(id: string, now: string): Promise<boolean>
}

export interface OidcClientRecord {
  readonly id: string
  readonly name: string
  readonly public: boolean
  /** Sealed under the secret key; undefined for public clients. */
  readonly secretEncrypted: string | undefined
  readonly redirectUris: readonly string[]
  readonly postLogoutRedirectUris: readonly string[]
  /** OpenID Connect Back-Channel Logout 1.0: where logout tokens go; undefined: none. */
  readonly backchannelLogoutUri: string | undefined
  /** Logout tokens and ID tokens carry `sid` (the usual default: true). */
  readonly backchannelLogoutSessionRequired: boolean
  readonly createdAt: string
}

/** What an operator may change of a registered client (never its id, kind or secret). */
export type OidcClientChanges = Partial<
  Pick<OidcClientRecord, 'name' | 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri' | 'backchannelLogoutSessionRequired'>
>

export interface OidcClientStore {
  insert(client: OidcClientRecord): Promise<void>
  find(id: string): Promise<OidcClientRecord | undefined>
  /** False when there is no such client. */
  update(id: string, changes: OidcClientChanges): Promise<boolean>
  /** Oldest first. */
  list(): Promise<OidcClientRecord[]>
  delete(id: string): Promise<boolean>
}

/**
 * An OIDC grant made during a Gatehouse session (DESIGN §5 "logout everywhere"): ending the session
 * revokes the grant and sends the client a logout token naming `sid`, the value its ID tokens carry.
 */
export interface OidcSessionGrant {
  readonly grantId: string
  /** The Gatehouse session's id hash. */
  readonly sessionHash: string
  readonly clientId: string
  readonly sid: string
  readonly userId: string
  readonly orgId: string
  readonly createdAt: string
  /** The session's absolute expiry: the row is swept after it. */
  readonly expiresAt: string
}

export interface OidcSessionGrantStore {
  insert(row: OidcSessionGrant): Promise<void>
  /** The sid already given to this session's sign-ins to this client for this org, if any. */
  findSid(sessionHash: string, clientId: string, orgId: string): Promise<string | undefined>
  findByGrant(grantId: string): Promise<OidcSessionGrant | undefined>
  /** Deletes and returns the rows of these sessions. */
  takeBySessions(sessionHashes: readonly string[]): Promise<OidcSessionGrant[]>
  /** Deletes and returns the rows for `orgId` made in that org's SSO sessions (SSO turned off). */
  takeBySsoSessionsOfOrg(orgId: string): Promise<OidcSessionGrant[]>
  /** Deletes and returns the rows of a user (for one org when given), whatever their session. */
  takeByUser(userId: string, orgId?: string): Promise<OidcSessionGrant[]>
  deleteExpired(now: string): Promise<void>
}
