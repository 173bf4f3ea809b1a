/**
 * Single logout at the development IdP (DESIGN §10), so the whole SLO flow can be tried without a
 * real IdP. The dev IdP keeps no sessions of its own, so:
 * - SP-initiated: a LogoutRequest from one of this deployment's connections that trust it, checked
 *   like any IdP would (our SP's query-string signature, Destination = its SLO endpoint, issuer a
 *   connection's SP entity ID), is answered with a signed Success LogoutResponse to that connection's
 *   own SLO endpoint (derived from its SSO name, never from the message).
 * - "Sign out everywhere": a signed LogoutRequest for an email, sent to the connection's SLO
 *   endpoint (IdP-initiated); Gatehouse's LogoutResponse comes back here and is checked the same way.
 */
import { inflateRawSync } from 'node:zlib'
import { newRequestId } from '../saml/authn-request.js'
import { buildLogoutRequest, buildLogoutResponse, STATUS_SUCCESS } from '../saml/logout-message.js'
import { redirectMessageUrl, type RedirectQuery } from '../saml/redirect-binding.js'
import { cachedCertificate } from '../saml/certificate.js'
import { NAMEID_EMAIL } from '../saml/sp-metadata.js'
import { validateLogoutMessage } from '../saml/validate-logout.js'
import { addMs, minutes } from './clock.js'
import type { CoreDeps } from './deps.js'
import { devIdpEndpoints, devIdpKeyPair, devIdpTarget } from './dev-idp.js'
import { DevIdpError } from './dev-idp-error.js'
import { activeSpKeys } from './sp-keys.js'
import { checkEmail } from './validation.js'

export function devIdpSloUrl(baseUrl: string): string {
  return `${baseUrl}/dev/idp/slo`
}

export type DevIdpLogoutResult =
  /** Answer the SP's LogoutRequest: send the browser to this URL. */
  | { readonly kind: 'answer'; readonly url: string; readonly ssoName: string }
  /** Gatehouse answered our "sign out everywhere": whether it said Success. */
  | { readonly kind: 'answered'; readonly ssoName: string; readonly success: boolean; readonly status: string }

/** A message from Gatehouse at the dev IdP's SLO endpoint (HTTP-Redirect). */
export async function receiveAtDevIdp(deps: CoreDeps, query: RedirectQuery): Promise<DevIdpLogoutResult> {
  // Unverified, only to pick which connection's values to check against; checked again once signed.
  const xml = inflate(query.message.value)
  const issuer = /<(?:\w+:)?Issuer[^>]*>([^<]{1,1024})<\/(?:\w+:)?Issuer>/.exec(xml)?.[1]?.trim() ?? ''
  const prefix = `${deps.settings.baseUrl}/saml/`
  const ssoName = issuer.startsWith(prefix) ? issuer.slice(prefix.length) : ''
  const target = await devIdpTarget(deps, ssoName)
  const result = validateLogoutMessage(
    { binding: 'redirect', query },
    {
      sloUrl: devIdpSloUrl(deps.settings.baseUrl),
      idp: { entityId: target.sp.entityId, certificates: (await activeSpKeys(deps)).map((k) => cachedCertificate(k.certificatePem)), allowSha1: false },
      now: deps.clock.now(),
    },
  )
  if (!result.ok) throw new DevIdpError('dev_idp_request_invalid', `The single logout message was refused: ${result.failure.code}.`, result.failure.code)
  const message = result.message
  if (message.kind === 'response') return { kind: 'answered', ssoName: target.connection.ssoName, success: message.success, status: message.status }
  const signer = await devIdpKeyPair(deps)
  const answer = buildLogoutResponse({
    id: newRequestId(),
    issueInstant: deps.clock.now(),
    destination: target.sp.sloUrl,
    issuer: devIdpEndpoints(deps.settings.baseUrl).entityId,
    inResponseTo: message.id,
    status: STATUS_SUCCESS,
  })
  const relayState = query.relayState?.value
  return {
    kind: 'answer',
    ssoName: target.connection.ssoName,
    url: redirectMessageUrl(target.sp.sloUrl, 'SAMLResponse', answer, relayState, { privateKey: signer.privateKeyPem }),
  }
}

/** "Sign out everywhere": the signed IdP-initiated LogoutRequest for `email`, as a URL of the connection's SLO endpoint. */
export async function devIdpSignOutEverywhere(deps: CoreDeps, ssoName: string, email: string): Promise<string> {
  const target = await devIdpTarget(deps, ssoName)
  let nameId: string
  try {
    nameId = checkEmail(email)
  } catch {
    throw new DevIdpError('dev_idp_input_invalid', 'Enter the email address to sign out, like name@example.com.', undefined, 'email')
  }
  const now = deps.clock.now()
  const xml = buildLogoutRequest({
    id: newRequestId(),
    issueInstant: now,
    destination: target.sp.sloUrl,
    issuer: devIdpEndpoints(deps.settings.baseUrl).entityId,
    nameId: { value: nameId, format: NAMEID_EMAIL },
    notOnOrAfter: addMs(now, minutes(5)),
  })
  const signer = await devIdpKeyPair(deps)
  return redirectMessageUrl(target.sp.sloUrl, 'SAMLRequest', xml, undefined, { privateKey: signer.privateKeyPem })
}

function inflate(base64: string): string {
  try {
    return inflateRawSync(Buffer.from(base64, 'base64'), { maxOutputLength: 64 * 1024 }).toString('utf8')
  } catch {
    return ''
  }
}
