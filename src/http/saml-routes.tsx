/**
 * SAML endpoints (DESIGN §2–§3): SP metadata, the ACS, and starting SP-initiated sign-in.
 * The ACS is reached by a cross-site POST from the IdP: it has no CSRF token and no SameSite=Lax
 * cookie, so everything it needs comes from the database; its own scope parses the form.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CoreDeps } from '../core/deps.js'
import { findSsoForEmail } from '../core/email-domains.js'
import { endSession } from '../core/sessions.js'
import { finishSamlSignIn, startSamlSignIn, type SamlStart, type SsoSignInFailure } from '../core/saml-sign-in.js'
import { activeSpKeys } from '../core/sp-keys.js'
import { spEndpoints } from '../core/sso-connection.js'
import { SsoError } from '../core/sso-error.js'
import { isUnreadableResponse } from '../saml/failure.js'
import { buildSpMetadata } from '../saml/sp-metadata.js'
import { MessagePage, SignInPage } from '../ui/pages/auth-pages.js'
import { parseUrlencoded } from './form.js'
import { sendToIdp } from './send-to-idp.js'
import { sloRoutes } from './slo-routes.js'
import { setSessionCookie, type CookieSettings } from './authenticate.js'
import { logOutcome } from './logging.js'
import { sendPage } from './pages/html.js'
import { safeLocalPath } from './pages/page-context.js'
import { createAcsQueue } from './acs-queue.js'

/**
 * Posts waiting for their turn keep their bodies in memory: past this many bytes waiting, a post is
 * answered 503 at once (a flood of 3 MiB posts cannot pile up gigabytes). 64 MiB is ~500 waiting
 * 90 KB responses, seconds of work.
 */
export const ACS_MAX_WAITING_BYTES = 64 * 1024 * 1024

/**
 * An ACS form carries SAMLResponse and RelayState (some IdPs add a field or two). More fields than this
 * is refused before parsing: parsing every field of a crafted 3 MiB form costs ~200 ms of CPU.
 */
export const ACS_MAX_FORM_FIELDS = 32

/** Whether `form` (application/x-www-form-urlencoded) has more than `max` fields; stops counting there. */
function tooManyFields(form: Buffer, max: number): boolean {
  let fields = 1
  for (let at = form.indexOf(0x26); at !== -1; at = form.indexOf(0x26, at + 1)) {
    if (++fields > max) return true
  }
  return false
}

function explain(failure: SsoSignInFailure, orgName: string): string {
  switch (failure.code) {
    case 'not_a_member':
      return `Your identity provider signed you in as ${failure.email}, but that account is not a member of ${orgName}. Ask an owner of ${orgName} to invite you.`
    case 'email_domain_not_allowed':
      return `Your identity provider signed you in as ${failure.email}, but ${orgName} only adds people with an email address of its own domains. Ask an owner of ${orgName} to invite you.`
    case 'account_not_invited':
      return `Your identity provider signed you in as ${failure.email}, which already has a Gatehouse account. ${orgName} can add it by invitation only: ask an owner of ${orgName} to invite you.`
    case 'member_deactivated':
      return `Your identity provider signed you in as ${failure.email}, but your access to ${orgName} is switched off by its directory. Ask your IT administrator to reactivate you.`
    case 'email_invisible_character':
      return 'The email address your identity provider sent for you contains an invisible or text-direction character, so we cannot sign you in with it. Ask your IT administrator to correct your email address in the identity provider.'
    case 'email_missing':
      return 'Your identity provider did not send an email address for you, so we cannot tell who you are. Ask your IT administrator to send the email attribute.'
    case 'sso_not_enabled':
      return `Single sign-on is not enabled for ${orgName}. Sign in with your email and password; if you have no password, use "Forgot password" to set one.`
    default:
      return 'Signing in through your identity provider did not work. Try again from the start; if it keeps failing, give your administrator the reference below.'
  }
}

/** Metadata and ACS: outside the pages scope (no CSRF, no pre-session cookie). */
export async function samlProtocolRoutes(app: FastifyInstance, options: { deps: CoreDeps; cookie: CookieSettings }): Promise<void> {
  const { deps, cookie } = options
  const queue = createAcsQueue()
  // Slices stay short while connections arrive, so that a burst of them is accepted quickly (http/acs-queue.ts).
  app.server.on('connection', queue.connectionArrived)
  let waitingBytes = 0
  // Base64 of a 1 MiB response, URL-encoded, fits in 3 MiB; the validator refuses over 1 MiB unread.
  // The form stays bytes (outside the JS heap) until its post's turn, then is parsed: posts waiting
  // for a turn hold no large strings for the garbage collector to copy (90 KB responses: 64 waiting
  // posts hold megabytes of strings otherwise, copied by every young-generation GC).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: 3 * 1024 * 1024 }, (_request, body, done) => done(null, body))

  // Single logout shares this scope's form parser (bytes until parsed) and its lack of CSRF.
  sloRoutes(app, deps)

  app.get('/saml/:ssoName/metadata', async (request, reply) => {
    const { ssoName } = request.params as { ssoName: string }
    const connection = await deps.store.ssoConnections.findBySsoName(ssoName)
    if (connection === undefined)
      return sendPage(reply, <MessagePage title="Not found" message="No organization uses this SSO name." reference={request.id} />, 404)
    const sp = spEndpoints(deps.settings.baseUrl, connection.ssoName)
    const keys = await activeSpKeys(deps)
    const xml = buildSpMetadata({
      entityId: sp.entityId,
      acsUrl: sp.acsUrl,
      sloUrl: sp.sloUrl,
      certificates: keys.map((k) => k.certificatePem),
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
    })
    const download = (request.query as Record<string, unknown>).download !== undefined
    return reply
      .type('application/samlmetadata+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${connection.ssoName}-sp-metadata.xml"`)
      .send(xml)
  })

  /** The SP's current certificate (public), for IdPs that encrypt assertions or want it uploaded. */
  app.get('/saml/:ssoName/certificate', async (request, reply) => {
    const { ssoName } = request.params as { ssoName: string }
    const connection = await deps.store.ssoConnections.findBySsoName(ssoName)
    if (connection === undefined)
      return sendPage(reply, <MessagePage title="Not found" message="No organization uses this SSO name." reference={request.id} />, 404)
    const [newest] = await activeSpKeys(deps)
    return reply
      .type('application/x-pem-file')
      .header('cache-control', 'public, max-age=300')
      .header('content-disposition', `attachment; filename="${connection.ssoName}-sp-certificate.pem"`)
      .send(newest!.certificatePem)
  })

  // One log line per post, at completion (http/logging.ts): the outcome below, status, time, request id.
  app.post('/saml/:ssoName/acs', { config: { oneLogLine: true } }, async (request, reply) => {
    // Validation is the CPU-heavy part: posts wait in a queue, first come first served, and the event
    // loop polls between them, so that new connections are accepted while open ones are busy (http/acs-queue.ts).
    const size = Buffer.isBuffer(request.body) ? request.body.length : 0
    if (waitingBytes + size > ACS_MAX_WAITING_BYTES) {
      logOutcome(request, { event: 'sso_sign_in_failed', code: 'server_busy', waitingBytes }, 'ACS post refused: too much waiting')
      reply.header('retry-after', '5')
      return sendPage(
        reply,
        <MessagePage
          title="Too busy"
          message="Too many sign-ins are being processed right now. Wait a few seconds, then start again from the sign-in page."
          reference={request.id}
        />,
        503,
      )
    }
    waitingBytes += size
    let done: () => void
    try {
      done = await queue.take()
    } finally {
      waitingBytes -= size
    }
    try {
      return await acs(request, reply)
    } finally {
      done()
    }
  })

  async function acs(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { ssoName } = request.params as { ssoName: string }
    if (Buffer.isBuffer(request.body) && tooManyFields(request.body, ACS_MAX_FORM_FIELDS)) {
      logOutcome(request, { event: 'sso_sign_in_failed', code: 'form_too_many_fields', reference: request.id }, 'ACS post with too many form fields')
      return sendPage(
        reply,
        <MessagePage
          title="Sign-in failed"
          message="The identity provider's answer was not a sign-in form we accept. Start signing in again."
          reference={request.id}
        />,
        400,
      )
    }
    // Every field parsed (no silent cap that could hide a second SAMLResponse): a repeated field is
    // an array and refused below.
    const body = Buffer.isBuffer(request.body) ? parseUrlencoded(request.body.toString('utf8')) : undefined
    const samlResponse = body?.SAMLResponse
    const relayState = typeof body?.RelayState === 'string' ? body.RelayState : undefined
    if (typeof samlResponse !== 'string' || samlResponse === '') {
      logOutcome(request, { event: 'sso_sign_in_failed', code: 'response_missing', reference: request.id }, 'ACS post without SAMLResponse')
      return sendPage(
        reply,
        <MessagePage title="Sign-in failed" message="The identity provider's answer was missing. Start signing in again." reference={request.id} />,
        400,
      )
    }
    let result
    try {
      result = await finishSamlSignIn(deps, ssoName, samlResponse, relayState, request.ip)
    } catch (error) {
      if (error instanceof SsoError && error.code === 'sso_not_configured')
        return sendPage(reply, <MessagePage title="Not found" message="No organization uses this SSO name." reference={request.id} />, 404)
      throw error
    }
    if (result.kind === 'tested') {
      // Nobody is signed in: the testing owner's own session (a SameSite=Lax cookie, sent on this
      // top-level GET) is what may read the result.
      logOutcome(request, { event: 'sso_tested', org: result.org.slug }, 'SSO test answered')
      return reply.redirect(`/orgs/${result.org.slug}/sso/tests/${result.testId}`, 303)
    }
    if (result.kind === 'failed' && result.retryAfterSeconds !== undefined) {
      logOutcome(request, { event: 'sso_sign_in_failed', code: result.failure.code, throttled: true }, 'SSO sign-in refused; client over the failure limit')
      reply.header('retry-after', String(result.retryAfterSeconds))
      return sendPage(
        reply,
        <MessagePage
          title="Too many failed sign-ins"
          message="Too many sign-ins from your network failed. Wait a few minutes, then start again from the sign-in page."
          reference={request.id}
        />,
        429,
      )
    }
    if (result.kind === 'failed') {
      logOutcome(request, { event: 'sso_sign_in_failed', code: result.failure.code, reference: result.reference }, 'SSO sign-in refused')
      return sendPage(
        reply,
        <MessagePage title="Sign-in failed" message={explain(result.failure, result.org.name)} reference={result.reference} />,
        isUnreadableResponse(result.failure.code) ? 400 : 403,
      )
    }
    // No fixation: this browser's earlier session ends; the new one has a new id.
    const previous = request.cookies[cookie.name]
    if (previous !== undefined) await endSession(deps, previous, 'replaced')
    setSessionCookie(reply, cookie, result.started.id, result.started.session.expiresAt)
    logOutcome(request, { event: 'sign_in', method: 'saml', org: result.org.slug }, 'signed in')
    return reply.redirect(safeLocalPath(result.returnTo) ?? '/dashboard', 303)
  }
}

/**
 * Sends the browser on to the IdP. A plain redirect when it got here by a link; after one of our
 * forms, a page that moves on by itself (see IdpRedirectPage), since Chromium applies the form's
 * page's CSP form-action to the redirects that follow it. HTTP-POST binding: a form that may post to
 * the IdP's origin, submitted by a tiny same-origin script.
 */
export function sendSamlStart(reply: FastifyReply, next: SamlStart, options: { afterForm: boolean }): FastifyReply {
  return sendToIdp(reply, next, options)
}

/** SP-initiated sign-in of `ssoName`, or a page saying why it cannot start. */
export async function startSsoPage(
  deps: CoreDeps,
  ssoName: string,
  returnTo: string | undefined,
  request: { id: string },
  reply: FastifyReply,
  options: { afterForm: boolean },
): Promise<FastifyReply> {
  try {
    return sendSamlStart(reply, await startSamlSignIn(deps, ssoName, { returnTo }), options)
  } catch (error) {
    if (!(error instanceof SsoError)) throw error
    const status = error.code === 'sso_not_configured' ? 404 : 409
    return sendPage(
      reply,
      <MessagePage title="Single sign-on unavailable" message={error.message} reference={request.id} link={{ href: '/login', text: 'Sign in another way' }} />,
      status,
    )
  }
}

/** Starting SP-initiated sign-in: inside the pages scope (GET only). */
export function samlStartRoutes(app: FastifyInstance, deps: CoreDeps): void {
  const start = (ssoName: string, returnTo: string | undefined, request: { id: string }, reply: FastifyReply) =>
    startSsoPage(deps, ssoName, returnTo, request, reply, { afterForm: false })
  app.get('/sso/:ssoName', async (request, reply) => {
    const { ssoName } = request.params as { ssoName: string }
    const query = request.query as Record<string, unknown>
    return start(ssoName.toLowerCase(), safeLocalPath(query.return_to) ?? safeLocalPath(query.next), request, reply)
  })
  /** The sign-in page's "Sign in with SSO" form: an SSO name, or an email of an org's verified domain. */
  app.get('/sso', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const entered = typeof query.sso_name === 'string' ? query.sso_name.trim() : ''
    const next = safeLocalPath(query.next)
    // Submitted by the sign-in page's form: on to the IdP by a page, not a redirect (see sendSamlStart).
    const onward = (ssoName: string) => startSsoPage(deps, ssoName, next, request, reply, { afterForm: true })
    if (entered.includes('@')) {
      const found = entered.length <= 320 ? await findSsoForEmail(deps, entered) : undefined
      if (found !== undefined) return onward(found.ssoName)
      // One answer whatever the reason (no such domain, pending, another org's, SSO off): nothing to learn here.
      const message = "We found no single sign-on for that email address. Enter your organization's SSO name instead, or sign in with your password."
      return sendPage(reply, <SignInPage csrf={request.page.csrf} next={next} ssoName={entered.slice(0, 320)} ssoError={message} />, 404)
    }
    if (!/^[a-zA-Z0-9-]{1,63}$/.test(entered)) return reply.redirect('/login?notice=sso-name')
    return onward(entered.toLowerCase())
  })
}
