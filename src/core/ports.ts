/**
 * What core needs from storage. store/ satisfies these over Kysely; `transaction` gives the same
 * stores bound to one transaction, so writes that belong together commit or fail together.
 */
import type {
  ApiToken,
  AuditEvent,
  Invitation,
  Member,
  Membership,
  Organization,
  OrgRole,
  OutboxMessage,
  Session,
  User,
  Workspace,
  WorkspaceRoles,
} from './types.js'
import type { SsoConnection } from './sso-connection.js'
import type { EmailDomain } from './domain-name.js'
import type { WebhookStore } from './webhook-ports.js'
import type { SamlLogoutStore, SamlStateStore } from './saml-ports.js'

export type { LinkedUser, SamlLogoutStore, SamlRequest, SamlStateStore } from './saml-ports.js'

/** Thrown by a store when an insert or update hits a unique key; core turns it into its own error. */
export class DuplicateKeyError extends Error {
  override name = 'DuplicateKeyError'
}

export interface Page {
  readonly limit: number
  /** Opaque cursor from the previous page. */
  readonly after?: string | undefined
}

export interface OrgStore {
  insert(org: Organization): Promise<void>
  findBySlug(slug: string): Promise<Organization | undefined>
  findById(id: string): Promise<Organization | undefined>
  list(page: Page): Promise<Organization[]>
  count(): Promise<number>
  update(id: string, changes: { name?: string; slug?: string }, now: string): Promise<void>
  delete(id: string): Promise<void>
}

export interface WorkspaceStore {
  insert(workspace: Workspace): Promise<void>
  listByOrg(orgId: string): Promise<Workspace[]>
  findBySlug(orgId: string, slug: string): Promise<Workspace | undefined>
  update(id: string, changes: { name?: string; slug?: string }): Promise<void>
  delete(id: string): Promise<void>
}

export interface NewUser {
  readonly id: string
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  readonly passwordHash: string | null
  readonly createdAt: string
}

export interface UserStore {
  insert(user: NewUser): Promise<void>
  findByEmail(email: string): Promise<User | undefined>
  findById(id: string): Promise<User | undefined>
  /** The stored argon2 hash, for sign-in only. */
  findCredentials(email: string): Promise<{ user: User; passwordHash: string | null } | undefined>
  updateNames(id: string, firstName: string, lastName: string, now: string): Promise<void>
  setPasswordHash(id: string, passwordHash: string, now: string): Promise<void>
}

export interface NewMember {
  readonly id: string
  readonly orgId: string
  readonly userId: string
  readonly role: OrgRole
  readonly allowWithoutSso: boolean
  readonly createdAt: string
}

export interface MemberStore {
  insert(member: NewMember): Promise<void>
  findByUser(orgId: string, userId: string): Promise<Member | undefined>
  findById(orgId: string, memberId: string): Promise<Member | undefined>
  listByOrg(orgId: string): Promise<Member[]>
  listMemberships(userId: string): Promise<Membership[]>
  countOwners(orgId: string): Promise<number>
  update(
    memberId: string,
    changes: { role?: OrgRole | undefined; allowWithoutSso?: boolean | undefined; managedByIdp?: boolean | undefined },
    now: string,
  ): Promise<void>
  /** Replaces every workspace role of the member; keys are workspace ids. */
  setWorkspaceRoles(memberId: string, roles: Readonly<Record<string, string>>): Promise<void>
  /** Deactivates (an instant) or reactivates (null) the member. */
  setDeactivated(memberId: string, deactivatedAt: string | null, now: string): Promise<void>
  delete(memberId: string): Promise<void>
}

export interface InvitationStore {
  insert(invitation: Invitation & { tokenHash: string; invitedBy: string | null }): Promise<void>
  /** Deletes and returns the live invitation with that token: single use is the database's job. */
  consume(tokenHash: string, now: string): Promise<Invitation | undefined>
  findByToken(tokenHash: string, now: string): Promise<Invitation | undefined>
  listByOrg(orgId: string, now: string): Promise<Invitation[]>
  delete(orgId: string, id: string): Promise<boolean>
  deleteByEmail(orgId: string, email: string): Promise<void>
}

export type OneTimePurpose = 'setup' | 'password_reset'

export interface OneTimeTokenStore {
  insert(token: { tokenHash: string; purpose: OneTimePurpose; userId: string | null; createdAt: string; expiresAt: string }): Promise<void>
  /** Deletes and returns the live token: a second use finds nothing. */
  consume(tokenHash: string, purpose: OneTimePurpose, now: string): Promise<{ userId: string | null } | undefined>
  isLive(tokenHash: string, purpose: OneTimePurpose, now: string): Promise<boolean>
  deleteForUser(userId: string, purpose: OneTimePurpose): Promise<void>
}

/** A session as stored at its start: it has not been seen since. */
export type NewSession = Omit<Session, 'lastSeenAt'>

export interface SessionStore {
  insert(session: NewSession): Promise<void>
  find(idHash: string): Promise<Session | undefined>
  touch(idHash: string, lastSeenAt: string, idleExpiresAt: string): Promise<void>
  setOrg(idHash: string, orgId: string): Promise<void>
  delete(idHash: string): Promise<void>
  /** Deletes the session and returns it as it was (single logout needs its subject): none when it was gone. */
  take(idHash: string): Promise<Session | undefined>
  /**
   * Deletes and returns the SSO sessions of `orgId` whose sign-in through `connectionId` named
   * `nameId` — only those of the given SessionIndexes, when any are given (SAML core §3.7.3.2).
   */
  takeBySamlSubject(connectionId: string, orgId: string, nameId: string, sessionIndexes: readonly string[]): Promise<Session[]>
  deleteByUser(userId: string): Promise<void>
  /** Sessions of that user bound to that org (API tokens, SSO sessions). */
  deleteByUserAndOrg(userId: string, orgId: string): Promise<void>
  /** Deletes at most `limit` sessions expired (absolute or idle) at `now`; the number deleted. */
  deleteExpired(now: string, limit: number): Promise<number>
}

export interface ApiTokenStore {
  /** Throws DuplicateKeyError when the member already has a token of that name. */
  insert(token: ApiToken & { tokenHash: string }): Promise<void>
  findByHash(tokenHash: string): Promise<ApiToken | undefined>
  /** The member's tokens (one user in one org), newest first. */
  listByMember(userId: string, orgId: string): Promise<ApiToken[]>
  countByMember(userId: string, orgId: string): Promise<number>
  /** Deletes the token only if it is this member's; returns it, or undefined when there was none. */
  delete(userId: string, orgId: string, id: string): Promise<ApiToken | undefined>
  deleteByMember(userId: string, orgId: string): Promise<number>
  touch(id: string, lastUsedAt: string): Promise<void>
}

export interface RateLimitStore {
  /** Adds one to the counter of `key` in the window starting at `windowStart`; returns the new count. */
  hit(key: string, windowStart: string): Promise<number>
  peek(key: string, windowStart: string): Promise<number>
  reset(key: string): Promise<void>
  /** Deletes up to `limit` counters whose window started before `before` (long over); how many. */
  deleteWindowsBefore(before: string, limit: number): Promise<number>
}

export interface OutboxStore {
  insert(message: OutboxMessage): Promise<void>
  list(limit: number): Promise<OutboxMessage[]>
}

export interface AuditStore {
  insert(event: AuditEvent): Promise<void>
  /** Newest first; `nextCursor` is null on the last page; `actionPrefix` keeps e.g. only `sso.` events. */
  listByOrg(orgId: string, page: Page, actionPrefix?: string): Promise<{ events: AuditEvent[]; nextCursor: string | null }>
}

export interface SsoFailedResponse {
  readonly reference: string
  /** Sortable (UUIDv7): the order they came in. */
  readonly seq: string
  readonly orgId: string
  readonly connectionId: string
  readonly failure: { readonly code: string; readonly [field: string]: unknown }
  readonly xml: string
  readonly createdAt: string
  readonly expiresAt: string
}

export interface SsoFailedResponseStore {
  /** Keeps the newest `keep` of the connection. */
  insert(response: SsoFailedResponse, keep: number): Promise<void>
  find(orgId: string, reference: string): Promise<SsoFailedResponse | undefined>
  deleteExpired(now: string): Promise<void>
}

export interface SpKey {
  readonly id: string
  readonly privateKeyEncrypted: string
  readonly certificatePem: string
  readonly createdAt: string
  /** When the pair starts signing (published and decrypting from `createdAt`); null or absent: since `createdAt`. */
  readonly activatesAt?: string | null | undefined
}

export interface SpKeyRecord extends SpKey {
  readonly retiredAt: string | null
}

export interface SpKeyStore {
  /** Published keys, newest first. */
  listActive(): Promise<SpKey[]>
  /** Every key, retired ones included, newest first. */
  listAll(): Promise<SpKeyRecord[]>
  insert(key: SpKey): Promise<void>
  retire(id: string, now: string): Promise<boolean>
  /** Brings an active pair's start of signing forward to `now`; false when it was retired or signs already. */
  activate(id: string, now: string): Promise<boolean>
}

/** The development IdP's key pair (one per deployment). */
export interface DevIdpKey {
  readonly privateKeyEncrypted: string
  readonly certificatePem: string
  readonly createdAt: string
}

export interface DevIdpKeyStore {
  find(): Promise<DevIdpKey | undefined>
  /** Inserts unless a key pair exists already (another process won the race): then nothing changes. */
  insertIfAbsent(key: DevIdpKey): Promise<void>
}

export interface SsoConnectionStore {
  insert(connection: SsoConnection): Promise<void>
  findByOrg(orgId: string): Promise<SsoConnection | undefined>
  findBySsoName(ssoName: string): Promise<SsoConnection | undefined>
  /** The connection and its org in one read: what every ACS post starts with. */
  findWithOrgBySsoName(ssoName: string): Promise<{ connection: SsoConnection; org: Organization } | undefined>
  update(
    id: string,
    changes: Partial<Pick<SsoConnection, 'ssoName' | 'enabled' | 'idp' | 'policy' | 'metadataUrl' | 'metadataRefreshedAt' | 'metadataRefreshError'>>,
    now: string,
  ): Promise<void>
  listWithMetadataUrl(): Promise<SsoConnection[]>
  /** Every connection whose IdP side is configured (the daily certificate check reads them all). */
  listWithIdp(): Promise<SsoConnection[]>
}

export interface SsoTestRecord {
  readonly id: string
  readonly connectionId: string
  /** The owner who ran it; undefined when a set-up link's session did (`setupLinkId`). */
  readonly userId: string | undefined
  readonly setupLinkId?: string | undefined
  readonly sessionHash: string
  readonly requestId: string
  readonly idpFingerprint: string
  /** undefined while waiting for the IdP. */
  readonly passed: boolean | undefined
  /** JSON of core/sso-test.ts SsoTestResult. */
  readonly result: string | undefined
  readonly createdAt: string
  readonly finishedAt: string | undefined
  readonly expiresAt: string
}

export interface SsoTestStore {
  insert(test: SsoTestRecord): Promise<void>
  findById(id: string): Promise<SsoTestRecord | undefined>
  findByRequestId(requestId: string): Promise<SsoTestRecord | undefined>
  /** Records the outcome once: false when the test already has one. */
  finish(id: string, passed: boolean, result: string, now: string): Promise<boolean>
  /** True when a live test of this configuration passed. */
  hasPassed(connectionId: string, idpFingerprint: string, now: string): Promise<boolean>
  deleteExpired(now: string): Promise<void>
}

export interface EmailDomainStore {
  /** Throws DuplicateKeyError when the org has the domain already. */
  insert(domain: EmailDomain): Promise<void>
  /** By domain name. */
  listByOrg(orgId: string): Promise<EmailDomain[]>
  find(orgId: string, domain: string): Promise<EmailDomain | undefined>
  /** The one row holding this domain verified, in whichever org. */
  findVerified(domain: string): Promise<EmailDomain | undefined>
  /** Throws DuplicateKeyError when another org holds the domain verified (a unique index decides). */
  markVerified(id: string, verifiedAt: string, verifiedBy: 'dns' | 'operator'): Promise<void>
  delete(id: string): Promise<void>
}

export type { ClaimedJob, JobRow, JobStore, NewJob, ScheduledRun, ScheduledRunStore } from './job-ports.js'
import type { JobStore, ScheduledRunStore } from './job-ports.js'
export type { CertificateNotice, CertificateNoticeStore } from './certificate-ports.js'
import type { CertificateNoticeStore } from './certificate-ports.js'
export type {
  OidcClientChanges,
  OidcClientRecord,
  OidcClientStore,
  OidcSessionGrant,
  OidcSessionGrantStore,
  OidcKeyAlgorithm,
  OidcKeyStore,
  OidcPayloadRow,
  OidcPayloadStore,
  OidcSigningKey,
  OrgLoginRow,
} from './oidc-ports.js'
import type { OidcClientStore, OidcKeyStore, OidcPayloadStore, OidcSessionGrantStore } from './oidc-ports.js'
export type {
  Directory,
  DirectoryRequest,
  DirectoryStore,
  DirectoryToken,
  DomainEvent,
  EventStore,
  NewEvent,
  EventType,
  ScimGroupMemberRecord,
  ScimGroupRecord,
  ScimGroupStore,
  ScimGroupWhere,
  ScimUserRecord,
  ScimUserStore,
  ScimUserWhere,
} from './directory-ports.js'
export { EventCursorNotFoundError } from './directory-ports.js'
import type { DirectoryStore, EventStore, ScimGroupStore, ScimUserStore } from './directory-ports.js'
import type { SetupLinkStore } from './setup-link-ports.js'

export interface Stores {
  readonly orgs: OrgStore
  readonly workspaces: WorkspaceStore
  readonly users: UserStore
  readonly members: MemberStore
  readonly invitations: InvitationStore
  readonly oneTimeTokens: OneTimeTokenStore
  readonly sessions: SessionStore
  readonly apiTokens: ApiTokenStore
  readonly rateLimits: RateLimitStore
  readonly outbox: OutboxStore
  readonly jobs: JobStore
  readonly audit: AuditStore
  readonly spKeys: SpKeyStore
  readonly scheduledRuns: ScheduledRunStore
  readonly certificateNotices: CertificateNoticeStore
  readonly ssoConnections: SsoConnectionStore
  readonly saml: SamlStateStore
  readonly samlLogout: SamlLogoutStore
  readonly ssoTests: SsoTestStore
  readonly ssoFailedResponses: SsoFailedResponseStore
  readonly emailDomains: EmailDomainStore
  readonly oidcPayloads: OidcPayloadStore
  readonly oidcKeys: OidcKeyStore
  readonly oidcClients: OidcClientStore
  readonly oidcSessionGrants: OidcSessionGrantStore
  readonly devIdpKeys: DevIdpKeyStore
  readonly directories: DirectoryStore
  readonly events: EventStore
  readonly scimUsers: ScimUserStore
  readonly scimGroups: ScimGroupStore
  readonly webhooks: WebhookStore
  readonly setupLinks: SetupLinkStore
}

export interface Store extends Stores {
  transaction<T>(work: (stores: Stores) => Promise<T>): Promise<T>
  /**
   * Bulk work (the expiry sweep) awaits this every few batches: the database catches up off the
   * event loop (SQLite: the WAL is checkpointed by the worker), so no later commit has to.
   */
  settleWrites(): Promise<void>
}

export type { WorkspaceRoles }
