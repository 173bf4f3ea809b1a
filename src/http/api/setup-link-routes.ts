/** Operator API: an org's set-up links (DESIGN §2 "Set-up links"; rules in core/setup-links.ts). */
import { z } from 'zod'
import type { CoreDeps } from '../../core/deps.js'
import { SETUP_LINK_SCOPES, type SetupLink } from '../../core/setup-link-ports.js'
import { createSetupLink, listSetupLinks, MAX_SETUP_LINK_HOURS, revokeSetupLink } from '../../core/setup-links.js'
import { route, type ApiRoute } from './route.js'
import { OrgParams } from './schemas.js'

const operator = { kind: 'operator' } as const

const NewSetupLink = z
  .object({
    scope: z
      .array(z.enum(SETUP_LINK_SCOPES))
      .min(1, 'give at least one of sso, directory, policy')
      .max(SETUP_LINK_SCOPES.length)
      .describe('what the link opens: sso (SSO set-up, steps 1–6), directory (SCIM directory), policy (enforcement, role mapping, API allow-list)'),
    expiresInHours: z
      .number()
      .int()
      .min(1)
      .max(MAX_SETUP_LINK_HOURS, `at most ${MAX_SETUP_LINK_HOURS} hours (30 days)`)
      .optional()
      .describe('default 168 (7 days)'),
  })
  .strict()

const CreatedSetupLink = z.object({
  id: z.string(),
  url: z.string().describe('the link to send; its secret is in this answer only'),
  scope: z.array(z.enum(SETUP_LINK_SCOPES)),
  expiresAt: z.string(),
})

const SetupLinkView = z.object({
  id: z.string(),
  scope: z.array(z.enum(SETUP_LINK_SCOPES)),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
})

const SetupLinkList = z.object({ data: z.array(SetupLinkView) })
const SetupLinkParams = z.object({ org: z.string().max(63), id: z.string().max(100) }).strict()

const view = (link: SetupLink) => ({ id: link.id, scope: [...link.scopes], createdBy: link.createdBy, createdAt: link.createdAt, expiresAt: link.expiresAt })

export function setupLinkRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'Set-up links'
  return [
    route({
      method: 'POST',
      path: '/organizations/:org/setup-links',
      tag,
      security: 'operator',
      status: 201,
      summary: "Create a link to the org's set-up pages for someone with no account (the IdP's admin); the URL is in this answer only",
      params: OrgParams,
      body: NewSetupLink,
      response: CreatedSetupLink,
      errors: [404],
      handle: async ({ params, body }) => {
        const { link, url } = await createSetupLink(deps, params.org, { scope: body.scope, expiresInHours: body.expiresInHours }, operator)
        return { id: link.id, url, scope: [...link.scopes], expiresAt: link.expiresAt }
      },
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/setup-links',
      tag,
      security: 'operator',
      summary: "The org's live set-up links (neither revoked nor expired), newest first, never their URLs",
      params: OrgParams,
      response: SetupLinkList,
      errors: [404],
      handle: async ({ params }) => ({ data: (await listSetupLinks(deps, params.org, operator)).map(view) }),
    }),
    route({
      method: 'DELETE',
      path: '/organizations/:org/setup-links/:id',
      tag,
      security: 'operator',
      summary: 'Revoke a set-up link: the browser sessions it started end at once',
      params: SetupLinkParams,
      errors: [404],
      handle: async ({ params }) => {
        await revokeSetupLink(deps, params.org, params.id, operator)
      },
    }),
  ]
}
