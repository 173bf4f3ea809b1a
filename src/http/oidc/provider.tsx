/**
 * The OpenID Connect provider (panva's oidc-provider) as Gatehouse configures it: issuer
 * `{BASE_URL}/oidc`, authorization code + PKCE (S256; required of public clients), refresh tokens,
 * RP-initiated logout, signing keys from the database, all state in the database, claims read live
 * from the grant's OrgLogin (core/oidc-login.ts). Sign-in is Gatehouse's own: every authorization
 * goes through the interaction page (interaction-routes.tsx), which asks core who may sign in for
 * which org. Rebuilt when the signing keys change; a rotation or retirement by another process is
 * used within KEY_REFRESH_MS (core/key-refresh.ts).
 */
import { hkdfSync } from 'node:crypto'
import type { Logger } from 'pino'
import type Provider from 'oidc-provider'
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider'
import type { CoreDeps } from '../../core/deps.js'
import { KEY_REFRESH_MS, refreshingValue } from '../../core/key-refresh.js'
import { findOidcSessionSid, OIDC_PATH } from '../../core/backchannel-logout.js'
import { activeOidcJwks } from '../../core/oidc-keys.js'
import { findOrgLogin, type OrgLogin } from '../../core/oidc-login.js'
import { claimsOrDropGrant } from '../../core/oidc-revocation.js'
import { endSession } from '../../core/sessions.js'
import { renderPage } from '../../ui/layout.js'
import { MessagePage } from '../../ui/pages/auth-pages.js'
import { SignedOutOfAppPage, SignOutOfAppPage } from '../../ui/pages/oidc-pages.js'
import type { CookieSettings } from '../authenticate.js'
import { CONTENT_SECURITY_POLICY, fixedSecurityHeaders } from '../security-headers.js'
import { databaseAdapter } from './adapter.js'

export const OIDC_PREFIX = OIDC_PATH
export const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'org'] as const

export interface OidcSettings {
  readonly baseUrl: string
  readonly secretKey: Buffer
  readonly sessionAbsoluteHours: number
  readonly cookie: CookieSettings
  /** The provider's clock (oidc-provider reads Date.now itself; its storage expiry follows the same). */
  readonly now: () => number
  readonly logger: Logger
}

type OidcModule = typeof import('oidc-provider')
let loading: Promise<OidcModule> | undefined

/**
 * oidc-provider 9 prints "Unsupported runtime" to stderr once at import on Node 20 (it supports
 * Node 22+ officially; it works on 20.19, see ECOSYSTEM.md). Imported on the first OIDC request, with
 * that one line sent to the log instead, so commands and start-up keep stderr for real problems.
 * TODO(node 22): a plain static import once Gatehouse requires Node 22.
 */
function loadOidcProvider(logger: Logger): Promise<OidcModule> {
  loading ??= (async () => {
    const warn = console.warn
    console.warn = (...args: unknown[]) => {
      if (String(args[0]).includes('Unsupported runtime')) logger.info({ event: 'oidc_provider_runtime' }, String(args[0]))
      else warn(...args)
    }
    try {
      return await import('oidc-provider')
    } finally {
      console.warn = warn
    }
  })()
  return loading
}

export interface OidcService {
  readonly issuer: string
  provider(): Promise<Provider>
  /** After a key rotation in this process: the next request builds the provider afresh. */
  forget(): void
}

const DAY = 24 * 3600

export function interactionPath(uid: string): string {
  return `${OIDC_PREFIX}/interaction/${uid}`
}

export function createOidcService(deps: CoreDeps, settings: OidcSettings): OidcService {
  const issuer = `${settings.baseUrl}${OIDC_PREFIX}`
  let current: { provider: Provider; kids: string } | undefined
  // The keys are read again at most every KEY_REFRESH_MS (by the deployment's clock); the provider is
  // rebuilt only when the list of published keys changed.
  const providerOfKeys = refreshingValue(deps.clock, KEY_REFRESH_MS, async () => {
    const jwks = await activeOidcJwks(deps)
    const kids = jwks.map((k) => k.kid).join(',')
    if (current === undefined || current.kids !== kids)
      current = { provider: buildProvider(await loadOidcProvider(settings.logger), deps, settings, issuer, jwks), kids }
    return current.provider
  })
  return {
    issuer,
    provider: () => providerOfKeys.get(),
    forget: () => providerOfKeys.forget(),
  }
}

/** Logins looked up during a request, for the TTL functions (which oidc-provider calls synchronously). */
const loginsOfRequest = new WeakMap<object, OrgLogin>()

/** Seconds left of an SSO login, capping a token's lifetime; `fallback` for password logins. */
function cappedTtl(deps: CoreDeps, ctx: KoaContextWithOIDC | undefined, fallback: number): number {
  const login = ctx === undefined ? undefined : loginsOfRequest.get(ctx)
  if (login?.notAfter === undefined) return fallback
  const left = Math.floor((Date.parse(login.notAfter) - deps.clock.now().getTime()) / 1000)
  return Math.max(1, Math.min(fallback, left))
}

function buildProvider(oidc: OidcModule, deps: CoreDeps, settings: OidcSettings, issuer: string, jwks: readonly Record<string, unknown>[]): Provider {
  const { default: Provider, interactionPolicy } = oidc
  const policy = interactionPolicy.base()
  // Gatehouse's session is the login: every authorization passes the interaction page, which returns
  // at once when the session serves the request (and honours organization, prompt=login, max_age).
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check('gatehouse_sign_in', 'Gatehouse decides who signs in and for which organization', 'login_required', (ctx) =>
        ctx.oidc.result?.login === undefined ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    )
  const cookieKey = Buffer.from(hkdfSync('sha256', settings.secretKey, Buffer.alloc(0), 'gatehouse oidc cookies', 32)).toString('base64url')

  const configuration: Configuration = {
    adapter: databaseAdapter(deps, settings.now),
    clients: [],
    jwks: { keys: jwks },
    cookies: {
      keys: [cookieKey],
      names: { session: 'gh_oidc_session', interaction: 'gh_oidc_interaction', resume: 'gh_oidc_resume' },
      // Secure under an https base URL: mount.ts presents every request to the provider as the base
      // URL's (base-url-view.ts), so Koa agrees the connection is https even behind a TLS proxy.
      long: { httpOnly: true, sameSite: 'lax', signed: true, secure: settings.cookie.secure },
      short: { httpOnly: true, sameSite: 'lax', signed: true, secure: settings.cookie.secure },
    },
    scopes: [...OIDC_SCOPES],
    claims: {
      openid: ['sub', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      org: ['org', 'org_role', 'workspace_roles'],
    },
    // Claims of the granted scopes in the ID token too (the host app need not call userinfo).
    conformIdTokenClaims: false,
    extraParams: ['organization'],
    responseTypes: ['code'],
    pkce: {
      // RFC 9700 §2.1.1: public clients must; confidential clients may (and are checked when they do).
      required: (_ctx, client) => client.clientAuthMethod === 'none',
    },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'], userinfoSigningAlgValues: ['RS256', 'ES256'] },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      // Back-Channel Logout 1.0: on for discovery (backchannel_logout_supported, _session_supported),
      // the clients' backchannel_logout_uri and the ID tokens' sid. The provider's own sending (inside
      // end_session, synchronous, no retry) is switched off below: Gatehouse queues the logout tokens
      // when its session ends, whatever ends it (core/backchannel-logout.ts).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          const action = /action="([^"]+)"/.exec(form)?.[1] ?? ''
          const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? ''
          ctx.type = 'html'
          ctx.body = renderPage(<SignOutOfAppPage action={action} xsrf={xsrf} clientName={ctx.oidc.client?.clientName} />)
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html'
          ctx.body = renderPage(<SignedOutOfAppPage clientName={ctx.oidc.client?.clientName} />)
        },
      },
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    findAccount: async (ctx, sub, token) => {
      const grantId = (token as { grantId?: string } | undefined)?.grantId
      if (grantId === undefined) {
        // The authorization endpoint checks the session's account exists; claims come with a token.
        return (await deps.store.users.findById(sub)) === undefined ? undefined : { accountId: sub, claims: async () => ({ sub }) }
      }
      const login = await findOrgLogin(deps, grantId, deps.clock.now().toISOString())
      if (login === undefined || login.userId !== sub) return undefined
      const claims = await claimsOrDropGrant(deps, grantId, login)
      // A removed member (even if added back since), a password reset, a policy that no longer allows
      // this sign-in, an SSO login past the org's timeout: no account, so the refresh or userinfo call
      // fails (invalid_grant / invalid_token), and the grant is gone for good.
      if (claims === undefined) return undefined
      loginsOfRequest.set(ctx, login)
      return { accountId: sub, claims: async () => ({ ...claims }) }
    },
    loadExistingGrant: async (ctx) => {
      const clientId = ctx.oidc.client!.clientId
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(clientId)
      if (grantId === undefined) return undefined
      // The sid of the Gatehouse session this grant was made in (one per session, client and org), not
      // the provider session's, which outlives Gatehouse sessions: a logout token names exactly the
      // sign-ins of the session that ended.
      const sid = await findOidcSessionSid(deps, grantId)
      if (sid !== undefined) ctx.oidc.session!.sidFor(clientId, sid)
      return ctx.oidc.provider.Grant.find(grantId)
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: settings.sessionAbsoluteHours * 3600,
      Grant: 14 * DAY,
      IdToken: (ctx) => cappedTtl(deps, ctx, 3600),
      AccessToken: (ctx) => cappedTtl(deps, ctx, 3600),
      RefreshToken: (ctx) => cappedTtl(deps, ctx, 14 * DAY),
    },
    interactions: { url: async (_ctx, interaction) => interactionPath(interaction.uid), policy },
    renderError: async (ctx, out) => {
      ctx.type = 'html'
      const message = typeof out.error_description === 'string' ? out.error_description : 'The request could not be completed.'
      ctx.body = renderPage(
        <MessagePage
          title="That did not work"
          message={`${message} (${String(out.error)})`}
          reference={(ctx.req as { gatehouseRequestId?: string }).gatehouseRequestId}
        />,
      )
    },
  }
  const provider = new Provider(issuer, configuration)
  // Never send logout tokens from inside a request (see backchannelLogout above): the durable queue does.
  Object.defineProperty(provider.Client.prototype, 'backchannelLogout', { value: async () => undefined })
  // Koa reads host, protocol and client address from X-Forwarded-*: mount.ts always sets them from the
  // base URL and Fastify's own (trust-proxy aware) request.ip, never passing on the caller's.
  provider.proxy = true
  // One address in X-Forwarded-For: the client Fastify resolved, written by the mount.
  provider.maxIpsCount = 1
  provider.use(async (ctx, next) => {
    // The provider's responses get the headers of every Gatehouse page, HSTS included (they bypass
    // Fastify's hooks).
    ctx.set('content-security-policy', CONTENT_SECURITY_POLICY)
    ctx.set(fixedSecurityHeaders(settings.cookie.secure))
    const requestId = (ctx.req as { gatehouseRequestId?: string }).gatehouseRequestId
    if (requestId !== undefined) ctx.set('x-request-id', requestId)
    await next()
    if (ctx.response.get('cache-control') === '') ctx.set('cache-control', 'no-store')
    if (ctx.status === 404 && ctx.body == null) {
      // No provider route here: the usual page, not Koa's bare "Not Found".
      ctx.type = 'html'
      ctx.body = renderPage(
        <MessagePage
          title="Not found"
          message="There is no page at this address."
          reference={(ctx.req as { gatehouseRequestId?: string }).gatehouseRequestId}
        />,
      )
      ctx.status = 404
    }
    // Koa's context type does not know the provider's `oidc`; it is absent where no provider route ran.
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc
    const client = oidc?.client
    if (client !== undefined && ctx.response.is('html') !== false) {
      // A form here (sign-out confirmation, form_post) ends at the client: Chromium applies form-action to
      // the redirects that follow a form submission.
      const origins = new Set([...(client.redirectUris ?? []), ...(client.postLogoutRedirectUris ?? [])].map((uri) => new URL(uri).origin))
      const csp = ctx.response.get('content-security-policy')
      if (csp !== '') ctx.set('content-security-policy', csp.replace(/form-action 'self'/, `form-action 'self' ${[...origins].join(' ')}`))
    }
    if (oidc?.route === 'end_session_confirm' && ctx.status === 303) {
      // RP-initiated logout ends the Gatehouse session too: it is the one the app's sign-in came from.
      const id = ctx.cookies.get(settings.cookie.name, { signed: false })
      if (id !== undefined) await endSession(deps, id)
      ctx.cookies.set(settings.cookie.name, null, { path: '/', httpOnly: true, sameSite: 'lax', secure: settings.cookie.secure, signed: false })
    }
  })
  return provider
}
