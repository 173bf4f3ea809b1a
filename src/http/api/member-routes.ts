/** Operator API: members and the audit log. */
import type { CoreDeps } from '../../core/deps.js'
import { addMember, getMember, listMembers, removeMember, updateMember } from '../../core/members.js'
import { listAuditLog } from '../../core/audit.js'
import { auditJson, memberJson } from './json.js'
import { route, type ApiRoute } from './route.js'
import { AuditLog, Member, MemberInput, MemberList, MemberParams, MemberPatch, OrgParams, PageQuery } from './schemas.js'

const operator = { kind: 'operator' } as const

export function memberRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'Members'
  return [
    route({
      method: 'POST',
      path: '/organizations/:org/members',
      tag,
      security: 'operator',
      summary: 'Add a member (creates the user when the email is new)',
      params: OrgParams,
      body: MemberInput,
      response: Member,
      status: 201,
      errors: [404, 409, 422],
      handle: async ({ params, body }) => memberJson(await addMember(deps, params.org, body, operator)),
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/members',
      tag,
      security: 'operator',
      summary: 'List members by email',
      params: OrgParams,
      response: MemberList,
      errors: [404],
      handle: async ({ params }) => ({ data: (await listMembers(deps, params.org)).map(memberJson) }),
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/members/:member',
      tag,
      security: 'operator',
      summary: 'Get a member by id or email',
      params: MemberParams,
      response: Member,
      errors: [404],
      handle: async ({ params }) => memberJson(await getMember(deps, params.org, params.member)),
    }),
    route({
      method: 'PATCH',
      path: '/organizations/:org/members/:member',
      tag,
      security: 'operator',
      summary: "Change a member's org role, allow-without-SSO flag or workspace roles",
      params: MemberParams,
      body: MemberPatch,
      response: Member,
      errors: [404, 409, 422],
      handle: async ({ params, body }) => memberJson(await updateMember(deps, params.org, params.member, body, operator)),
    }),
    route({
      method: 'DELETE',
      path: '/organizations/:org/members/:member',
      tag,
      security: 'operator',
      summary: 'Remove a member (the user stays)',
      params: MemberParams,
      errors: [404, 409],
      handle: async ({ params }) => {
        await removeMember(deps, params.org, params.member, operator)
      },
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/audit-log',
      tag: 'Audit log',
      security: 'operator',
      summary: "The org's audit log, newest first",
      params: OrgParams,
      query: PageQuery,
      response: AuditLog,
      errors: [404],
      handle: async ({ params, query }) => {
        const { events, nextCursor } = await listAuditLog(deps, params.org, { limit: query.limit, after: query.after })
        return { data: events.map(auditJson), nextCursor }
      },
    }),
  ]
}
