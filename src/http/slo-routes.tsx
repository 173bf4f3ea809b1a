/**
 * The SP's SingleLogoutService, `/saml/{ssoName}/slo` (DESIGN §10), by HTTP-Redirect (GET) and
 * HTTP-POST: an IdP's LogoutRequest, answered with our signed LogoutResponse, or the LogoutResponse
 * to our own request, after which the browser lands on the signed-out page. Registered inside the
 * SAML protocol scope (no CSRF token, no pre-session cookie: the IdP sends the browser here), whose
 * form parser keeps bodies as bytes.
 *
 * The browser is only ever sent to the IdP's configured SLO endpoint or to our own sign-in page:
 * a RelayState is echoed to the IdP (bindings §3.4.3) but never followed (no open redirect).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CoreDeps } from '../core/deps.js'
import { receiveLogoutMessage, type LogoutOutcome } from '../core/single-logout.js'
import { SsoError } from '../core/sso-error.js'
import { logoutRefusalStatus } from '../saml/logout-failure.js'
import { readRedirectQuery } from '../saml/redirect-binding.js'
import type { LogoutInput } from '../saml/validate-logout.js'
import { MessagePage } from '../ui/pages/auth-pages.js'
import { parseUrlencoded } from './form.js'
import { logOutcome } from './logging.js'
import { sendPage } from './pages/html.js'
import { sendToIdp } from './send-to-idp.js'

/** A logout message is a few KB; its form, far less than this. */
const SLO_BODY_LIMIT = 256 * 1024

export function sloRoutes(app: FastifyInstance, deps: CoreDeps): void {
  app.get('/saml/:ssoName/slo', { config: { oneLogLine: true } }, async (request, reply) => {
    const query = readRedirectQuery(request.url)
    if ('code' in query) return refusePage(request, reply, query.code, request.id)
    return receive(request, reply, { binding: 'redirect', query }, query.relayState?.value, false)
  })

  app.post('/saml/:ssoName/slo', { bodyLimit: SLO_BODY_LIMIT, config: { oneLogLine: true } }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? parseUrlencoded(request.body.toString('utf8')) : undefined
    const samlRequest = body?.SAMLRequest
    const samlResponse = body?.SAMLResponse
    const relayState = typeof body?.RelayState === 'string' ? body.RelayState : undefined
    // One message, one field: a repeated field (an array) or both at once is refused unread.
    if ((samlRequest === undefined) === (samlResponse === undefined)) return refusePage(request, reply, 'message_missing', request.id)
    const message = samlRequest ?? samlResponse
    if (typeof message !== 'string' || message === '') return refusePage(request, reply, 'query_invalid', request.id)
    return receive(request, reply, { binding: 'post', parameter: samlRequest !== undefined ? 'SAMLRequest' : 'SAMLResponse', message }, relayState, true)
  })

  async function receive(request: FastifyRequest, reply: FastifyReply, input: LogoutInput, relayState: string | undefined, afterPost: boolean) {
    const { ssoName } = request.params as { ssoName: string }
    let outcome: LogoutOutcome
    try {
      outcome = await receiveLogoutMessage(deps, ssoName, input, relayState)
    } catch (error) {
      if (error instanceof SsoError && error.code === 'sso_not_configured')
        return sendPage(reply, <MessagePage title="Not found" message="No organization uses this SSO name." reference={request.id} />, 404)
      throw error
    }
    switch (outcome.kind) {
      case 'signed-out':
        logOutcome(request, { event: 'saml_logout_response', idpEnded: outcome.idpEnded, status: outcome.status }, 'IdP answered our LogoutRequest')
        return reply.redirect(`/login?notice=${outcome.idpEnded ? 'signed-out-idp' : 'signed-out-idp-failed'}`, 303)
      case 'answer':
        if (outcome.failure === undefined) logOutcome(request, { event: 'saml_logout_by_idp', sessionsEnded: outcome.ended }, 'IdP-initiated single logout')
        else logOutcome(request, { event: 'saml_logout_refused', code: outcome.failure.code, reference: outcome.reference }, 'LogoutRequest refused')
        reply.header('cache-control', 'no-store')
        return sendToIdp(reply, outcome.message, { afterForm: afterPost })
      case 'ended-unanswered':
        logOutcome(request, { event: 'saml_logout_by_idp', sessionsEnded: outcome.ended, answered: false }, 'IdP-initiated single logout')
        return sendPage(reply, <MessagePage title="Signed out" message="You are signed out of Gatehouse." reference={request.id} />)
      case 'refused':
        return refusePage(request, reply, outcome.failure.code, outcome.reference)
    }
  }
}

function refusePage(request: FastifyRequest, reply: FastifyReply, code: string, reference: string): FastifyReply {
  logOutcome(request, { event: 'saml_logout_refused', code, reference }, 'single logout message refused')
  return sendPage(
    reply,
    <MessagePage
      title="Sign-out message refused"
      message={`The identity provider's single logout message was not accepted (${code}). Nothing was changed. If you meant to sign out, sign out from the Gatehouse menu.`}
      reference={reference}
    />,
    logoutRefusalStatus(code),
  )
}
