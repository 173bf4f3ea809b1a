/** Operator API: organizations and their workspaces. */
import type { CoreDeps } from '../../core/deps.js'
import {
  createOrganization,
  createWorkspace,
  deleteOrganization,
  deleteWorkspace,
  getOrganization,
  getWorkspace,
  listOrganizations,
  listWorkspaces,
  updateOrganization,
  updateWorkspace,
} from '../../core/orgs.js'
import { orgJson, workspaceJson } from './json.js'
import { route, type ApiRoute } from './route.js'
import {
  Organization,
  OrganizationInput,
  OrganizationList,
  OrganizationPatch,
  OrgParams,
  PageQuery,
  Workspace,
  WorkspaceInput,
  WorkspaceList,
  WorkspaceParams,
  WorkspacePatch,
} from './schemas.js'

const operator = { kind: 'operator' } as const

export function organizationRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'Organizations'
  return [
    route({
      method: 'POST',
      path: '/organizations',
      tag,
      security: 'operator',
      summary: 'Create an organization',
      body: OrganizationInput,
      response: Organization,
      status: 201,
      errors: [409, 422],
      handle: async ({ body }) => orgJson(await createOrganization(deps, body, operator)),
    }),
    route({
      method: 'GET',
      path: '/organizations',
      tag,
      security: 'operator',
      summary: 'List organizations by slug',
      query: PageQuery,
      response: OrganizationList,
      handle: async ({ query }) => {
        const orgs = await listOrganizations(deps, { limit: query.limit + 1, after: query.after })
        const page = orgs.slice(0, query.limit)
        return { data: page.map(orgJson), nextCursor: orgs.length > query.limit ? page[page.length - 1]!.slug : null }
      },
    }),
    route({
      method: 'GET',
      path: '/organizations/:org',
      tag,
      security: 'operator',
      summary: 'Get an organization',
      params: OrgParams,
      response: Organization,
      errors: [404],
      handle: async ({ params }) => orgJson(await getOrganization(deps, params.org)),
    }),
    route({
      method: 'PATCH',
      path: '/organizations/:org',
      tag,
      security: 'operator',
      summary: 'Rename an organization or change its slug',
      params: OrgParams,
      body: OrganizationPatch,
      response: Organization,
      errors: [404, 409, 422],
      handle: async ({ params, body }) => orgJson(await updateOrganization(deps, params.org, body, operator)),
    }),
    route({
      method: 'DELETE',
      path: '/organizations/:org',
      tag,
      security: 'operator',
      summary: 'Delete an organization with its workspaces, members, invitations and sessions (users stay)',
      params: OrgParams,
      errors: [404],
      handle: async ({ params }) => {
        await deleteOrganization(deps, params.org)
      },
    }),
    route({
      method: 'POST',
      path: '/organizations/:org/workspaces',
      tag: 'Workspaces',
      security: 'operator',
      summary: 'Create a workspace',
      params: OrgParams,
      body: WorkspaceInput,
      response: Workspace,
      status: 201,
      errors: [404, 409, 422],
      handle: async ({ params, body }) => workspaceJson(await createWorkspace(deps, params.org, body, operator)),
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/workspaces',
      tag: 'Workspaces',
      security: 'operator',
      summary: 'List workspaces',
      params: OrgParams,
      response: WorkspaceList,
      errors: [404],
      handle: async ({ params }) => ({ data: (await listWorkspaces(deps, params.org)).map(workspaceJson) }),
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/workspaces/:workspace',
      tag: 'Workspaces',
      security: 'operator',
      summary: 'Get a workspace',
      params: WorkspaceParams,
      response: Workspace,
      errors: [404],
      handle: async ({ params }) => workspaceJson(await getWorkspace(deps, params.org, params.workspace)),
    }),
    route({
      method: 'PATCH',
      path: '/organizations/:org/workspaces/:workspace',
      tag: 'Workspaces',
      security: 'operator',
      summary: 'Rename a workspace or change its slug',
      params: WorkspaceParams,
      body: WorkspacePatch,
      response: Workspace,
      errors: [404, 409, 422],
      handle: async ({ params, body }) => workspaceJson(await updateWorkspace(deps, params.org, params.workspace, body, operator)),
    }),
    route({
      method: 'DELETE',
      path: '/organizations/:org/workspaces/:workspace',
      tag: 'Workspaces',
      security: 'operator',
      summary: 'Delete a workspace and every role on it',
      params: WorkspaceParams,
      errors: [404],
      handle: async ({ params }) => {
        await deleteWorkspace(deps, params.org, params.workspace, operator)
      },
    }),
  ]
}
