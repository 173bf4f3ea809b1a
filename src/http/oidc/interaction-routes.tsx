/**
 * The provider's login interaction is Gatehouse's own sign-in (issue 7): /oidc/interaction/:uid reads
 * the Gatehouse session, asks core/oidc-login.ts what it may yield for this request, and either
 * finishes the interaction (a grant of openid email profile org — every registered client is
 * first-party, so no consent is asked), sends the user to sign in (the password page, or the org's
 * SSO when its policy wants it) and back here, asks which org, or refuses with access_denied at the
 * app. A page route (pages scope: session, CSRF on the posts); the interaction cookie of
 * oidc-provider binds it to the browser that started the authorization.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type Provider from 'oidc-provider'
import { recordOidcSessionGrant } from '../../core/backchannel-logout.js'
import { addMs, days } from '../../core/clock.js'
import type { CoreDeps } from '../../core/deps.js'
import { decideOidcLogin, freshLoginAfter, rememberOrgLogin, requireFreshLogin, type OidcLoginDecision } from '../../core/oidc-login.js'
import { endSession } from '../../core/sessions.js'
import { MessagePage } from '../../ui/pages/auth-pages.js'
import { ChooseOrgPage, SignInAgainPage } from '../../ui/pages/oidc-pages.js'
import { clearSessionCookie, type CookieSettings } from '../authenticate.js'
import { sendPage } from '../pages/html.js'
import { field, viewerOf } from '../pages/page-context.js'
import { interactionPath, OIDC_SCOPES, type OidcService } from './provider.js'

type Details = Awaited<ReturnType<Provider['interactionDetails']>>

const FAR_FUTURE = '9999-12-31T23:59:59.999Z'
const DENIALS: Record<'not_a_member' | 'no_organization' | 'cancelled', string> = {
  not_a_member: 'The user is not a member of the requested organization.',
  no_organization: 'No organization of this user accepts this sign-in.',
  cancelled: 'The user cancelled the sign-in.',
}

export function oidcInteractionRoutes(app: FastifyInstance, deps: CoreDeps, oidc: OidcService, cookie: CookieSettings): void {
  async function load(request: FastifyRequest, reply: FastifyReply): Promise<{ provider: Provider; details: Details; clientName: string } | undefined> {
    const { uid } = request.params as { uid: string }
    const provider = await oidc.provider()
    let details: Details
    try {
      details = await provider.interactionDetails(request.raw, reply.raw)
    } catch {
      return undefined
    }
    if (details.uid !== uid) return undefined
    const client = await provider.Client.find(String(details.params.client_id))
    return { provider, details, clientName: client?.clientName ?? 'The application' }
  }

  const expired = (request: FastifyRequest, reply: FastifyReply) =>
    sendPage(
      reply,
      <MessagePage
        title="Sign-in expired"
        message="This sign-in request has expired or was started in another browser. Go back to the application and sign in again."
        reference={request.id}
      />,
      400,
    )

  async function decide(request: FastifyRequest, details: Details, chosen?: string): Promise<OidcLoginDecision> {
    const params = details.params as Record<string, unknown>
    const prompts = typeof params.prompt === 'string' ? params.prompt.split(' ') : []
    let signedInAfter: string | undefined
    if (prompts.includes('login')) signedInAfter = (await freshLoginAfter(deps, details.uid)) ?? FAR_FUTURE
    const maxAge = params.max_age === undefined ? undefined : Number(params.max_age)
    if (maxAge !== undefined && Number.isInteger(maxAge) && maxAge >= 0) {
      const bound = addMs(deps.clock.now(), -maxAge * 1000).toISOString()
      if (signedInAfter === undefined || bound > signedInAfter) signedInAfter = bound
    }
    return decideOidcLogin(deps, {
      signedIn: request.page.signedIn,
      organization: typeof params.organization === 'string' ? params.organization : undefined,
      chosen,
      signedInAfter,
    })
  }

  async function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    provider: Provider,
    details: Details,
    result: Parameters<Provider['interactionResult']>[2],
  ) {
    const url = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false })
    return reply.redirect(url, 303)
  }

  async function act(request: FastifyRequest, reply: FastifyReply, loaded: NonNullable<Awaited<ReturnType<typeof load>>>, decision: OidcLoginDecision) {
    const { provider, details, clientName } = loaded
    const here = interactionPath(details.uid)
    const action = here
    switch (decision.kind) {
      case 'sign_in':
        request.log.info({ event: 'oidc_sign_in_needed', via: decision.ssoName === undefined ? 'login' : 'sso' }, 'OIDC authorization needs a sign-in')
        return reply.redirect(
          decision.ssoName === undefined
            ? `/login?next=${encodeURIComponent(here)}`
            : `/sso/${encodeURIComponent(decision.ssoName)}?return_to=${encodeURIComponent(here)}`,
          303,
        )
      case 'sign_in_again': {
        const org = typeof details.params.organization === 'string' ? await deps.store.orgs.findBySlug(details.params.organization) : undefined
        return sendPage(
          reply,
          <SignInAgainPage
            csrf={request.page.csrf}
            action={action}
            clientName={clientName}
            reason={decision.reason}
            orgName={org?.name}
            viewer={viewerOf(request.page)!}
          />,
        )
      }
      case 'choose':
        return sendPage(
          reply,
          <ChooseOrgPage
            csrf={request.page.csrf}
            action={action}
            clientName={clientName}
            orgs={decision.memberships.map((m) => ({ slug: m.org.slug, name: m.org.name, role: m.member.role }))}
            viewer={viewerOf(request.page)!}
          />,
        )
      case 'deny':
        request.log.info({ event: 'oidc_denied', reason: decision.reason }, 'OIDC authorization refused')
        return finish(request, reply, provider, details, { error: 'access_denied', error_description: DENIALS[decision.reason] })
      case 'grant': {
        const { login } = decision
        const requested = new Set(typeof details.params.scope === 'string' ? details.params.scope.split(' ') : [])
        const grant = new provider.Grant({ accountId: login.userId, clientId: String(details.params.client_id) })
        grant.addOIDCScope(OIDC_SCOPES.filter((s) => requested.has(s)).join(' '))
        const grantId = await grant.save()
        const expiresAt = login.notAfter ?? addMs(deps.clock.now(), days(14)).toISOString()
        await rememberOrgLogin(deps, grantId, login, expiresAt)
        // Logout everywhere (DESIGN §5): the grant belongs to this Gatehouse session; ending it logs the app out.
        await recordOidcSessionGrant(deps, { session: request.page.signedIn!.session, clientId: grant.clientId!, grantId, orgId: login.orgId })
        request.log.info({ event: 'oidc_login', org: decision.membership.org.slug, method: login.authMethod }, 'OIDC authorization granted')
        return finish(request, reply, provider, details, {
          login: {
            accountId: login.userId,
            amr: [login.authMethod === 'saml' ? 'saml' : 'pwd'],
            ts: Math.floor(Date.parse(login.authTime) / 1000),
            remember: true,
          },
          consent: { grantId },
        })
      }
    }
  }

  app.get('/oidc/interaction/:uid', async (request, reply) => {
    const loaded = await load(request, reply)
    if (loaded === undefined) return expired(request, reply)
    return act(request, reply, loaded, await decide(request, loaded.details))
  })

  app.post('/oidc/interaction/:uid', async (request, reply) => {
    const loaded = await load(request, reply)
    if (loaded === undefined) return expired(request, reply)
    const { provider, details } = loaded
    const action = field(request.body, 'action')
    if (action === 'cancel') return finish(request, reply, provider, details, { error: 'access_denied', error_description: DENIALS.cancelled })
    if (action === 'choose') return act(request, reply, loaded, await decide(request, details, field(request.body, 'org')))
    if (action === 'sign_in_again') {
      const decision = await decide(request, details)
      if (decision.kind !== 'sign_in_again') return act(request, reply, loaded, decision)
      await requireFreshLogin(deps, details.uid, addMs(deps.clock.now(), days(1)).toISOString())
      const id = request.cookies[cookie.name]
      if (id !== undefined) await endSession(deps, id)
      clearSessionCookie(reply, cookie)
      return act(request, reply, loaded, { kind: 'sign_in', ssoName: decision.ssoName })
    }
    return reply.redirect(interactionPath(details.uid), 303)
  })
}
