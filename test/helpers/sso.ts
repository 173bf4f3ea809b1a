/** SSO fixtures over the operator API, and the two halves of an SP-initiated flow. */
import { inflateRawSync } from 'node:zlib'
import type { LightMyRequestResponse } from 'fastify'
import type { Browser } from './browser.js'
import { operator, type TestContext } from './test-app.js'
import { buildResponse, sign, toBase64, type ResponseParams, type TestIdp } from './test-idp.js'

export interface SsoOrg {
  readonly slug: string
  readonly ssoName: string
  readonly entityId: string
  readonly acsUrl: string
}

export async function setupSsoOrg(
  ctx: TestContext,
  idp: TestIdp,
  options: { slug: string; ssoName?: string; policy?: Record<string, unknown>; enable?: boolean },
): Promise<SsoOrg> {
  const ssoName = options.ssoName ?? `${options.slug}-sso`
  const ok = (r: { status: number; json: unknown }, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`)
  }
  ok(await operator(ctx, 'POST', '/organizations', { name: options.slug.toUpperCase(), slug: options.slug }), 'create org')
  ok(await operator(ctx, 'PUT', `/organizations/${options.slug}/sso`, { ssoName }), 'sso name')
  ok(
    await operator(ctx, 'PUT', `/organizations/${options.slug}/sso/idp`, {
      ssoUrl: `https://${options.slug}.idp.test/sso`,
      entityId: idp.entityId,
      certificates: [idp.certificatePem],
      signatureAlgorithm: 'rsa-sha256',
    }),
    'idp',
  )
  if (options.policy !== undefined) ok(await operator(ctx, 'PATCH', `/organizations/${options.slug}/sso/policy`, options.policy), 'policy')
  if (options.enable !== false) ok(await operator(ctx, 'POST', `/organizations/${options.slug}/sso/enable`, { skipTest: true }), 'enable')
  return { slug: options.slug, ssoName, entityId: `${ctx.config.baseUrl}/saml/${ssoName}`, acsUrl: `${ctx.config.baseUrl}/saml/${ssoName}/acs` }
}

export async function addMember(ctx: TestContext, slug: string, email: string, extra: Record<string, unknown> = {}) {
  const r = await operator(ctx, 'POST', `/organizations/${slug}/members`, { email, firstName: 'Test', lastName: 'User', role: 'member', ...extra })
  if (r.status !== 201) throw new Error(`add member: ${r.status} ${JSON.stringify(r.json)}`)
  return r.json
}

/** GET /sso/:name; returns the AuthnRequest ID and RelayState the IdP would receive. */
export async function startSso(b: Browser, ssoName: string, query = ''): Promise<{ requestId: string; relayState: string; location: string }> {
  const res = await b.get(`/sso/${ssoName}${query}`)
  if (res.statusCode !== 302) throw new Error(`start SSO: ${res.statusCode} ${res.body.slice(0, 300)}`)
  const location = new URL(String(res.headers.location))
  const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8')
  return { requestId: /ID="([^"]+)"/.exec(xml)![1]!, relayState: location.searchParams.get('RelayState') ?? '', location: location.toString() }
}

/** A response from `idp` for `org`, signed on the assertion unless `signed` says otherwise. */
export function responseFor(
  ctx: TestContext,
  idp: TestIdp,
  org: SsoOrg,
  params: Partial<ResponseParams> = {},
  signed: 'assertion' | 'response' | 'both' = 'assertion',
): string {
  const xml = buildResponse({ issuer: idp.entityId, acsUrl: org.acsUrl, audience: org.entityId, now: ctx.clock.now(), ...params })
  const once = sign(xml, signed === 'response' ? 'response' : 'assertion', idp)
  return signed === 'both' ? sign(once, 'response', idp) : once
}

export function postAcs(b: Browser, org: SsoOrg, xml: string, relayState?: string): Promise<LightMyRequestResponse> {
  return b.post(`/saml/${org.ssoName}/acs`, { SAMLResponse: toBase64(xml), ...(relayState === undefined ? {} : { RelayState: relayState }) })
}

/**
 * Where a response sends the browser on to the IdP: the Location of a redirect, or, after one of
 * our forms, the meta refresh of the "continue to your identity provider" page (Chromium holds
 * redirects after a form to the page's CSP form-action; a meta refresh is a new navigation).
 */
export function idpNavigation(res: LightMyRequestResponse): string {
  if (res.statusCode === 302 || res.statusCode === 303) return String(res.headers.location)
  const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(res.body)?.[1]
  if (res.statusCode !== 200 || refresh === undefined) throw new Error(`no way on to the IdP: ${res.statusCode} ${res.body.slice(0, 200)}`)
  return refresh
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
}
