/**
 * AuthnRequests out (DESIGN §3): a fresh request whose ID we keep for 10 minutes (InResponseTo must
 * name it once), with an opaque RelayState token pointing at the same row. Test SSO requests carry
 * the testing owner and a RelayState with its own prefix, so the ACS can tell them apart unread.
 */
import { buildAuthnRequest, newRequestId, postBindingFields, redirectBindingUrl } from '../saml/authn-request.js'
import { addMs, minutes } from './clock.js'
import type { CoreDeps } from './deps.js'
import type { Stores } from './ports.js'
import { hashSecretToken, newSecretToken } from './secret-token.js'
import { activeSpKeys } from './sp-keys.js'
import { spEndpoints, type SsoConnection } from './sso-connection.js'
import { SsoError } from './sso-error.js'

export const REQUEST_LIFETIME = minutes(10)

/** RelayState tokens of test SSO requests start with this. */
export const TEST_RELAY_PREFIX = 'gt_'

/** Where the browser goes next: a redirect (HTTP-Redirect binding) or a form to post (HTTP-POST binding). */
export type SamlStart =
  { readonly binding: 'redirect'; readonly url: string } | { readonly binding: 'post'; readonly url: string; readonly fields: Readonly<Record<string, string>> }

/**
 * HTTP-Redirect when the IdP offers it (signed over the query string), else HTTP-POST (as some
 * Google apps publish only).
 */
export async function issueAuthnRequest(
  deps: CoreDeps,
  connection: SsoConnection,
  options: { returnTo?: string | undefined; testByUserId?: string | undefined },
  /** Written in the same transaction as the request (a test SSO's own row). */
  alongside?: (stores: Stores, requestId: string) => Promise<void>,
): Promise<{ start: SamlStart; requestId: string }> {
  const idp = connection.idp
  const ssoUrl = idp?.ssoUrlRedirect ?? idp?.ssoUrlPost
  if (idp === undefined || ssoUrl === undefined)
    throw new SsoError('idp_not_configured', 'This organization has not finished setting up its identity provider.')
  const sp = spEndpoints(deps.settings.baseUrl, connection.ssoName)
  const now = deps.clock.now()
  const id = newRequestId()
  const relayState = newSecretToken(options.testByUserId === undefined ? '' : TEST_RELAY_PREFIX)
  const request = {
    id,
    relayTokenHash: hashSecretToken(relayState),
    connectionId: connection.id,
    returnTo: options.returnTo,
    testByUserId: options.testByUserId,
    createdAt: now.toISOString(),
    expiresAt: addMs(now, REQUEST_LIFETIME).toISOString(),
  }
  if (alongside === undefined) {
    await deps.store.saml.insertRequest(request)
  } else {
    await deps.store.transaction(async (tx) => {
      await tx.saml.insertRequest(request)
      await alongside(tx, id)
    })
  }
  const [signer] = await activeSpKeys(deps)
  const xml = buildAuthnRequest({ id, issueInstant: now, destination: ssoUrl, acsUrl: sp.acsUrl, spEntityId: sp.entityId })
  if (idp.ssoUrlRedirect !== undefined) {
    return {
      requestId: id,
      start: { binding: 'redirect', url: redirectBindingUrl(ssoUrl, xml, relayState, signer === undefined ? undefined : { privateKey: signer.privateKey }) },
    }
  }
  return { requestId: id, start: { binding: 'post', url: ssoUrl, fields: postBindingFields(xml, relayState) } }
}
