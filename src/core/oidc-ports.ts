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
  readonly createdAt: string
}

export interface OidcClientStore {
  insert(client: OidcClientRecord): Promise<void>
  find(id: string): Promise<OidcClientRecord | undefined>
  /** Oldest first. */
  list(): Promise<OidcClientRecord[]>
  delete(id: string): Promise<boolean>
}
