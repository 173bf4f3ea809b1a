/**
 * Single logout in tests (DESIGN §10): an SSO org whose test IdP has an SLO endpoint, a member signed
 * in by SSO with a known NameID and SessionIndex, and the IdP's side of the messages — its signed
 * LogoutRequest by HTTP-Redirect or HTTP-POST, its LogoutResponse to ours, and reading ours.
 * Real crypto: the IdP signs with its own key; nothing is stubbed.
 */
import { inflateRawSync } from 'node:zlib'
import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { newRequestId } from '../../src/saml/authn-request.js'
import { buildIdpMetadata } from '../../src/saml/idp-metadata-out.js'
import { buildLogoutRequest, buildLogoutResponse, STATUS_SUCCESS, type SamlNameId } from '../../src/saml/logout-message.js'
import { redirectMessageUrl } from '../../src/saml/redirect-binding.js'
import { signSamlElement } from '../../src/saml/sign-xml.js'
import type { Browser } from './browser.js'
import { addMember, idpNavigation, postAcs, responseFor, setupSsoOrg, startSso, type SsoOrg } from './sso.js'
import { operator, type TestContext } from './test-app.js'
import type { TestIdp } from './test-idp.js'

export const IDP_SLO_URL = 'https://idp.slo.test/slo'
export const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'

export interface SloOrg extends SsoOrg {
  readonly sloUrl: string
}

/** An enabled SSO org trusting `idp`, whose SLO endpoint takes these bindings (from its metadata). */
export async function setupSloOrg(
  ctx: TestContext,
  idp: TestIdp,
  options: { slug: string; bindings?: readonly ('redirect' | 'post')[]; responseUrl?: string },
): Promise<SloOrg> {
  const org = await setupSsoOrg(ctx, idp, { slug: options.slug })
  const metadataXml = buildIdpMetadata({
    entityId: idp.entityId,
    ssoUrl: `https://${options.slug}.idp.test/sso`,
    certificatePem: idp.certificatePem,
    singleLogout: {
      url: IDP_SLO_URL,
      bindings: options.bindings ?? ['redirect', 'post'],
      ...(options.responseUrl === undefined ? {} : { responseUrl: options.responseUrl }),
    },
  })
  const configured = await operator(ctx, 'PUT', `/organizations/${options.slug}/sso/idp`, { metadataXml })
  if (configured.status !== 200) throw new Error(`idp: ${configured.status} ${JSON.stringify(configured.json)}`)
  return { ...org, sloUrl: `${ctx.config.baseUrl}/saml/${org.ssoName}/slo` }
}

/** `email` (added to the org if new) signs in by SP-initiated SSO; the browser then holds the session. */
export async function signInBySso(
  ctx: TestContext,
  b: Browser,
  idp: TestIdp,
  org: SsoOrg,
  options: { email: string; sessionIndex?: string; addMember?: boolean },
): Promise<void> {
  if (options.addMember !== false) await addMember(ctx, org.slug, options.email).catch(() => undefined)
  const { requestId } = await startSso(b, org.ssoName)
  const res = await postAcs(
    b,
    org,
    responseFor(ctx, idp, org, { nameId: options.email, inResponseTo: requestId, sessionIndex: options.sessionIndex ?? `_s-${options.email}` }),
  )
  if (res.statusCode !== 303) throw new Error(`SSO sign-in: ${res.statusCode} ${res.body.slice(0, 300)}`)
}

/** Whether the browser's session is alive (GET /api/v1/me answers 200). */
export async function isSignedIn(b: Browser): Promise<boolean> {
  const res = await b.get('/api/v1/me')
  return res.statusCode === 200
}

export interface IdpLogoutRequestParams {
  readonly nameId: string | SamlNameId
  readonly sessionIndex?: string
  readonly id?: string
  readonly destination?: string
  readonly issuer?: string
  readonly issueInstant?: Date
  readonly notOnOrAfter?: Date
}

/** The IdP's unsigned LogoutRequest to `org`. */
export function idpLogoutRequest(ctx: TestContext, idp: TestIdp, org: SloOrg, p: IdpLogoutRequestParams): string {
  return buildLogoutRequest({
    id: p.id ?? newRequestId(),
    issueInstant: p.issueInstant ?? ctx.clock.now(),
    destination: p.destination ?? org.sloUrl,
    issuer: p.issuer ?? idp.entityId,
    nameId: typeof p.nameId === 'string' ? { value: p.nameId, format: EMAIL_FORMAT } : p.nameId,
    ...(p.sessionIndex === undefined ? {} : { sessionIndex: p.sessionIndex }),
    ...(p.notOnOrAfter === undefined ? {} : { notOnOrAfter: p.notOnOrAfter }),
  })
}

/** The IdP's LogoutResponse to our request `inResponseTo`. */
export function idpLogoutResponse(ctx: TestContext, idp: TestIdp, org: SloOrg, inResponseTo: string | undefined, status = STATUS_SUCCESS): string {
  return buildLogoutResponse({ id: newRequestId(), issueInstant: ctx.clock.now(), destination: org.sloUrl, issuer: idp.entityId, inResponseTo, status })
}

/** The path of our SLO endpoint carrying `xml` by HTTP-Redirect, query-signed by `signer` (unsigned when null). */
export function redirectTo(org: SloOrg, parameter: 'SAMLRequest' | 'SAMLResponse', xml: string, signer: TestIdp | null, relayState?: string): string {
  const url = redirectMessageUrl(org.sloUrl, parameter, xml, relayState, signer === null ? undefined : { privateKey: signer.privateKeyPem })
  return url.slice(url.indexOf('/saml/'))
}

/** `xml` with an enveloped XML signature by `signer` (the HTTP-POST binding's). */
export function xmlSigned(xml: string, signer: TestIdp): string {
  return signSamlElement(xml, xml.includes('LogoutRequest') ? 'logout-request' : 'logout-response', {
    privateKeyPem: signer.privateKeyPem,
    certificatePem: signer.certificatePem,
  })
}

export function postTo(b: Browser, org: SloOrg, parameter: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState?: string): Promise<LightMyRequestResponse> {
  return b.post(`/saml/${org.ssoName}/slo`, {
    [parameter]: Buffer.from(xml, 'utf8').toString('base64'),
    ...(relayState === undefined ? {} : { RelayState: relayState }),
  })
}

/** The SAML message (and RelayState) our answer carries to the IdP, by either binding. */
export function sentToIdp(res: LightMyRequestResponse): { binding: 'redirect' | 'post'; url: URL; xml: string; relayState: string | null; raw: string } {
  const form = /<form method="post" action="([^"]+)"/.exec(res.body)
  if (res.statusCode === 200 && form !== null) {
    const fields = new Map<string, string>()
    for (const m of res.body.matchAll(/name="([^"]+)" value="([^"]*)"/g)) fields.set(m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'))
    const message = fields.get('SAMLRequest') ?? fields.get('SAMLResponse')!
    return {
      binding: 'post',
      url: new URL(form[1]!.replace(/&amp;/g, '&')),
      xml: Buffer.from(message, 'base64').toString('utf8'),
      relayState: fields.get('RelayState') ?? null,
      raw: '',
    }
  }
  const location = idpNavigation(res)
  const url = new URL(location)
  const message = url.searchParams.get('SAMLRequest') ?? url.searchParams.get('SAMLResponse')
  expect(message, `no SAML message in ${location}`).not.toBeNull()
  return {
    binding: 'redirect',
    url,
    xml: inflateRawSync(Buffer.from(message!, 'base64')).toString('utf8'),
    relayState: url.searchParams.get('RelayState'),
    raw: location,
  }
}

/** The status our LogoutResponse carries. */
export function statusOf(xml: string): string {
  return /<samlp:StatusCode Value="([^"]+)"/.exec(xml)![1]!
}
