/** The personal API tokens page of one org (rules in core/api-tokens.ts); any member may use it. */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import { createApiToken, listApiTokens, mayUseApiTokens, revokeApiToken } from '../../core/api-tokens.js'
import { AuthError } from '../../core/auth-error.js'
import { findMembership, refuseIfSsoEnded } from '../../core/current-member.js'
import type { CoreDeps } from '../../core/deps.js'
import { TokensPage, type TokensPageProps } from '../../ui/pages/tokens-page.js'
import { statusOf } from '../error-handler.js'
import { sendPage } from './html.js'
import { field, requireSignedIn } from './page-context.js'
import { ownValue } from '../../core/keyed-record.js'

const NOTICES: Record<string, string> = { revoked: 'Token revoked: it no longer works.' }

export function tokenPageRoutes(app: FastifyInstance, deps: CoreDeps): void {
  /** The viewer's membership of the org in the URL, if this session may act there. */
  async function member(request: FastifyRequest) {
    const signedIn = requireSignedIn(request)
    const { org: slug } = request.params as { org: string }
    const membership = await findMembership(deps, signedIn.session, slug)
    if (membership === undefined) await refuseIfSsoEnded(deps, signedIn.session)
    if (membership === undefined) throw new AccountError('not_allowed', 'You are not a member of this organization, or this session may not act for it.')
    return { signedIn, membership }
  }

  async function tokensPage(request: FastifyRequest, extra: Partial<TokensPageProps> = {}): Promise<TokensPageProps> {
    const { signedIn, membership } = await member(request)
    const now = deps.clock.now().toISOString()
    const notice = (request.query as Record<string, unknown>).notice
    return {
      viewer: signedIn.viewer,
      csrf: request.page.csrf,
      org: { name: membership.org.name, slug: membership.org.slug },
      baseUrl: deps.settings.baseUrl,
      tokens: (await listApiTokens(deps, membership)).map((t) => ({ ...t, expired: t.expiresAt !== null && t.expiresAt <= now })),
      allowed: await mayUseApiTokens(deps, membership),
      notice: typeof notice === 'string' ? ownValue(NOTICES, notice) : undefined,
      ...extra,
    }
  }

  app.get('/orgs/:org/tokens', async (request, reply) => sendPage(reply, <TokensPage {...await tokensPage(request)} />))

  // The answer is the page itself, not a redirect: the secret must never travel in a URL.
  app.post('/orgs/:org/tokens', async (request, reply) => {
    const { membership } = await member(request)
    const name = field(request.body, 'name')
    const days = field(request.body, 'expiresInDays')
    try {
      const expiresInDays = days === '' ? undefined : /^\d{1,4}$/.test(days) ? Number(days) : Number.NaN
      const { token, secret } = await createApiToken(deps, membership, { name, expiresInDays })
      return sendPage(reply, <TokensPage {...await tokensPage(request, { created: { name: token.name, secret } })} />, 201)
    } catch (error) {
      if (!(error instanceof AccountError) && !(error instanceof AuthError)) throw error
      request.log.info({ code: error.code }, 'request refused')
      const extra = error instanceof AccountError && error.field === 'name' ? { fieldErrors: { name: error.message } } : { error: error.message }
      return sendPage(reply, <TokensPage {...await tokensPage(request, { ...extra, name })} />, statusOf(error))
    }
  })

  app.post('/orgs/:org/tokens/:token/revoke', async (request, reply) => {
    const { membership } = await member(request)
    const { token } = request.params as { token: string }
    await revokeApiToken(deps, membership, token)
    return reply.redirect(`/orgs/${membership.org.slug}/tokens?notice=revoked`, 303)
  })
}
