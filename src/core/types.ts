/** The domain as core sees it (DESIGN §1): organizations, workspaces, users, members. */
export const ORG_ROLES = ['owner', 'admin', 'member'] as const
export type OrgRole = (typeof ORG_ROLES)[number]

export type AuthMethod = 'password' | 'saml'
export type SessionKind = 'browser' | 'api'

export interface Organization {
  readonly id: string
  readonly name: string
  readonly slug: string
  readonly createdAt: string
}

export interface Workspace {
  readonly id: string
  readonly orgId: string
  readonly name: string
  readonly slug: string
  readonly createdAt: string
}

export interface User {
  readonly id: string
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  readonly hasPassword: boolean
  readonly createdAt: string
}

/** `{workspaceSlug: role}` */
export type WorkspaceRoles = Readonly<Record<string, string>>

export interface Member {
  readonly id: string
  readonly orgId: string
  readonly user: User
  readonly role: OrgRole
  readonly allowWithoutSso: boolean
  readonly workspaceRoles: WorkspaceRoles
  /** Roles come from the IdP's role mapping at every SSO sign-in and cannot be edited here. */
  readonly managedByIdp: boolean
  /** Set while the org's directory has the member switched off (SCIM `active: false`): they can do nothing there. */
  readonly deactivatedAt: string | null
  /** A user of the org's enabled directory (SCIM): with role mapping on, its groups are IdP roles (DESIGN §8). */
  readonly linkedToDirectory: boolean
  readonly createdAt: string
}

export interface Membership {
  readonly org: Organization
  readonly member: Member
}

export interface Invitation {
  readonly id: string
  readonly orgId: string
  readonly email: string
  readonly role: OrgRole
  readonly workspaceRoles: WorkspaceRoles
  readonly createdAt: string
  readonly expiresAt: string
}

/**
 * The subject of an SSO sign-in as the IdP named it (SAML core §2.2.3, §3.7.1): what our
 * LogoutRequest names, and what an IdP's LogoutRequest is matched against (DESIGN §10).
 */
export interface SamlSessionSubject {
  readonly connectionId: string
  readonly nameId: string
  readonly nameIdFormat?: string | undefined
  readonly nameQualifier?: string | undefined
  readonly spNameQualifier?: string | undefined
  readonly sessionIndex?: string | undefined
}

export interface Session {
  readonly idHash: string
  readonly userId: string
  readonly orgId: string | null
  readonly kind: SessionKind
  readonly authMethod: AuthMethod
  readonly createdAt: string
  readonly lastSeenAt: string
  readonly idleExpiresAt: string
  readonly expiresAt: string
  /** Present on an SSO session started by an assertion (not on password or API sessions). */
  readonly saml?: SamlSessionSubject | undefined
}

/** A personal API token as stored: never the secret, only its hash (which never leaves store/ and core). */
export interface ApiToken {
  readonly id: string
  readonly userId: string
  readonly orgId: string
  readonly name: string
  readonly createdAt: string
  /** Null: does not expire. */
  readonly expiresAt: string | null
  readonly lastUsedAt: string | null
}

export interface AuditEvent {
  readonly id: string
  readonly orgId: string | null
  readonly actor: string
  readonly action: string
  readonly target: string | null
  readonly detail: Readonly<Record<string, unknown>>
  readonly createdAt: string
}

export interface OutboxMessage {
  readonly id: string
  readonly recipient: string
  readonly subject: string
  readonly body: string
  readonly createdAt: string
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}
