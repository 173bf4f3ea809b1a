/**
 * The owner's Directory page (DESIGN §8; rules in core/directory.ts). Owners change; admins see it
 * read-only and core refuses their changes (`not_allowed`); members get `not_allowed`. A new token's
 * secret is in the answer to the POST that made it (201, no-store), never in a URL or a redirect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import type { Actor, CoreDeps } from '../../core/deps.js'
import {
  createDirectory,
  createDirectoryToken,
  disableDirectory,
  getDirectory,
  listDirectoryRequests,
  MAX_LIVE_DIRECTORY_TOKENS,
  revokeDirectoryToken,
} from '../../core/directory.js'
import { DirectoryError } from '../../core/directory-error.js'
import { explainDirectoryRequest } from '../../core/directory-request-hints.js'
import { findInvisibleCharacter } from '../../core/invisible-characters.js'
import { ownValue } from '../../core/keyed-record.js'
import { directoryGuides } from '../../ui/pages/directory-guides.js'
import { DirectoryPage, type DirectoryPageProps } from '../../ui/pages/directory-page.js'
import { statusOf } from '../error-handler.js'
import { sendPage } from './html.js'
import { orgSetupViewer } from './setup-link-access.js'
import { field } from './page-context.js'

const NOTICES: Record<string, string> = {
  revoked: 'Token revoked: the IdP gets 401 with it from now on.',
  disabled: 'Directory sync is off: every token is revoked and the IdP gets 401. Members stay as they are.',
}

/** How many of the IdP's last requests the page shows. */
const SHOWN_REQUESTS = 50

/** A logged path as a person reads it (`filter=userName eq "…"`), unless decoding would show invisible characters. */
function readablePath(path: string): string {
  try {
    const decoded = decodeURIComponent(path)
    return findInvisibleCharacter(decoded) === undefined ? decoded : path
  } catch {
    return path
  }
}

export function directoryPageRoutes(app: FastifyInstance, deps: CoreDeps): void {
  // Owners and admins, or a set-up link with the `directory` scope on the routes setup-link-access.ts opens to it.
  const viewer = (request: FastifyRequest) => orgSetupViewer(deps, request, 'Only owners and admins of this organization can see its directory sync.')

  async function pageProps(request: FastifyRequest, extra: Partial<DirectoryPageProps> = {}): Promise<DirectoryPageProps> {
    const { viewer: who, org, slug, canEdit, setupLink } = await viewer(request)
    const query = request.query as Record<string, unknown>
    let directory: DirectoryPageProps['directory']
    let requests: DirectoryPageProps['requests'] = []
    try {
      const view = await getDirectory(deps, slug)
      directory = {
        baseUrl: view.baseUrl,
        enabled: view.directory.enabled,
        tokens: view.tokens,
        userCount: view.userCount,
        groupCount: view.groupCount,
        lastRequestAt: view.directory.lastRequestAt,
      }
      requests = (await listDirectoryRequests(deps, slug, SHOWN_REQUESTS)).map((r) => ({
        method: r.method,
        path: readablePath(r.path),
        status: r.status,
        createdAt: r.createdAt,
        explanation: explainDirectoryRequest(r),
      }))
    } catch (error) {
      if (!(error instanceof DirectoryError && error.code === 'directory_not_found')) throw error
    }
    const guides = directory === undefined ? [] : directoryGuides(directory.baseUrl)
    const chosen = typeof query.idp === 'string' && guides.some((g) => g.id === query.idp) ? query.idp : 'okta'
    return {
      viewer: who,
      csrf: request.page.csrf,
      org: { name: org.name, slug },
      canEdit,
      setupLink,
      directory,
      requests,
      guides,
      chosen,
      maxTokens: MAX_LIVE_DIRECTORY_TOKENS,
      notice: typeof query.notice === 'string' ? ownValue(NOTICES, query.notice) : undefined,
      ...extra,
    }
  }

  /** A refusal (permission, limit, state) as the page with its message, in the refusal's status. */
  async function refusedPage(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<FastifyReply> {
    if (!(error instanceof DirectoryError || error instanceof AccountError)) throw error
    request.log.info({ code: error.code }, 'request refused')
    return sendPage(reply, <DirectoryPage {...await pageProps(request, { error: error.message })} />, statusOf(error))
  }

  /** The page with the secret just made: in this answer only, never cached. */
  async function createdPage(request: FastifyRequest, reply: FastifyReply, secret: string, notice: string): Promise<FastifyReply> {
    reply.header('cache-control', 'no-store')
    return sendPage(reply, <DirectoryPage {...await pageProps(request, { created: { secret }, notice })} />, 201)
  }

  async function change(request: FastifyRequest, reply: FastifyReply, work: (actor: Actor, slug: string) => Promise<unknown>, notice: string) {
    const { actor, slug } = await viewer(request)
    try {
      await work(actor, slug)
    } catch (error) {
      return refusedPage(request, reply, error)
    }
    return reply.redirect(`/orgs/${slug}/directory?notice=${notice}`, 303)
  }

  app.get('/orgs/:org/directory', async (request, reply) => sendPage(reply, <DirectoryPage {...await pageProps(request)} />))

  // Creates the directory, or turns a disabled one on again (same base URL), with a first token.
  app.post('/orgs/:org/directory', async (request, reply) => {
    const { actor, slug, org } = await viewer(request)
    try {
      const before = await deps.store.directories.findByOrg(org.id)
      const { token } = await createDirectory(deps, actor, slug)
      const notice = before === undefined ? 'Directory created.' : 'Directory sync is on again, with the same base URL and a new token.'
      return await createdPage(request, reply, token.secret, notice)
    } catch (error) {
      return refusedPage(request, reply, error)
    }
  })

  app.post('/orgs/:org/directory/tokens', async (request, reply) => {
    const { actor, slug } = await viewer(request)
    try {
      const { secret } = await createDirectoryToken(deps, actor, slug)
      return await createdPage(request, reply, secret, 'New token created. Paste it into the IdP, then revoke the old one.')
    } catch (error) {
      return refusedPage(request, reply, error)
    }
  })

  app.post('/orgs/:org/directory/tokens/:token/revoke', async (request, reply) =>
    change(request, reply, (actor, slug) => revokeDirectoryToken(deps, actor, slug, (request.params as { token: string }).token), 'revoked'),
  )

  app.post('/orgs/:org/directory/disable', async (request, reply) => {
    // An admin is refused by core (403) whatever the box says; the owner must tick it.
    if (field(request.body, 'confirm') !== 'yes' && (await viewer(request)).canEdit) {
      request.log.info({ code: 'confirmation_missing' }, 'request refused')
      const error = 'Nothing changed: tick “Yes, stop directory sync” to confirm, then press the button again.'
      return sendPage(reply, <DirectoryPage {...await pageProps(request, { error })} />, 422)
    }
    return change(request, reply, (actor, slug) => disableDirectory(deps, actor, slug), 'disabled')
  })
}
