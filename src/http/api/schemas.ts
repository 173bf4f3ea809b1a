/** Request and response shapes of the REST API (DESIGN §5), shared by validation and OpenAPI. */
import { z } from 'zod'
import { EVENT_TYPES } from '../../core/directory-ports.js'
import { ORG_ROLES } from '../../core/types.js'

// A size guard only: core checks the 63-character rule, so a long slug gets org_/workspace_slug_invalid (422) like any other bad one.
export const Slug = z.string().min(1).max(200).describe('3–63 of a-z, 0-9 and "-", not starting or ending with "-"')
export const OrgRole = z.enum(ORG_ROLES)
export const WorkspaceRoles = z.record(z.string().max(63), z.string().max(32)).describe('{workspaceSlug: role}')
const Timestamp = z.string().describe('ISO 8601, UTC')

export const OrgParams = z.object({ org: z.string().max(63) }).strict()
export const WorkspaceParams = z.object({ org: z.string().max(63), workspace: z.string().max(63) }).strict()
export const MemberParams = z.object({ org: z.string().max(63), member: z.string().max(320).describe('member id or email') }).strict()
export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    after: z.string().max(400).optional().describe('cursor from the previous page (`nextCursor`)'),
  })
  .strict()

export const Organization = z.object({ id: z.string(), name: z.string(), slug: z.string(), createdAt: Timestamp })
export const OrganizationInput = z.object({ name: z.string().min(1).max(200), slug: Slug }).strict()
export const OrganizationPatch = z.object({ name: z.string().min(1).max(200).optional(), slug: Slug.optional() }).strict()
export const OrganizationList = z.object({ data: z.array(Organization), nextCursor: z.string().nullable() })

export const Workspace = z.object({ id: z.string(), name: z.string(), slug: z.string(), createdAt: Timestamp })
export const WorkspaceInput = z.object({ name: z.string().min(1).max(200), slug: Slug }).strict()
export const WorkspacePatch = OrganizationPatch
export const WorkspaceList = z.object({ data: z.array(Workspace) })

export const Member = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  role: OrgRole,
  allowWithoutSso: z.boolean(),
  workspaceRoles: WorkspaceRoles,
  hasPassword: z.boolean(),
  managedByIdp: z.boolean(),
  createdAt: Timestamp,
})
export const MemberInput = z
  .object({
    email: z.string().min(3).max(254),
    firstName: z.string().max(200).default(''),
    lastName: z.string().max(200).default(''),
    role: OrgRole.default('member'),
    password: z.string().min(1).max(256).optional().describe('sets the password of a user created by this call; an existing user keeps theirs'),
    allowWithoutSso: z.boolean().optional(),
    workspaceRoles: WorkspaceRoles.optional(),
  })
  .strict()
export const MemberPatch = z
  .object({
    role: OrgRole.optional(),
    allowWithoutSso: z.boolean().optional(),
    workspaceRoles: WorkspaceRoles.optional().describe('replaces every workspace role of the member'),
  })
  .strict()
export const MemberList = z.object({ data: z.array(Member) })

export const AuditEvent = z.object({
  id: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
})
export const AuditLog = z.object({ data: z.array(AuditEvent), nextCursor: z.string().nullable() })

export const PasswordSignInInput = z
  .object({
    email: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
    org: z.string().min(1).max(63).describe('slug of the organization to act for'),
  })
  .strict()
export const PasswordSignInResult = z.object({ token: z.string(), expiresAt: Timestamp })

export const Me = z.object({
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  org: z.string().nullable().describe('slug of the organization this session acts for'),
  orgRole: OrgRole.nullable(),
  workspaceRoles: WorkspaceRoles,
  authMethod: z.enum(['password', 'saml']).describe('`password` for a password session, API sign-in or a personal API token; `saml` for single sign-on'),
  sessionExpiresAt: Timestamp.nullable().describe('when the session or token ends; null for a personal API token that does not expire'),
})

export const ApiTokenParams = z.object({ id: z.string().max(100) }).strict()
export const ApiTokenInput = z
  .object({
    // A size guard only: core checks 1–100 characters without control characters (token_name_invalid, 422).
    name: z.string().max(1000).describe('1–100 characters, unique among your tokens for this organization'),
    expiresInDays: z.number().int().min(1).max(366).optional().describe('the token ends this many days from now; omit for a token that does not expire'),
  })
  .strict()
export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable().describe('to the minute: updated at most once a minute'),
  expiresAt: Timestamp.nullable().describe('null: does not expire'),
})
export const CreatedApiToken = ApiToken.extend({
  token: z.string().describe('the secret, `ghpt_` and 43 characters: shown this once, never again'),
})
export const ApiTokenList = z.object({ data: z.array(ApiToken) })

export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }),
})

export const SsoNameInput = z.object({ ssoName: z.string().min(1).max(63) }).strict()

const IdpView = z.object({
  entityId: z.string(),
  ssoUrl: z.string().nullable().describe('HTTP-Redirect endpoint, else HTTP-POST'),
  ssoUrlRedirect: z.string().nullable(),
  ssoUrlPost: z.string().nullable(),
  certificates: z.array(z.object({ fingerprint: z.string(), subject: z.string(), notAfter: Timestamp, pem: z.string() })),
  signatureAlgorithm: z.enum(['rsa-sha256', 'rsa-sha1']),
  source: z.enum(['metadata', 'metadata-url', 'manual']),
  metadataUrl: z.string().nullable(),
  metadataRefreshedAt: Timestamp.nullable(),
  metadataRefreshError: z.string().nullable(),
  sloUrl: z.string().nullable().describe("The IdP's single logout endpoint (DESIGN §10), or null when it has none"),
  sloBinding: z.enum(['redirect', 'post']).nullable(),
  sloResponseUrl: z.string().nullable().describe('Where LogoutResponses go when it differs (metadata ResponseLocation)'),
})

export const RoleRule = z.object({ idpRole: z.string(), orgRole: z.enum(['admin', 'member']), workspaceRoles: WorkspaceRoles })
export const SsoPolicy = z.object({
  enforcement: z.enum(['optional', 'exceptions', 'strict']),
  apiAllowList: z.array(z.string()),
  sessionTimeoutHours: z.number().int(),
  provisioning: z.enum(['invite-only', 'just-in-time']),
  allowIdpInitiated: z.boolean(),
  requireEncryptedAssertions: z.boolean(),
  attributeMapping: z.object({ email: z.array(z.string()), firstName: z.array(z.string()), lastName: z.array(z.string()), roles: z.array(z.string()) }),
  roleMapping: z.object({ enabled: z.boolean(), attribute: z.string(), delimiter: z.string(), rules: z.array(RoleRule) }),
  workspaceAttributes: z.object({ enabled: z.boolean(), prefix: z.string() }),
})
export const SsoPolicyPatch = z
  .object({
    enforcement: z.enum(['optional', 'exceptions', 'strict']).optional(),
    apiAllowList: z.array(z.string().max(320)).max(1000).optional(),
    sessionTimeoutHours: z.number().int().min(1).max(24).optional(),
    provisioning: z.enum(['invite-only', 'just-in-time']).optional(),
    allowIdpInitiated: z.boolean().optional(),
    requireEncryptedAssertions: z.boolean().optional(),
    attributeMapping: z
      .object({
        email: z.array(z.string().min(1).max(1024)).min(1).max(20).optional(),
        firstName: z.array(z.string().min(1).max(1024)).min(1).max(20).optional(),
        lastName: z.array(z.string().min(1).max(1024)).min(1).max(20).optional(),
        roles: z.array(z.string().min(1).max(1024)).min(1).max(20).optional(),
      })
      .strict()
      .optional(),
    roleMapping: z
      .object({
        enabled: z.boolean().optional(),
        attribute: z.string().min(1).max(1024).optional(),
        delimiter: z.string().min(1).max(4).optional(),
        rules: z.array(RoleRule.strict()).max(500).optional(),
      })
      .strict()
      .optional(),
    workspaceAttributes: z
      .object({ enabled: z.boolean().optional(), prefix: z.string().min(1).max(100).optional() })
      .strict()
      .optional(),
  })
  .strict()

export const Sso = z.object({
  ssoName: z.string(),
  enabled: z.boolean(),
  sp: z.object({
    entityId: z.string(),
    acsUrl: z.string(),
    metadataUrl: z.string(),
    loginUrl: z.string(),
    sloUrl: z.string(),
    certificate: z.string(),
    certificates: z.array(z.string()),
  }),
  idp: IdpView.nullable(),
  policy: SsoPolicy,
  warnings: z.array(z.string()).optional(),
})

export const IdpInput = z.union([
  z
    .object({
      metadataXml: z
        .string()
        .min(1)
        .max(10 * 1024 * 1024),
      entityId: z.string().max(1024).optional(),
      sloUrl: z.string().min(1).max(2048).optional().describe('The IdP single logout URL (HTTP-Redirect); overrides what metadata says'),
    })
    .strict(),
  z
    .object({
      metadataUrl: z.string().min(1).max(2048),
      entityId: z.string().max(1024).optional(),
      sloUrl: z.string().min(1).max(2048).optional().describe('The IdP single logout URL (HTTP-Redirect); overrides what metadata says'),
    })
    .strict(),
  z
    .object({
      ssoUrl: z.string().min(1).max(2048),
      entityId: z.string().min(1).max(1024),
      certificates: z.array(z.string().min(1).max(20_000)).min(1).max(10),
      signatureAlgorithm: z.enum(['rsa-sha256', 'rsa-sha1']).optional(),
      sloUrl: z.string().min(1).max(2048).optional().describe('The IdP single logout URL (HTTP-Redirect); overrides what metadata says'),
    })
    .strict(),
])

export const EnableInput = z.object({ skipTest: z.boolean().optional() }).strict().optional()

// A size guard only: core names what is wrong with a domain (domain_invalid, 422).
export const DomainParams = z.object({ org: z.string().max(63), domain: z.string().max(1000).describe('the domain, e.g. acme.com') }).strict()
export const EmailDomain = z.object({
  domain: z.string().describe('lower-case IDNA (punycode) form'),
  verified: z.boolean(),
  verifiedAt: Timestamp.nullable(),
  verifiedBy: z.enum(['dns', 'operator']).nullable(),
  verification: z.object({
    type: z.literal('TXT'),
    name: z.string().describe('where to publish the record: the domain itself'),
    value: z.string().describe('the exact TXT value: gatehouse-verification=<token>'),
  }),
  createdAt: Timestamp,
})
export const EmailDomainList = z.object({ data: z.array(EmailDomain) })
export const EmailDomainInput = z.object({ domain: z.string().max(1000) }).strict()
export const VerifyDomainInput = z
  .object({
    skipDnsCheck: z.boolean().optional().describe('operator only: mark verified without looking at DNS'),
  })
  .strict()
  .optional()

export const OidcClientParams = z.object({ id: z.string().max(100) }).strict()
export const OidcClient = z.object({
  id: z.string().describe('the client_id'),
  name: z.string(),
  public: z.boolean().describe('a public client has no secret and must use PKCE (S256)'),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  backchannelLogoutUri: z.string().nullable().describe('where OpenID Connect Back-Channel Logout 1.0 logout tokens are POSTed; null: none'),
  backchannelLogoutSessionRequired: z.boolean().describe('logout tokens and ID tokens carry sid'),
  createdAt: Timestamp,
})
const BackchannelLogoutUri = z
  .string()
  .max(2000)
  .describe('OpenID Connect Back-Channel Logout 1.0: absolute, no fragment; https and no internal address in production')
export const OidcClientInput = z
  .object({
    name: z.string().min(1).max(200),
    redirectUris: z.array(z.string().max(2000)).min(1).max(20).describe('https, or http://localhost / 127.0.0.1 outside production; no fragment'),
    postLogoutRedirectUris: z.array(z.string().max(2000)).max(20).optional(),
    public: z.boolean().optional().describe('true: no secret, PKCE required (single-page and native apps)'),
    backchannelLogoutUri: BackchannelLogoutUri.optional(),
    backchannelLogoutSessionRequired: z.boolean().optional().describe('default true: logout tokens carry sid'),
  })
  .strict()
export const OidcClientUpdate = z
  .object({
    name: z.string().min(1).max(200).optional(),
    redirectUris: z.array(z.string().max(2000)).min(1).max(20).optional(),
    postLogoutRedirectUris: z.array(z.string().max(2000)).max(20).optional(),
    backchannelLogoutUri: BackchannelLogoutUri.nullable().optional().describe('null removes it'),
    backchannelLogoutSessionRequired: z.boolean().optional(),
  })
  .strict()
export const CreatedOidcClient = OidcClient.extend({
  clientSecret: z.string().nullable().describe('confidential clients only; shown in this answer only'),
})
export const OidcClientList = z.object({ data: z.array(OidcClient) })

export const SpKeyParams = z.object({ id: z.string().max(100) }).strict()
export const SpKey = z
  .object({
    id: z.string(),
    createdAt: Timestamp,
    retiredAt: Timestamp.nullable().describe('null while the key is active'),
    activatesAt: Timestamp.describe('when the key signs (or signed) from; published and decrypting from createdAt'),
    state: z
      .enum(['next', 'signing', 'previous', 'retired'])
      .describe('next: published, signs from activatesAt; signing: signs now; previous: replaced, still published and decrypting; retired: gone'),
    active: z.boolean().describe('published in every SP metadata document and decrypting assertions'),
    signing: z.boolean().describe('the newest key whose activatesAt has come: it signs AuthnRequests and leads the metadata; it cannot be retired'),
    certificatePem: z.string(),
    fingerprint: z.string().describe('SHA-256 of the certificate (DER), colon-separated hex'),
    notAfter: Timestamp.describe("the certificate's expiry"),
  })
  .describe('never the private key')
export const SpKeyList = z.object({ data: z.array(SpKey) })
export const NoOptions = z.object({}).strict().optional()
export const SpKeyRotation = z
  .object({
    activate: z
      .boolean()
      .optional()
      .describe(
        'true: the new key signs at once (a compromised key; IdPs that pin the SP certificate need it by hand). Default: it signs after the publication period',
      ),
  })
  .strict()
  .optional()

export const DirectoryTokenParams = z.object({ org: z.string().max(63), id: z.string().max(100) }).strict()
export const DirectoryToken = z.object({
  id: z.string(),
  prefix: z.string().describe("the secret's first characters, to tell tokens apart"),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
})
export const CreatedDirectoryToken = z.object({
  id: z.string(),
  secret: z.string().describe('the bearer token for the IdP (ghsc_…); shown in this answer only'),
  createdAt: Timestamp,
})
export const CreatedDirectory = z.object({
  baseUrl: z.string().describe('the SCIM base URL to give the IdP: {BASE_URL}/scim/v2/{directoryId}'),
  enabled: z.literal(true),
  token: CreatedDirectoryToken,
})
export const Directory = z.object({
  baseUrl: z.string(),
  enabled: z.boolean().describe('false once disabled: SCIM answers 401'),
  tokens: z.array(DirectoryToken).describe('live tokens, oldest first (at most two)'),
  userCount: z.number().int(),
  groupCount: z.number().int(),
  lastRequestAt: Timestamp.nullable(),
})
export const DirectoryRequest = z.object({
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  errorDetail: z.string().nullable().describe('the SCIM error detail answered, if any'),
  body: z.string().nullable().describe('the request body, secrets removed, cut at 4 KiB'),
  createdAt: Timestamp,
})
export const DirectoryRequestList = z.object({ data: z.array(DirectoryRequest) })

// The event stream (DESIGN §9, docs/events.md).
export const EventQuery = z
  .object({
    after: z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'not a cursor this API gave (use nextCursor as it is)')
      .optional()
      .describe('opaque cursor: `nextCursor` of the previous page; omit to start at the oldest event kept'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict()
export const StreamEvent = z.object({
  id: z.string().describe('unique; de-duplicate on it'),
  type: z.enum(EVENT_TYPES),
  createdAt: Timestamp,
  org: z.object({ id: z.string(), slug: z.string().nullable() }).nullable().describe('the org, with its slug when the event was written'),
  data: z.record(z.string(), z.unknown()).describe('per type: docs/events.md'),
})
export const EventList = z.object({
  data: z.array(StreamEvent),
  nextCursor: z.string().nullable().describe('pass as `after` to read on (also when `data` is empty); null only while the stream is empty'),
})
