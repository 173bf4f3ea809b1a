/**
 * Who is on an SSO page and what every SSO page shows of it (sso-frame.tsx): the org's owners and
 * admins, or a set-up link session on the routes setup-link-access.ts opens to it.
 */
import type { FastifyRequest } from 'fastify'
import type { CoreDeps } from '../../core/deps.js'
import { ownValue } from '../../core/keyed-record.js'
import { findSsoConnection } from '../../core/sso-admin.js'
import { SsoError } from '../../core/sso-error.js'
import { ssoProgress } from '../../core/sso-progress.js'
import type { SsoPageBase } from '../../ui/pages/sso-frame.js'
import { orgSetupViewer } from './setup-link-access.js'

export const NOTICES: Record<string, string> = {
  created: 'SSO name saved. Next, set up the app in your IdP.',
  renamed: 'SSO name changed: update the SP Entity ID and ACS URL in your IdP.',
  idp: 'Identity provider saved. Test SSO before enabling it.',
  'dev-idp': "The development IdP is now this organization's identity provider. Press Test SSO: it opens the development IdP's sign-in page.",
  policy: 'User management saved.',
  enabled: 'Single sign-on is enabled.',
  'domain-added': 'Domain added. Publish its TXT record, then press Verify.',
  'domain-verified': 'Domain verified.',
  'domain-removed': 'Domain removed.',
  disabled: 'Single sign-on is disabled. Members sign in with their passwords again; those without one have been emailed to use "Forgot password".',
}

/** The viewer as owner or link (may change) or admin (may look) of the org; members get `not_allowed`. */
export async function ssoPageViewer(deps: CoreDeps, request: FastifyRequest) {
  const who = await orgSetupViewer(deps, request, 'Only owners and admins of this organization can see its single sign-on.')
  const { connection } = await findSsoConnection(deps, who.slug)
  const notice = (request.query as Record<string, unknown>).notice
  const base: SsoPageBase = {
    viewer: who.viewer,
    csrf: request.page.csrf,
    org: { name: who.org.name, slug: who.slug },
    canEdit: who.canEdit,
    notice: typeof notice === 'string' ? ownValue(NOTICES, notice) : undefined,
    progress: await ssoProgress(deps, connection),
    setupLink: who.setupLink,
  }
  return { ...who, connection, base }
}

export async function requireSsoConnection(deps: CoreDeps, request: FastifyRequest) {
  const viewer = await ssoPageViewer(deps, request)
  if (viewer.connection === undefined) throw new SsoError('sso_not_configured', 'Choose an SSO name first.')
  return { ...viewer, connection: viewer.connection }
}
