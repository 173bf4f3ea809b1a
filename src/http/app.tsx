/**
 * buildApp(config, deps): the Fastify application, without listening (cli.ts listens; tests inject).
 * Pages and the API are separate encapsulated scopes, each with its own authentication and error
 * handling, so a route registered in one cannot miss its checks.
 */
import { readFileSync } from 'node:fs'
import cookiePlugin from '@fastify/cookie'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { CoreDeps } from '../core/deps.js'
import type { Readiness } from '../store/readiness.js'
import { oidcClientOrigins } from '../core/oidc-clients.js'
import { MessagePage, SsoTurnedOffPage } from '../ui/pages/auth-pages.js'
import { apiPlugin } from './api/index.js'
import { ScimError } from '../scim/error.js'
import { replyWithScimError, scimRoutes } from './scim-routes.js'
import { devIdpPageRoutes, devIdpProtocolRoutes } from './dev-idp-routes.js'
import { sessionCookieSettings, setupSessionCookieSettings } from './authenticate.js'
import { logError, replyWithApiError, retryAfterOf, statusOf, toKnownError } from './error-handler.js'
import { sendPage } from './pages/html.js'
import { auditRoutes } from './pages/audit-routes.js'
import { directoryPageRoutes } from './pages/directory-routes.js'
import { orgRoutes } from './pages/org-routes.js'
import { installPageContext, viewerOf } from './pages/page-context.js'
import { setupRoutes } from './pages/setup-routes.js'
import { setupLinkRoutes } from './pages/setup-link-routes.js'
import { signInRoutes } from './pages/sign-in-routes.js'
import { ssoPageRoutes } from './pages/sso-routes.js'
import { tokenPageRoutes } from './pages/token-routes.js'
import { samlProtocolRoutes, samlStartRoutes } from './saml-routes.js'
import { oidcInteractionRoutes } from './oidc/interaction-routes.js'
import { oidcMount } from './oidc/mount.js'
import { createOidcService } from './oidc/provider.js'
import { OneLineLogController } from './logging.js'
import { installMetrics, type PromMetrics } from './metrics.js'
import { requestIdGenerator } from './request-id.js'
import { CONTENT_SECURITY_POLICY, fixedSecurityHeaders, installSecurityHeaders } from './security-headers.js'
import { installFormParser, installInputGuard } from './input-guard.js'
import { clientErrorAnswer } from './client-error.js'
import { installMinBodyRate } from './min-body-rate.js'

export interface AppDeps extends CoreDeps {
  readonly logger: Logger
  /** Counters for /metrics, over this app's own prom-client registry (http/metrics.ts). */
  readonly metrics: PromMetrics
  /** Database reachable, migrated and writable, for /readyz (store/readiness.ts). */
  readonly readiness: () => Promise<Readiness>
}

// Resolves to <root>/src/ui/static from both src/http (tests) and dist/http (npm start).
const STATIC_DIR = new URL('../../src/ui/static/', import.meta.url)

async function pageErrorHandler(raw: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // Nothing under /scim/ is a page (a hook's refusal of /scim/v2/../Users?… lands here, outside the SCIM routes).
  if (request.url.startsWith('/scim/')) return replyWithScimError(request, reply, raw)
  const error = toKnownError(raw)
  const status = statusOf(error)
  logError(request, raw, error, status)
  const retryAfter = retryAfterOf(error)
  if (retryAfter !== undefined) reply.header('retry-after', retryAfter)
  if (error.code === 'unauthenticated' && request.method === 'GET') {
    return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`)
  }
  const page = (request as { page?: Parameters<typeof viewerOf>[0] }).page
  if (error.code === 'sso_turned_off' && page) {
    return sendPage(reply, <SsoTurnedOffPage message={error.message} reference={request.id} viewer={viewerOf(page)} csrf={page.csrf} />, status)
  }
  const title =
    status === 503
      ? 'Temporarily unavailable'
      : status >= 500
        ? 'Something went wrong'
        : status === 403
          ? 'Not allowed'
          : status === 404
            ? 'Not found'
            : 'That did not work'
  return sendPage(
    reply,
    <MessagePage title={title} message={error.message} reference={request.id} viewer={page ? viewerOf(page) : undefined} csrf={page?.csrf ?? undefined} />,
    status,
  )
}

/**
 * GATEHOUSE_TRUST_PROXY for Fastify (proxy-addr): the client is the last untrusted hop. A hop count
 * becomes a function, because Fastify given a number trusts no hop at all (so every client behind the
 * proxy would share the proxy's address and its per-IP limit).
 */
function fastifyTrustProxy(trust: Config['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return [...trust]
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const https = sessionCookieSettings(config.baseUrl).secure
  const app: FastifyInstance = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it Fastify takes pino's Logger as its logger type, and `app` is no plain FastifyInstance
    loggerInstance: deps.logger as FastifyBaseLogger,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 1024 * 1024,
    // Every wait on a client is bounded (GATEHOUSE_*_TIMEOUT; docs/configuration.md): node's parser
    // answers 408 to headers or a request that do not arrive in time, checked every second (node's
    // default is every 30 s); a connection that stays silent is closed.
    http: { headersTimeout: config.http.headersMs, connectionsCheckingInterval: 1000 },
    requestTimeout: config.http.requestMs,
    keepAliveTimeout: config.http.idleMs,
    connectionTimeout: config.http.idleMs,
    // A trusted proxy's X-Request-Id is kept (one id in its log and ours); otherwise a new UUID.
    genReqId: requestIdGenerator(config.trustProxy),
    // The ACS logs one line per post (status, time, request id and outcome), not three.
    logController: new OneLineLogController(),
    // The router's own refusals (a path %-escape that does not decode, a parameter over 100
    // characters) as the usual page or API error, never Fastify's JSON echoing the URL. Fastify's
    // onSend hooks do not run for these: the security headers are set here.
    frameworkErrors: (error, request, reply) => {
      reply.headers({
        ...fixedSecurityHeaders(https),
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-request-id': request.id,
        'cache-control': 'no-store',
      })
      if (request.url.startsWith('/api/')) {
        replyWithApiError(request, reply, error)
        return
      }
      if (request.url.startsWith('/scim/')) {
        replyWithScimError(request, reply, error)
        return
      }
      // Fastify does not wait for what this returns: a failed error page is answered here, not left
      // as an unhandled rejection.
      pageErrorHandler(error, request, reply).catch((failure: unknown) => {
        request.log.error({ err: failure }, 'the error page could not be sent')
        const plain: FastifyReply = reply
        if (!plain.sent) void plain.code(500).send()
      })
    },
    // Refusals by node's HTTP parser before any request exists (headers too large, a malformed request).
    clientErrorHandler: clientErrorAnswer(https),
  })
  // Everything outside the API scope (ACS, metadata, static, pages) fails as a plain page with a
  // reference id: never Fastify's JSON with an internal message. Set first: a route registered
  // before it would keep Fastify's default handler.
  app.setErrorHandler(pageErrorHandler)
  installMinBodyRate(app, config.http.minBodyRate)
  const cookie = sessionCookieSettings(config.baseUrl)
  const setupCookie = setupSessionCookieSettings(config.baseUrl)
  await app.register(cookiePlugin)
  installSecurityHeaders(app, { https: cookie.secure, formTargets: () => oidcClientOrigins(deps) })
  installInputGuard(app)
  installMetrics(app, deps.metrics, config.metricsToken)

  const css = readFileSync(new URL('app.css', STATIC_DIR), 'utf8')
  const autoSubmit = readFileSync(new URL('auto-submit.js', STATIC_DIR), 'utf8')
  const ssoSetup = readFileSync(new URL('sso-setup.js', STATIC_DIR), 'utf8')
  const suggest = readFileSync(new URL('suggest.js', STATIC_DIR), 'utf8')
  const forgetUrlSecret = readFileSync(new URL('forget-url-secret.js', STATIC_DIR), 'utf8')
  const favicon = readFileSync(new URL('favicon.svg', STATIC_DIR), 'utf8')
  app.get('/static/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css))
  app.get('/static/auto-submit.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(autoSubmit),
  )
  app.get('/static/favicon.svg', async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(favicon))
  app.get('/favicon.ico', async (_request, reply) => reply.redirect('/static/favicon.svg', 301))
  app.get('/static/sso-setup.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(ssoSetup),
  )
  app.get('/static/suggest.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(suggest),
  )
  app.get('/static/forget-url-secret.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(forgetUrlSecret),
  )
  // Probes, polled every few seconds: not logged per call (warn and above still are). /healthz is
  // liveness (the process answers; no database); /readyz is readiness (docs/operations.md).
  app.get('/healthz', { logLevel: 'warn' }, async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }))
  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const readiness = await deps.readiness()
    reply.header('cache-control', 'no-store')
    return readiness.ready ? reply.send({ status: 'ready' }) : reply.code(503).send({ status: 'not ready', reason: readiness.reason })
  })

  await app.register(apiPlugin, { prefix: '/api/v1', deps, adminToken: config.adminToken, cookie, baseUrl: config.baseUrl })

  await app.register(scimRoutes, { prefix: '/scim/v2', deps })
  await app.register(samlProtocolRoutes, { deps, cookie })
  // The development IdP exists only when configured (never in production): otherwise its URLs are 404.
  if (config.devIdp.enabled) await app.register(devIdpProtocolRoutes, { deps })

  // oidc-provider keeps its own time (Date.now); its storage expiry follows the same clock.
  const oidc = createOidcService(deps, {
    baseUrl: config.baseUrl,
    secretKey: config.secretKey,
    sessionAbsoluteHours: config.session.absoluteHours,
    cookie,
    now: () => Date.now(),
    logger: deps.logger,
  })
  await app.register(oidcMount, { oidc, baseUrl: config.baseUrl })

  await app.register(async (pages) => {
    // 64 KiB per page post unless a route says otherwise (the IdP metadata form); the form parser
    // then follows each route's limit.
    pages.addHook('onRoute', (route) => {
      route.bodyLimit ??= 64 * 1024
    })
    installFormParser(pages)
    installPageContext(pages, { deps, cookie, setupCookie, secretKey: config.secretKey, baseUrl: config.baseUrl })
    pages.setErrorHandler(pageErrorHandler)
    signInRoutes(pages, deps, cookie)
    setupRoutes(pages, deps, cookie, { outbox: config.devOutbox.enabled && config.smtp === undefined })
    setupLinkRoutes(pages, deps, setupCookie)
    orgRoutes(pages, deps, config.workspaceRoles, { outbox: config.devOutbox.enabled && config.smtp === undefined })
    ssoPageRoutes(pages, deps, config.workspaceRoles, { devIdp: config.devIdp.enabled })
    directoryPageRoutes(pages, deps)
    auditRoutes(pages, deps)
    tokenPageRoutes(pages, deps)
    samlStartRoutes(pages, deps)
    oidcInteractionRoutes(pages, deps, oidc, cookie)
    if (config.devIdp.enabled) devIdpPageRoutes(pages, deps)
  })

  // Nothing under /scim/ is a page: a SCIM client gets a SCIM error there (a path like /scim/v2/../Users
  // arrives as /scim/Users).
  app.setNotFoundHandler((request, reply) =>
    request.url.startsWith('/scim/')
      ? replyWithScimError(request, reply, new ScimError('notFound', 'There is no SCIM resource at this address.'))
      : sendPage(reply, <MessagePage title="Not found" message="There is no page at this address." reference={request.id} />, 404),
  )
  return app
}
