/**
 * The development IdP's endpoints (issue 6), registered only when config.devIdp.enabled, so they are
 * 404 otherwise. Metadata and the HTTP-POST binding's entry sit outside the pages scope (an SP's
 * post carries no CSRF token); the sign-in page and its form are page routes with the session,
 * CSRF token and check of every other form.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CoreDeps } from '../core/deps.js'
import {
  answerAsDevIdp,
  devIdpEndpoints,
  devIdpMetadata,
  devIdpPickableUsers,
  devIdpTarget,
  readDevIdpRequest,
  type DevIdpTarget,
  type DevIdpUserForm,
} from '../core/dev-idp.js'
import { DevIdpError } from '../core/dev-idp-error.js'
import { redirectBindingUrl } from '../saml/authn-request.js'
import { DevIdpHomePage, DevIdpRefusalPage, DevIdpSignedOutPage, DevIdpSignInPage, type DevIdpFormValues } from '../ui/pages/dev-idp-pages.js'
import { devIdpSignOutEverywhere, receiveAtDevIdp } from '../core/dev-idp-logout.js'
import { readRedirectQuery } from '../saml/redirect-binding.js'
import { PostBindingPage } from '../ui/pages/post-binding-page.js'
import { statusOf } from './error-handler.js'
import { sendPage } from './pages/html.js'
import { field } from './pages/page-context.js'
import { installFormParser } from './input-guard.js'

function refuse(request: FastifyRequest, reply: FastifyReply, error: DevIdpError): FastifyReply {
  request.log.info({ code: error.code, ...(error.detail === undefined ? {} : { detail: error.detail }) }, 'development IdP refused the request')
  return sendPage(reply, <DevIdpRefusalPage message={error.message} reference={request.id} />, statusOf(error))
}

/** Metadata and the HTTP-POST binding: outside the pages scope. */
export async function devIdpProtocolRoutes(app: FastifyInstance, options: { deps: CoreDeps }): Promise<void> {
  const { deps } = options
  installFormParser(app, { bodyLimit: 256 * 1024 })

  app.get('/dev/idp/metadata', async (request, reply) => {
    const download = (request.query as Record<string, unknown>).download !== undefined
    return reply
      .type('application/samlmetadata+xml; charset=utf-8')
      .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="gatehouse-dev-idp-metadata.xml"`)
      .send(await devIdpMetadata(deps))
  })

  /**
   * SAML bindings §3.5: an SP posting its AuthnRequest. Read and checked like a redirected one, then
   * sent on to the GET sign-in page (HTTP-Redirect encoding), whose form carries a CSRF token.
   */
  app.post('/dev/idp/sso', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined
    try {
      const checked = await readDevIdpRequest(deps, body?.SAMLRequest, body?.RelayState, 'post')
      // Checked above: base64 of a small AuthnRequest from one of our connections.
      const xml = Buffer.from(String(body!.SAMLRequest).replace(/\s+/g, ''), 'base64').toString('utf8')
      return reply.redirect(redirectBindingUrl('/dev/idp/sso', xml, checked.relayState), 303)
    } catch (error) {
      if (error instanceof DevIdpError) return refuse(request, reply, error)
      throw error
    }
  })
}

const blankForm = (target: DevIdpTarget): DevIdpFormValues => ({
  email: '',
  firstName: '',
  lastName: '',
  roles: '',
  rolesAttribute: target.connection.policy.roleMapping.enabled ? target.connection.policy.roleMapping.attribute : 'groups',
  attributes: '',
  encrypt: target.connection.policy.requireEncryptedAssertions,
  signResponse: false,
})

/** The sign-in page and its form: inside the pages scope. */
export function devIdpPageRoutes(app: FastifyInstance, deps: CoreDeps): void {
  const endpoints = devIdpEndpoints(deps.settings.baseUrl)

  async function signInPage(
    request: FastifyRequest,
    reply: FastifyReply,
    target: DevIdpTarget,
    state: { requestId: string | undefined; relayState: string | undefined },
    extra: { values?: DevIdpFormValues; errors?: Record<string, string>; error?: string; picked?: { email: string; firstName: string; lastName: string } } = {},
    status = 200,
  ): Promise<FastifyReply> {
    reply.header('cache-control', 'no-store')
    return sendPage(
      reply,
      <DevIdpSignInPage
        csrf={request.page.csrf}
        orgName={target.org.name}
        ssoName={target.connection.ssoName}
        acsUrl={target.sp.acsUrl}
        spEntityId={target.sp.entityId}
        requestId={state.requestId}
        relayState={state.relayState}
        values={extra.values ?? blankForm(target)}
        errors={extra.errors}
        error={extra.error}
        picked={extra.picked}
        users={await devIdpPickableUsers(deps, target)}
        requireEncryption={target.connection.policy.requireEncryptedAssertions}
        knownRoles={target.connection.policy.roleMapping.enabled ? target.connection.policy.roleMapping.rules.map((r) => r.idpRole) : []}
      />,
      status,
    )
  }

  app.get('/dev/idp', async (request, reply) => sendPage(reply, <DevIdpHomePage {...endpoints} csrf={request.page.csrf} />))

  /** SAML bindings §3.4: the SP-initiated request by HTTP-Redirect. */
  app.get('/dev/idp/sso', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    try {
      const checked = await readDevIdpRequest(deps, query.SAMLRequest, query.RelayState, 'redirect')
      return await signInPage(request, reply, checked.target, { requestId: checked.requestId, relayState: checked.relayState })
    } catch (error) {
      if (error instanceof DevIdpError) return refuse(request, reply, error)
      throw error
    }
  })

  /**
   * Single logout (DESIGN §10) by HTTP-Redirect: Gatehouse's LogoutRequest (answered with a signed
   * Success back to the connection's SLO endpoint) or its LogoutResponse to "Sign out everywhere".
   */
  app.get('/dev/idp/slo', async (request, reply) => {
    try {
      const query = readRedirectQuery(request.url)
      if ('code' in query) throw new DevIdpError('dev_idp_request_invalid', `This is not a single logout message (${query.code}).`)
      const result = await receiveAtDevIdp(deps, query)
      reply.header('cache-control', 'no-store')
      if (result.kind === 'answer') {
        request.log.info({ event: 'dev_idp_logout_answered', ssoName: result.ssoName }, 'development IdP answered a LogoutRequest')
        return await reply.redirect(result.url)
      }
      return await sendPage(reply, <DevIdpSignedOutPage ssoName={result.ssoName} success={result.success} status={result.status} />)
    } catch (error) {
      if (error instanceof DevIdpError) return refuse(request, reply, error)
      throw error
    }
  })

  /** "Sign out everywhere": an IdP-initiated LogoutRequest for that email to the connection's SLO endpoint. */
  app.post('/dev/idp/logout', async (request, reply) => {
    const ssoName = field(request.body, 'sso_name').trim().toLowerCase()
    try {
      const url = await devIdpSignOutEverywhere(deps, ssoName, field(request.body, 'email'))
      request.log.info({ event: 'dev_idp_logout_sent', ssoName }, 'development IdP sent a LogoutRequest')
      return await reply.redirect(url, 303)
    } catch (error) {
      if (error instanceof DevIdpError && error.field !== undefined) {
        return sendPage(reply, <DevIdpHomePage {...endpoints} csrf={request.page.csrf} logoutError={error.message} />, statusOf(error))
      }
      if (error instanceof DevIdpError) return refuse(request, reply, error)
      throw error
    }
  })

  /** IdP-initiated: no request, the answer is unsolicited (the Okta or Entra tile). */
  app.get('/dev/idp/start', async (request, reply) => {
    const ssoName = (request.query as Record<string, unknown>).sso_name
    if (typeof ssoName !== 'string' || ssoName.trim() === '') {
      return sendPage(reply, <DevIdpHomePage {...endpoints} csrf={request.page.csrf} error="Give the SSO name of the organization to sign in to." />, 400)
    }
    try {
      return await signInPage(request, reply, await devIdpTarget(deps, ssoName.trim().toLowerCase()), { requestId: undefined, relayState: undefined })
    } catch (error) {
      if (error instanceof DevIdpError) return refuse(request, reply, error)
      throw error
    }
  })

  /** The form: a member picked (the form again, filled in) or the answer, posted to the connection's ACS. */
  app.post('/dev/idp/respond', async (request, reply) => {
    const body = request.body
    const ssoName = field(body, 'ssoName')
    const state = { requestId: field(body, 'requestId') || undefined, relayState: field(body, 'relayState') || undefined }
    try {
      const target = await devIdpTarget(deps, ssoName)
      const pick = field(body, 'pick')
      if (pick !== '') {
        const user = (await devIdpPickableUsers(deps, target)).find((u) => u.email === pick)
        if (user === undefined) throw new DevIdpError('dev_idp_input_invalid', `${pick.slice(0, 80)} is not a member of ${target.org.name}.`)
        return await signInPage(request, reply, target, state, { values: { ...blankForm(target), ...user }, picked: user })
      }
      const form: DevIdpUserForm = {
        email: field(body, 'email'),
        firstName: field(body, 'firstName'),
        lastName: field(body, 'lastName'),
        roles: field(body, 'roles'),
        rolesAttribute: field(body, 'rolesAttribute'),
        attributes: field(body, 'attributes'),
        encrypt: field(body, 'encrypt') === 'on',
        signResponse: field(body, 'signResponse') === 'on',
      }
      try {
        const answer = await answerAsDevIdp(deps, ssoName, state, form)
        request.log.info({ event: 'dev_idp_answered', ssoName, solicited: state.requestId !== undefined, encrypted: form.encrypt }, 'development IdP answered')
        reply.header('cache-control', 'no-store')
        // The ACS is this deployment's own origin: the default CSP's form-action 'self' already allows it.
        return sendPage(reply, <PostBindingPage url={answer.acsUrl} fields={answer.fields} title="Continue to Gatehouse" />)
      } catch (error) {
        if (!(error instanceof DevIdpError) || error.field === undefined) throw error
        request.log.info({ code: error.code }, 'development IdP form refused')
        return await signInPage(
          request,
          reply,
          target,
          state,
          { values: form, errors: { [error.field]: error.message }, error: 'Nothing was sent: see the message next to the field.' },
          statusOf(error),
        )
      }
    } catch (error) {
      if (error instanceof DevIdpError) return refuse(request, reply, error)
      throw error
    }
  })
}
