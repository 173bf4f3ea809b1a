/** First-owner set-up, accepting an invitation, and the development outbox. */
import type { FastifyInstance } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import type { CoreDeps } from '../../core/deps.js'
import { acceptInvitation, describeInvitation } from '../../core/invitations.js'
import { endSession, startSession } from '../../core/sessions.js'
import { completeSetup, isSetupLinkLive } from '../../core/setup.js'
import { MessagePage } from '../../ui/pages/auth-pages.js'
import { OutboxPage } from '../../ui/pages/outbox-page.js'
import { AcceptInvitationPage, SetupPage, type InvitationView } from '../../ui/pages/setup-pages.js'
import { setSessionCookie, type CookieSettings } from '../authenticate.js'
import { statusOf } from '../error-handler.js'
import { sendPage } from './html.js'
import { field } from './page-context.js'

export function setupRoutes(app: FastifyInstance, deps: CoreDeps, cookie: CookieSettings, options: { outbox: boolean }): void {
  const closed = (
    <MessagePage
      title="Set-up link not valid"
      message="This set-up link was used, has expired, or Gatehouse is set up already. Restart Gatehouse for a new link, or ask the operator to run gatehouse create-owner."
      link={{ href: '/login', text: 'Go to sign in' }}
    />
  )

  async function signIn(reply: Parameters<typeof setSessionCookie>[0], previous: string | undefined, userId: string, orgId: string) {
    if (previous !== undefined) await endSession(deps, previous, 'replaced')
    const started = await startSession(deps, { userId, orgId, kind: 'browser', authMethod: 'password' })
    setSessionCookie(reply, cookie, started.id, started.session.expiresAt)
  }

  app.get('/setup', async (request, reply) => {
    const token = (request.query as Record<string, unknown>).token
    if (typeof token !== 'string' || !(await isSetupLinkLive(deps, token))) return sendPage(reply, closed, 410)
    return sendPage(reply, <SetupPage csrf={request.page.csrf} token={token} />)
  })

  app.post('/setup', async (request, reply) => {
    const token = field(request.body, 'token')
    const values = {
      orgName: field(request.body, 'orgName'),
      orgSlug: field(request.body, 'orgSlug').trim(),
      email: field(request.body, 'email'),
      firstName: field(request.body, 'firstName'),
      lastName: field(request.body, 'lastName'),
    }
    try {
      const { user, org } = await completeSetup(deps, token, { ...values, password: field(request.body, 'password') })
      await signIn(reply, request.cookies[cookie.name], user.id, org.id)
      return reply.redirect('/dashboard', 303)
    } catch (error) {
      if (!(error instanceof AccountError)) throw error
      request.log.info({ code: error.code }, 'request refused')
      if (error.code === 'setup_closed') return sendPage(reply, closed, 410)
      const errors = { [error.field === 'slug' ? 'orgSlug' : error.field === 'name' ? 'orgName' : (error.field ?? '')]: error.message }
      return sendPage(
        reply,
        <SetupPage csrf={request.page.csrf} token={token} values={values} errors={errors} error={error.field === undefined ? error.message : undefined} />,
        statusOf(error),
      )
    }
  })

  async function invitationView(token: string, signedInUserId: string | undefined): Promise<InvitationView> {
    const { invitation, org, existingUser } = await describeInvitation(deps, token)
    const mode = existingUser?.hasPassword ? (existingUser.id === signedInUserId ? 'accept' : 'signin') : 'new'
    return { orgName: org.name, email: invitation.email, role: invitation.role, mode }
  }

  const signInHref = (token: string) => `/login?next=${encodeURIComponent(`/invitations/accept?token=${token}`)}`
  const gone = (message: string) => <MessagePage title="Invitation not valid" message={message} link={{ href: '/login', text: 'Go to sign in' }} />

  app.get('/invitations/accept', async (request, reply) => {
    const token = (request.query as Record<string, unknown>).token
    if (typeof token !== 'string') return sendPage(reply, gone('This invitation link is incomplete.'), 410)
    try {
      const invitation = await invitationView(token, request.page.signedIn?.user.id)
      return sendPage(reply, <AcceptInvitationPage csrf={request.page.csrf} token={token} invitation={invitation} signInHref={signInHref(token)} />)
    } catch (error) {
      if (error instanceof AccountError) return sendPage(reply, gone(error.message), statusOf(error))
      throw error
    }
  })

  app.post('/invitations/accept', async (request, reply) => {
    const token = field(request.body, 'token')
    const values = { firstName: field(request.body, 'firstName'), lastName: field(request.body, 'lastName') }
    const signedInUserId = request.page.signedIn?.user.id
    try {
      const { user, org } = await acceptInvitation(deps, token, { ...values, password: field(request.body, 'password') || undefined, signedInUserId })
      if (signedInUserId !== user.id) await signIn(reply, request.cookies[cookie.name], user.id, org.id)
      return reply.redirect('/dashboard', 303)
    } catch (error) {
      if (!(error instanceof AccountError)) throw error
      request.log.info({ code: error.code }, 'request refused')
      if (error.code === 'invitation_invalid') return sendPage(reply, gone(error.message), statusOf(error))
      const invitation = await invitationView(token, signedInUserId)
      const errors = error.field === undefined ? undefined : { [error.field]: error.message }
      return sendPage(
        reply,
        <AcceptInvitationPage
          csrf={request.page.csrf}
          token={token}
          invitation={invitation}
          values={values}
          errors={errors}
          error={errors === undefined ? error.message : undefined}
          signInHref={signInHref(token)}
        />,
        statusOf(error),
      )
    }
  })

  if (options.outbox) {
    app.get('/dev/outbox', async (_request, reply) => sendPage(reply, <OutboxPage messages={await deps.store.outbox.list(50)} />))
  }
}
