/** Sign-in, sign-out, forgot and reset password pages. */
import type { FastifyInstance } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import { AuthError } from '../../core/auth-error.js'
import type { CoreDeps } from '../../core/deps.js'
import { findSsoForEmail } from '../../core/email-domains.js'
import { findInteractionClientName } from '../../core/oidc-clients.js'
import { isPasswordLinkLive, requestPasswordReset, resetPassword } from '../../core/password-reset.js'
import { endSession } from '../../core/sessions.js'
import { signInWithPassword } from '../../core/sign-in.js'
import { ForgotPasswordPage, MessagePage, ResetPasswordPage, SignInPage, SignOutPage } from '../../ui/pages/auth-pages.js'
import { clearSessionCookie, setSessionCookie, type CookieSettings } from '../authenticate.js'
import { statusOf } from '../error-handler.js'
import { startSsoPage } from '../saml-routes.js'
import { sendToIdp } from '../send-to-idp.js'
import { startSingleLogout } from '../../core/single-logout.js'
import { sendPage } from './html.js'
import { field, safeLocalPath, viewerOf } from './page-context.js'
import { ownValue } from '../../core/keyed-record.js'

const NOTICES: Record<string, string> = {
  'signed-out': 'You are signed out.',
  'signed-out-idp': 'You are signed out of Gatehouse and of your identity provider.',
  'signed-out-idp-failed':
    'You are signed out of Gatehouse. Your identity provider did not confirm that it signed you out too: on a shared computer, sign out there as well or close the browser.',
  'password-changed': 'Your password is changed. Sign in with the new one.',
  'sso-name': "Enter your work email or your organization's SSO name, for example acme.",
  'sso-turned-off': 'You are signed out. Sign in with your email and password; no password yet? Choose "Forgot your password?" to set one.',
}

export function signInRoutes(app: FastifyInstance, deps: CoreDeps, cookie: CookieSettings): void {
  app.get('/', async (request, reply) => reply.redirect(request.page.signedIn ? '/dashboard' : '/login'))

  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const next = safeLocalPath(query.next)
    if (typeof query.trigger_sso_flow === 'string' && /^[a-z0-9-]{1,63}$/.test(query.trigger_sso_flow)) {
      return reply.redirect(`/sso/${query.trigger_sso_flow}${next === undefined ? '' : `?return_to=${encodeURIComponent(next)}`}`)
    }
    if (request.page.signedIn !== undefined) return reply.redirect(next ?? '/dashboard')
    const notice = typeof query.notice === 'string' ? ownValue(NOTICES, query.notice) : undefined
    return sendPage(reply, <SignInPage csrf={request.page.csrf} next={next} notice={notice} app={await findInteractionClientName(deps, next)} />)
  })

  app.post('/login', async (request, reply) => {
    const email = field(request.body, 'email').trim()
    const next = safeLocalPath(field(request.body, 'next'))
    // Identifier-first home-realm discovery (Okta, WorkOS): an email with no password, of a domain
    // verified by an org with SSO enabled, goes to that org's IdP. With a password typed, the
    // password sign-in decides: someone of that domain may belong only to orgs that allow passwords.
    const password = field(request.body, 'password')
    const sso = password === '' && email.length <= 320 ? await findSsoForEmail(deps, email) : undefined
    if (sso !== undefined) {
      request.log.info({ event: 'sign_in_routed', method: 'saml' }, 'email domain routed to SSO')
      return startSsoPage(deps, sso.ssoName, next, request, reply, { afterForm: true })
    }
    try {
      const signedIn = await signInWithPassword(deps, { email, password, ip: request.ip, kind: 'browser' })
      // No fixation: whatever session this browser had ends; the new one has a new id.
      const previous = request.cookies[cookie.name]
      if (previous !== undefined) await endSession(deps, previous, 'replaced')
      setSessionCookie(reply, cookie, signedIn.id, signedIn.session.expiresAt)
      request.log.info({ event: 'sign_in', method: 'password' }, 'signed in')
      return reply.redirect(next ?? '/dashboard', 303)
    } catch (error) {
      if (error instanceof AccountError && error.code === 'email_invisible_character') {
        request.log.info({ event: 'sign_in_failed', code: error.code }, 'password sign-in refused')
        return sendPage(reply, <SignInPage csrf={request.page.csrf} email={email} next={next} error={error.message} />, 422)
      }
      if (!(error instanceof AuthError)) throw error
      request.log.info({ event: 'sign_in_failed', code: error.code }, 'password sign-in refused')
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
      const ssoName = error.code === 'sso_required' ? error.detail : undefined
      return sendPage(
        reply,
        <SignInPage
          csrf={request.page.csrf}
          email={email}
          next={next}
          error={error.message}
          ssoName={ssoName}
          app={await findInteractionClientName(deps, next)}
        />,
        statusOf(error),
      )
    }
  })

  app.get('/logout', async (request, reply) => {
    const viewer = viewerOf(request.page)
    if (viewer === undefined) return reply.redirect('/login')
    return sendPage(reply, <SignOutPage csrf={request.page.csrf} viewer={viewer} />)
  })

  app.post('/logout', async (request, reply) => {
    // The local session ends first, whatever the IdP later answers (DESIGN §10).
    const id = request.cookies[cookie.name]
    const ended = id === undefined ? undefined : await endSession(deps, id)
    clearSessionCookie(reply, cookie)
    // From the "single sign-on was turned off" page: the sign-in page says what to do next.
    if (field(request.body, 'then') === 'password') return reply.redirect('/login?notice=sso-turned-off', 303)
    // An SSO session whose IdP has an SLO endpoint: on to the IdP with a signed LogoutRequest. Failing
    // to build one (no SP key, a database hiccup) never undoes the sign-out.
    let logout
    try {
      logout = ended === undefined ? undefined : await startSingleLogout(deps, ended)
    } catch (error) {
      request.log.error({ err: error }, 'could not start single logout; signed out locally')
    }
    if (logout !== undefined) {
      request.log.info({ event: 'saml_logout_started', binding: logout.binding }, 'signed out; LogoutRequest to the IdP')
      return sendToIdp(reply, logout, { afterForm: true })
    }
    return reply.redirect('/login?notice=signed-out', 303)
  })

  app.get('/forgot-password', async (request, reply) => sendPage(reply, <ForgotPasswordPage csrf={request.page.csrf} />))

  app.post('/forgot-password', async (request, reply) => {
    const email = field(request.body, 'email').trim().slice(0, 320)
    // The same answer whether or not the email has an account.
    try {
      await requestPasswordReset(deps, email, request.ip)
    } catch (error) {
      if (error instanceof AuthError && error.code === 'rate_limited') {
        request.log.info({ code: error.code, reason: error.detail }, 'request refused')
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
        return sendPage(reply, <ForgotPasswordPage csrf={request.page.csrf} email={email} errors={{ email: error.message }} />, 429)
      }
      if (!(error instanceof AccountError) || error.code !== 'email_invisible_character') throw error
      request.log.info({ code: error.code }, 'request refused')
      return sendPage(reply, <ForgotPasswordPage csrf={request.page.csrf} email={email} errors={{ email: error.message }} />, 422)
    }
    return sendPage(reply, <ForgotPasswordPage csrf={request.page.csrf} sent email={email} />)
  })

  app.get('/reset-password', async (request, reply) => {
    const token = (request.query as Record<string, unknown>).token
    if (typeof token !== 'string' || !(await isPasswordLinkLive(deps, token))) {
      return sendPage(
        reply,
        <MessagePage
          title="Link expired"
          message="This password link is not valid any more: it was used or has expired. Ask for a new one."
          link={{ href: '/forgot-password', text: 'Ask for a new link' }}
        />,
        410,
      )
    }
    return sendPage(reply, <ResetPasswordPage csrf={request.page.csrf} token={token} />)
  })

  app.post('/reset-password', async (request, reply) => {
    const token = field(request.body, 'token')
    try {
      await resetPassword(deps, token, field(request.body, 'password'))
    } catch (error) {
      if (error instanceof AccountError && error.code === 'password_too_weak') {
        request.log.info({ code: error.code }, 'request refused')
        return sendPage(reply, <ResetPasswordPage csrf={request.page.csrf} token={token} errors={{ password: error.message }} />, 422)
      }
      throw error
    }
    clearSessionCookie(reply, cookie)
    return reply.redirect('/login?notice=password-changed', 303)
  })
}
