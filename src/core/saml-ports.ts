/** What SAML sign-in and single logout need from storage: outstanding requests, replay records, remembered identities (see ports.ts). */
import type { User } from './types.js'

export interface SamlRequest {
  readonly id: string
  readonly relayTokenHash: string
  readonly connectionId: string
  readonly returnTo: string | undefined
  readonly testByUserId: string | undefined
  readonly createdAt: string
  readonly expiresAt: string
}

export interface SamlLogoutStore {
  /** Our LogoutRequest, outstanding until its LogoutResponse or its expiry. */
  insertRequest(request: { id: string; connectionId: string; createdAt: string; expiresAt: string }): Promise<void>
  /** Deletes and returns whether the live request of this connection was there: an InResponseTo is good once. */
  consumeRequest(id: string, connectionId: string, now: string): Promise<boolean>
  /** True when the IdP's LogoutRequest ID is new for this connection; false when it was seen (a replay). */
  rememberRequestId(connectionId: string, requestId: string, expiresAt: string): Promise<boolean>
  deleteExpired(now: string): Promise<void>
}

export interface LinkedUser {
  readonly user: User
  readonly identitySeenAt: string
  readonly memberId: string | undefined
  /** The membership is deactivated (DESIGN §8): sign-in must go the long way, which refuses it. */
  readonly memberDeactivated: boolean
}

export interface SamlStateStore {
  insertRequest(request: SamlRequest): Promise<void>
  /** Deletes and returns the live request of this connection: an InResponseTo is good once. */
  consumeRequest(id: string, connectionId: string, now: string): Promise<SamlRequest | undefined>
  /** Deletes and returns the live test request (test SSO) of this connection whose RelayState has this hash. */
  consumeTestRequestByRelay(relayTokenHash: string, connectionId: string, now: string): Promise<SamlRequest | undefined>
  /** True when the assertion ID is new for this connection; false when it was seen (a replay). */
  rememberAssertion(connectionId: string, assertionId: string, expiresAt: string): Promise<boolean>
  findIdentity(connectionId: string, nameId: string): Promise<string | undefined>
  /**
   * The user remembered for this NameID, when the identity was last remembered, and the user's
   * membership of `orgId` if any, in one read: a returning user's sign-in needs nothing more.
   */
  findLinkedUser(connectionId: string, nameId: string, orgId: string): Promise<LinkedUser | undefined>
  rememberIdentity(connectionId: string, nameId: string, userId: string, now: string): Promise<void>
  deleteExpired(now: string): Promise<void>
}
