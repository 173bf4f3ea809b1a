/**
 * Who may use the org set-up pages: the org's owners and admins (org-access.ts), or — on the routes
 * listed here, and only those — the browser session of a set-up link of that org whose scopes
 * include the route's (DESIGN §2 "Set-up links"). A link session is never a member: `orgManager`
 * does not see it, so a new owner route is closed to links until it is added to this list.
 */
import type { FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import { AuthError } from '../../core/auth-error.js'
import type { Actor, CoreDeps } from '../../core/deps.js'
import type { SetupLinkScope } from '../../core/setup-link-ports.js'
import type { Organization } from '../../core/types.js'
import type { SetupLinkBanner, Viewer } from '../../ui/layout.js'
import { orgManager } from './org-access.js'

/** `METHOD /route/pattern` → the scope a link needs there. Nothing else is open to a link. */
export const SETUP_LINK_ROUTES: Readonly<Record<string, SetupLinkScope>> = {
  'GET /orgs/:org/sso': 'sso',
  'POST /orgs/:org/sso/name': 'sso',
  'GET /orgs/:org/sso/guide': 'sso',
  'GET /orgs/:org/sso/idp': 'sso',
  'POST /orgs/:org/sso/idp': 'sso',
  'POST /orgs/:org/sso/idp/dev': 'sso',
  'POST /orgs/:org/sso/test': 'sso',
  'GET /orgs/:org/sso/tests/:test': 'sso',
  'POST /orgs/:org/sso/enable': 'sso',
  'GET /orgs/:org/sso/policy': 'policy',
  'POST /orgs/:org/sso/policy': 'policy',
  'GET /orgs/:org/directory': 'directory',
  'POST /orgs/:org/directory': 'directory',
  'POST /orgs/:org/directory/tokens': 'directory',
  'POST /orgs/:org/directory/tokens/:token/revoke': 'directory',
}

/** Who is looking at an org set-up page, and as whom changes are made. */
export interface SetupViewer {
  readonly viewer: Viewer
  readonly actor: Extract<Actor, { kind: 'user' | 'setup-link' }>
  readonly org: Organization
  readonly slug: string
  /** The owner, or a link: may change what the page shows. */
  readonly canEdit: boolean
  /** The browser session (a member's or a link's): SSO test results are bound to it. */
  readonly sessionHash: string
  /** Set for a link's session: the pages say whose org this is and who sent the link. */
  readonly setupLink?: SetupLinkBanner | undefined
}

function linkViewer(request: FastifyRequest): SetupViewer {
  const link = request.page.setupLink!
  const scope = SETUP_LINK_ROUTES[`${request.method} ${request.routeOptions.url ?? ''}`]
  const { org: slug } = request.params as { org: string }
  // Another org's pages, or a page this link's scopes do not open: the same refusal, nothing about the org.
  if (scope === undefined || link.org.slug !== slug || !link.link.scopes.includes(scope)) {
    throw new AccountError(
      'not_allowed',
      'This set-up link does not open this page.',
      scope === undefined ? 'route not open to set-up links' : `scope ${scope}`,
    )
  }
  return {
    viewer: { email: '', name: 'Set-up link' },
    actor: link.actor,
    org: link.org,
    slug,
    canEdit: true,
    sessionHash: link.session.idHash,
    setupLink: { orgName: link.org.name, sentBy: link.sentBy, expiresAt: link.session.expiresAt, scopes: link.link.scopes, csrf: request.page.csrf },
  }
}

/**
 * The owner or admin of the `:org` of the URL (as `orgManager`), else a set-up link session allowed
 * on this route; anyone else gets `not_allowed` with `refusal` (or the sign-in page).
 */
export async function orgSetupViewer(deps: CoreDeps, request: FastifyRequest, refusal: string): Promise<SetupViewer> {
  if (request.page.signedIn === undefined && request.page.setupLink !== undefined) return linkViewer(request)
  try {
    const { signedIn, membership, actor, slug, isOwner } = await orgManager(deps, request, refusal)
    return { viewer: signedIn.viewer, actor, org: membership.org, slug, canEdit: isOwner, sessionHash: signedIn.session.idHash }
  } catch (error) {
    // Signed in as someone else (another org's member) with a link of this org in the same browser.
    if (request.page.setupLink !== undefined && (error instanceof AccountError || error instanceof AuthError)) return linkViewer(request)
    throw error
  }
}
