/**
 * Set-up links in the browser (DESIGN §2 "Set-up links", issue 21):
 * - `GET /setup/{secret}` trades the link's secret for a link session cookie and 303s to the
 *   secret-free `/setup-link`, with `Referrer-Policy: no-referrer`; the request log redacts the
 *   secret segment (http/logging.ts);
 * - `/setup-link` is the home of that session; `POST /setup-link/leave` ends it;
 * - the owner's page `/orgs/{org}/setup-links` sends, lists and revokes links (owners only).
 * Which owner pages a link session reaches is listed in setup-link-access.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import type { CoreDeps } from '../../core/deps.js'
import { endSetupLinkSession, openSetupLink } from '../../core/setup-link-sessions.js'
import { createSetupLink, listSetupLinks, revokeSetupLink } from '../../core/setup-links.js'
import { ownValue } from '../../core/keyed-record.js'
import { MessagePage } from '../../ui/pages/auth-pages.js'
import { SetupLinkHomePage, SetupLinksPage, type SetupLinksPageProps } from '../../ui/pages/setup-link-pages.js'
import type { CookieSettings } from '../authenticate.js'
import { statusOf } from '../error-handler.js'
import { sendPage } from './html.js'
import { orgManager } from './org-access.js'
import { field } from './page-context.js'

const NOTICES: Record<string, string> = { revoked: 'Link revoked: it no longer opens anything, and the sessions it started have ended.' }

const ended = (
  <MessagePage
    title="Set-up link not valid"
    message="This set-up link was revoked, has expired, or this browser's set-up session has ended. Ask the person who sent it for a new link."
  />
)

export function setupLinkRoutes(app: FastifyInstance, deps: CoreDeps, setupCookie: CookieSettings): void {
  app.get('/setup/:secret', async (request, reply) => {
    // The secret is in this URL: no Referer to anyone, not even our own stylesheet; never cached.
    reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store')
    const { secret } = request.params as { secret: string }
    let opened: Awaited<ReturnType<typeof openSetupLink>>
    try {
      opened = await openSetupLink(deps, secret, request.ip)
    } catch (error) {
      if (!(error instanceof AccountError && error.code === 'setup_link_invalid')) throw error
      request.log.info({ code: error.code }, 'request refused')
      return sendPage(reply, ended, 410)
    }
    const previous = request.cookies[setupCookie.name]
    if (previous !== undefined) await endSetupLinkSession(deps, previous)
    reply.setCookie(setupCookie.name, opened.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: setupCookie.secure,
      expires: new Date(opened.session.expiresAt),
    })
    return reply.redirect('/setup-link', 303)
  })

  app.get('/setup-link', async (request, reply) => {
    const link = request.page.setupLink
    if (link === undefined) return sendPage(reply, ended, 410)
    const banner = { orgName: link.org.name, sentBy: link.sentBy, expiresAt: link.session.expiresAt, scopes: link.link.scopes, csrf: request.page.csrf }
    return sendPage(reply, <SetupLinkHomePage link={banner} slug={link.org.slug} />)
  })

  app.post('/setup-link/leave', async (request, reply) => {
    const id = request.cookies[setupCookie.name]
    if (id !== undefined) await endSetupLinkSession(deps, id)
    reply.clearCookie(setupCookie.name, { path: '/', httpOnly: true, sameSite: 'lax', secure: setupCookie.secure })
    return sendPage(
      reply,
      <MessagePage title="You have left the set-up" message="This browser no longer has access. Open the link again to come back while it is valid." />,
    )
  })

  /** The owner's page; core refuses anyone but an owner (`not_allowed`). */
  async function linksPage(request: FastifyRequest, reply: FastifyReply, extra: Partial<SetupLinksPageProps> = {}, status = 200) {
    const { signedIn, membership, actor, slug } = await orgManager(deps, request, "Only the organization's owner can send set-up links.")
    const links = await listSetupLinks(deps, slug, actor)
    const notice = (request.query as Record<string, unknown>).notice
    if (extra.created !== undefined) reply.header('cache-control', 'no-store')
    return sendPage(
      reply,
      <SetupLinksPage
        viewer={signedIn.viewer}
        csrf={request.page.csrf}
        org={{ name: membership.org.name, slug }}
        links={links.map((l) => ({ id: l.id, scopes: l.scopes, createdBy: l.createdBy, createdAt: l.createdAt, expiresAt: l.expiresAt }))}
        notice={typeof notice === 'string' ? ownValue(NOTICES, notice) : undefined}
        {...extra}
      />,
      status,
    )
  }

  app.get('/orgs/:org/setup-links', async (request, reply) => linksPage(request, reply))

  app.post('/orgs/:org/setup-links', async (request, reply) => {
    const { actor, slug } = await orgManager(deps, request, "Only the organization's owner can send set-up links.")
    const scope = (['sso', 'directory', 'policy'] as const).filter((s) => field(request.body, `scope_${s}`) !== '')
    const days = Number(field(request.body, 'expiresInDays') || '7')
    try {
      const { link, url } = await createSetupLink(deps, slug, { scope, expiresInHours: Number.isInteger(days) ? days * 24 : days }, actor)
      return await linksPage(request, reply, { created: { url, expiresAt: link.expiresAt }, notice: 'Set-up link created.' }, 201)
    } catch (error) {
      if (!(error instanceof AccountError) || error.code === 'not_allowed') throw error
      request.log.info({ code: error.code }, 'request refused')
      const errors = error.field === 'scope' ? { scope: error.message } : undefined
      return linksPage(request, reply, { errors, error: errors === undefined ? error.message : 'No link was made: see the message below.' }, statusOf(error))
    }
  })

  app.post('/orgs/:org/setup-links/:id/revoke', async (request, reply) => {
    const { actor, slug } = await orgManager(deps, request, "Only the organization's owner can revoke set-up links.")
    try {
      await revokeSetupLink(deps, slug, (request.params as { id: string }).id, actor)
    } catch (error) {
      if (!(error instanceof AccountError) || error.code === 'not_allowed') throw error
      request.log.info({ code: error.code }, 'request refused')
      return linksPage(request, reply, { error: error.message }, statusOf(error))
    }
    return reply.redirect(`/orgs/${slug}/setup-links?notice=revoked`, 303)
  })
}
