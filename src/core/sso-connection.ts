/**
 * An org's SSO connection (DESIGN §1): the generated SP side, the IdP side the owner enters, and
 * the policy. Defaults are what an owner of a new connection would expect.
 */
import { createHash } from 'node:crypto'
import { cachedCertificate } from '../saml/certificate.js'
import type { IdpSingleLogout } from '../saml/idp-metadata.js'

export const ENFORCEMENTS = ['optional', 'exceptions', 'strict'] as const
export type Enforcement = (typeof ENFORCEMENTS)[number]
export const PROVISIONING = ['invite-only', 'just-in-time'] as const
export type Provisioning = (typeof PROVISIONING)[number]

export interface RoleRule {
  readonly idpRole: string
  readonly orgRole: 'admin' | 'member'
  readonly workspaceRoles: Readonly<Record<string, string>>
}

export interface SsoPolicy {
  readonly enforcement: Enforcement
  readonly apiAllowList: readonly string[]
  readonly sessionTimeoutHours: number
  readonly provisioning: Provisioning
  readonly allowIdpInitiated: boolean
  readonly requireEncryptedAssertions: boolean
  readonly attributeMapping: {
    readonly email: readonly string[]
    readonly firstName: readonly string[]
    readonly lastName: readonly string[]
    readonly roles: readonly string[]
  }
  readonly roleMapping: {
    readonly enabled: boolean
    readonly attribute: string
    readonly delimiter: string
    readonly rules: readonly RoleRule[]
  }
  readonly workspaceAttributes: { readonly enabled: boolean; readonly prefix: string }
}

export const METADATA_FROM = ['upload', 'paste', 'dev-idp'] as const
export type MetadataFrom = (typeof METADATA_FROM)[number]

export interface IdpConfig {
  readonly entityId: string
  readonly ssoUrlRedirect: string | undefined
  readonly ssoUrlPost: string | undefined
  /** PEM; several during a certificate rollover. */
  readonly certificates: readonly string[]
  readonly signatureAlgorithm: 'rsa-sha256' | 'rsa-sha1'
  readonly source: 'metadata' | 'metadata-url' | 'manual'
  /**
   * How metadata XML reached us, for "Configured from": absent for the API and for configurations
   * saved before it was recorded (stored in the IdP's JSON, so older rows read as before).
   */
  readonly metadataFrom?: MetadataFrom | undefined
  readonly nameIdFormats: readonly string[]
  /**
   * Where SAML single logout goes (DESIGN §10): from metadata's SingleLogoutService or the manual
   * `sloUrl`; absent when the IdP has none (Google) or it was configured before single logout.
   */
  readonly singleLogout?: IdpSingleLogout | undefined
}

export interface SsoConnection {
  readonly id: string
  readonly orgId: string
  readonly ssoName: string
  readonly enabled: boolean
  readonly idp: IdpConfig | undefined
  readonly policy: SsoPolicy
  readonly metadataUrl: string | undefined
  readonly metadataRefreshedAt: string | undefined
  readonly metadataRefreshError: string | undefined
  readonly createdAt: string
  readonly updatedAt: string
}

/** The usual attribute names of the major IdPs, first present wins (DESIGN §2.4). */
export const DEFAULT_ATTRIBUTE_MAPPING: SsoPolicy['attributeMapping'] = {
  email: [
    'email',
    'Email',
    'mail',
    'emailAddress',
    'User.email',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    'urn:oid:0.9.2342.19200300.100.1.3',
  ],
  firstName: [
    'first_name',
    'firstName',
    'givenName',
    'given_name',
    'User.FirstName',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
    'urn:oid:2.5.4.42',
  ],
  lastName: [
    'last_name',
    'lastName',
    'sn',
    'surname',
    'family_name',
    'User.LastName',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
    'urn:oid:2.5.4.4',
  ],
  roles: [
    'roles',
    'groups',
    'Role',
    'memberOf',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
  ],
}

export const DEFAULT_POLICY: SsoPolicy = {
  enforcement: 'optional',
  apiAllowList: [],
  sessionTimeoutHours: 12,
  provisioning: 'invite-only',
  allowIdpInitiated: true,
  requireEncryptedAssertions: false,
  attributeMapping: DEFAULT_ATTRIBUTE_MAPPING,
  roleMapping: { enabled: false, attribute: 'roles', delimiter: ',', rules: [] },
  workspaceAttributes: { enabled: false, prefix: 'workspace.' },
}

export interface SpEndpoints {
  readonly entityId: string
  readonly acsUrl: string
  readonly metadataUrl: string
  readonly loginUrl: string
  /** SingleLogoutService, HTTP-Redirect and HTTP-POST (DESIGN §10). */
  readonly sloUrl: string
}

export function spEndpoints(baseUrl: string, ssoName: string): SpEndpoints {
  return {
    entityId: `${baseUrl}/saml/${ssoName}`,
    acsUrl: `${baseUrl}/saml/${ssoName}/acs`,
    metadataUrl: `${baseUrl}/saml/${ssoName}/metadata`,
    loginUrl: `${baseUrl}/sso/${ssoName}`,
    sloUrl: `${baseUrl}/saml/${ssoName}/slo`,
  }
}

/**
 * What a test SSO vouches for: the IdP side and the fields the response checks depend on. Any change
 * (a refreshed certificate, a new SSO URL, requiring encryption, a new SSO name) needs a new test
 * before a user may enable SSO.
 */
export function idpFingerprint(connection: SsoConnection): string {
  const idp = connection.idp
  const tested =
    idp === undefined
      ? null
      : {
          entityId: idp.entityId,
          ssoUrlRedirect: idp.ssoUrlRedirect ?? null,
          ssoUrlPost: idp.ssoUrlPost ?? null,
          certificates: idp.certificates.map((pem) => cachedCertificate(pem).fingerprint).sort(),
          signatureAlgorithm: idp.signatureAlgorithm,
          requireEncryptedAssertions: connection.policy.requireEncryptedAssertions,
          ssoName: connection.ssoName,
        }
  return createHash('sha256').update(JSON.stringify(tested)).digest('base64url')
}
