/** Request and response shapes of the REST API (DESIGN §5), shared by validation and OpenAPI. */
import { z } from 'zod'
import { ORG_ROLES } from '../../core/types.js'

export const Slug = z.string().min(1).max(63).describe('3–63 of a-z, 0-9 and "-", not starting or ending with "-"')
export const OrgRole = z.enum(ORG_ROLES)
export const WorkspaceRoles = z.record(z.string().max(63), z.string().max(32)).describe('{workspaceSlug: role}')
const Timestamp = z.string().describe('ISO 8601, UTC')

export const OrgParams = z.object({ org: z.string().max(63) }).strict()
export const WorkspaceParams = z.object({ org: z.string().max(63), workspace: z.string().max(63) }).strict()
export const MemberParams = z.object({ org: z.string().max(63), member: z.string().max(320).describe('member id or email') }).strict()
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(400).optional().describe('cursor from the previous page (`nextCursor`)'),
}).strict()

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
  createdAt: Timestamp,
})
export const MemberInput = z.object({
  email: z.string().min(3).max(254),
  firstName: z.string().max(200).default(''),
  lastName: z.string().max(200).default(''),
  role: OrgRole.default('member'),
  password: z.string().min(1).max(256).optional().describe('sets the password of a user created by this call; an existing user keeps theirs'),
  allowWithoutSso: z.boolean().optional(),
  workspaceRoles: WorkspaceRoles.optional(),
}).strict()
export const MemberPatch = z.object({
  role: OrgRole.optional(),
  allowWithoutSso: z.boolean().optional(),
  workspaceRoles: WorkspaceRoles.optional().describe('replaces every workspace role of the member'),
}).strict()
export const MemberList = z.object({ data: z.array(Member) })

export const AuditEvent = z.object({
  id: z.string(), actor: z.string(), action: z.string(), target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()), createdAt: Timestamp,
})
export const AuditLog = z.object({ data: z.array(AuditEvent), nextCursor: z.string().nullable() })

export const PasswordSignInInput = z.object({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
  org: z.string().min(1).max(63).describe('slug of the organization to act for'),
}).strict()
export const PasswordSignInResult = z.object({ token: z.string(), expiresAt: Timestamp })

export const Me = z.object({
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  org: z.string().nullable().describe('slug of the organization this session acts for'),
  orgRole: OrgRole.nullable(),
  workspaceRoles: WorkspaceRoles,
  authMethod: z.enum(['password', 'saml']),
  sessionExpiresAt: Timestamp,
})

export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }),
})
