/**
 * SAML single logout, both ways (DESIGN §10). Protocol checks are saml/validate-logout.ts; here what
 * needs storage and the connection: our outstanding LogoutRequests (InResponseTo, once), the IdP's
 * LogoutRequest IDs (replay), which sessions end, the audit log, and the signed answer.
 *
 * - SP-initiated: the sign-out has already ended the local session (sessions.ts endSession); if the
 *   IdP has an SLO endpoint, a signed LogoutRequest names the subject of that session's sign-in.
 *   Its LogoutResponse only says whether the IdP session ended too: nothing here depends on it.
 * - IdP-initiated: a LogoutRequest signed by a connection certificate ends that org's SSO sessions of
 *   that NameID (and SessionIndex), in one transaction with its replay record and audit entry, and
 *   is answered with a signed LogoutResponse. A refused one changes nothing. We answer with a signed
 *   error status only once the message's signature held: nothing is signed on a stranger's behalf.
 */
import type { SamlNameId } from '../saml/logout-message.js'
import {
  buildLogoutRequest,
  buildLogoutResponse,
  sendLogoutMessage,
  STATUS_REQUEST_DENIED,
  STATUS_REQUESTER,
  STATUS_SUCCESS,
  type OutgoingMessage,
} from '../saml/logout-message.js'
import { isUnauthenticatedLogout, type LogoutFailure } from '../saml/logout-failure.js'
import { newRequestId } from '../saml/authn-request.js'
import { cachedCertificate } from '../saml/certificate.js'
import { validateLogoutMessage, type LogoutInput, type LogoutValidation } from '../saml/validate-logout.js'
import { recordAudit } from './audit.js'
import { addMs, minutes } from './clock.js'
import type { CoreDeps } from './deps.js'
import { newSecretToken } from './secret-token.js'
import { endSamlSessions } from './sessions.js'
import { activeSpKeys } from './sp-keys.js'
import { spEndpoints, type SsoConnection } from './sso-connection.js'
import { SsoError } from './sso-error.js'
import type { Organization, Session } from './types.js'

/** How long our LogoutRequest waits for its answer (and says so in NotOnOrAfter). */
export const LOGOUT_REQUEST_LIFETIME = minutes(10)

const SYSTEM = { kind: 'system', name: 'saml' } as const

/**
 * After the sign-out ended `ended` locally: the signed LogoutRequest for the IdP, or undefined when
 * the session was not an SSO session or the IdP has no SLO endpoint.
 */
export async function startSingleLogout(deps: CoreDeps, ended: Session): Promise<OutgoingMessage | undefined> {
  const subject = ended.saml
  if (subject === undefined || ended.orgId === null) return undefined
  const connection = await deps.store.ssoConnections.findByOrg(ended.orgId)
  const slo = connection?.idp?.singleLogout
  if (connection === undefined || connection.id !== subject.connectionId || slo === undefined) return undefined
  const now = deps.clock.now()
  const id = newRequestId()
  await deps.store.samlLogout.insertRequest({
    id,
    connectionId: connection.id,
    createdAt: now.toISOString(),
    expiresAt: addMs(now, LOGOUT_REQUEST_LIFETIME).toISOString(),
  })
  const nameId: SamlNameId = {
    value: subject.nameId,
    format: subject.nameIdFormat,
    nameQualifier: subject.nameQualifier,
    spNameQualifier: subject.spNameQualifier,
  }
  const xml = buildLogoutRequest({
    id,
    issueInstant: now,
    destination: slo.url,
    issuer: spEndpoints(deps.settings.baseUrl, connection.ssoName).entityId,
    nameId,
    sessionIndex: subject.sessionIndex,
    notOnOrAfter: addMs(now, LOGOUT_REQUEST_LIFETIME),
  })
  return sendLogoutMessage(slo.binding, slo.url, 'SAMLRequest', xml, undefined, await signer(deps))
}

export type LogoutOutcome =
  /** A LogoutResponse to our request, verified: whether the IdP ended its session too. */
  | { readonly kind: 'signed-out'; readonly idpEnded: boolean; readonly status: string }
  /** The answer to the IdP's LogoutRequest: sessions ended (`ended`), or a signed refusal (`failure`). */
  | { readonly kind: 'answer'; readonly message: OutgoingMessage; readonly ended: number; readonly failure?: LogoutFailure; readonly reference?: string }
  /** The IdP's LogoutRequest, accepted, but the connection has nowhere to send the answer. */
  | { readonly kind: 'ended-unanswered'; readonly ended: number }
  /** Refused and answered with a page (never a signed message). */
  | { readonly kind: 'refused'; readonly failure: LogoutFailure; readonly reference: string }

/** A message at `/saml/{ssoName}/slo`: an IdP's LogoutRequest, or the LogoutResponse to ours. */
export async function receiveLogoutMessage(deps: CoreDeps, ssoName: string, input: LogoutInput, relayState: string | undefined): Promise<LogoutOutcome> {
  // Read afresh on every message, never cached: a replaced certificate counts at once, on every process.
  const found = await deps.store.ssoConnections.findWithOrgBySsoName(ssoName)
  if (found === undefined) throw new SsoError('sso_not_configured', `No organization signs in with the SSO name "${ssoName}".`)
  const { connection, org } = found
  const idp = connection.idp
  const reference = newSecretToken().slice(0, 12)
  if (idp === undefined) return { kind: 'refused', failure: { code: 'slo_not_configured' }, reference }
  const result = validateLogoutMessage(input, {
    sloUrl: spEndpoints(deps.settings.baseUrl, connection.ssoName).sloUrl,
    idp: { entityId: idp.entityId, certificates: idp.certificates.map((pem) => cachedCertificate(pem)), allowSha1: idp.signatureAlgorithm === 'rsa-sha1' },
    now: deps.clock.now(),
  })
  const isRequest = (input.binding === 'redirect' ? input.query.parameter : input.parameter) === 'SAMLRequest'
  return isRequest ? answerLogoutRequest(deps, connection, org, result, relayState, reference) : checkLogoutResponse(deps, connection, org, result, reference)
}

async function checkLogoutResponse(
  deps: CoreDeps,
  connection: SsoConnection,
  org: Organization,
  result: LogoutValidation,
  reference: string,
): Promise<LogoutOutcome> {
  const refuse = async (failure: LogoutFailure, signed: boolean): Promise<LogoutOutcome> => {
    // Only the IdP's own signed messages reach the audit log: a stranger's garbage cannot fill it.
    if (signed) await audit(deps, org, 'sso.logout_refused', undefined, { reference, ssoName: connection.ssoName, message: 'LogoutResponse', ...failure })
    return { kind: 'refused', failure, reference }
  }
  if (!result.ok) return refuse(result.failure, result.signedId !== undefined)
  const response = result.message
  if (response.kind !== 'response') return refuse({ code: 'message_type_invalid', expected: 'LogoutResponse', received: 'LogoutRequest' }, false)
  if (response.inResponseTo === undefined) return refuse({ code: 'in_response_to_missing' }, true)
  // Ours, for this connection, outstanding, once: a LogoutResponse to a request never sent is refused.
  if (!(await deps.store.samlLogout.consumeRequest(response.inResponseTo, connection.id, deps.clock.now().toISOString()))) {
    return refuse({ code: 'request_unknown', inResponseTo: response.inResponseTo }, true)
  }
  return {
    kind: 'signed-out',
    idpEnded: response.success,
    status: response.subStatus === undefined ? response.status : `${response.status} / ${response.subStatus}`,
  }
}

async function answerLogoutRequest(
  deps: CoreDeps,
  connection: SsoConnection,
  org: Organization,
  result: LogoutValidation,
  relayState: string | undefined,
  reference: string,
): Promise<LogoutOutcome> {
  if (!result.ok && (result.signedId === undefined || isUnauthenticatedLogout(result.failure.code))) {
    return { kind: 'refused', failure: result.failure, reference }
  }
  const refuseSigned = async (failure: LogoutFailure, requestId: string): Promise<LogoutOutcome> => {
    await audit(deps, org, 'sso.logout_refused', undefined, { reference, ssoName: connection.ssoName, message: 'LogoutRequest', ...failure })
    const answer = await logoutAnswer(deps, connection, requestId, relayState, {
      status: STATUS_REQUESTER,
      subStatus: STATUS_REQUEST_DENIED,
      message: failure.code,
    })
    return answer === undefined ? { kind: 'refused', failure, reference } : { kind: 'answer', message: answer, ended: 0, failure, reference }
  }
  if (!result.ok) return refuseSigned(result.failure, result.signedId!)
  const request = result.message
  if (request.kind !== 'request')
    return { kind: 'refused', failure: { code: 'message_type_invalid', expected: 'LogoutRequest', received: 'LogoutResponse' }, reference }

  // Replay record, the sessions ended and the audit entry commit together, or none of them.
  const ended = await deps.store.transaction(async (tx) => {
    if (!(await tx.samlLogout.rememberRequestId(connection.id, request.id, request.validUntil))) return undefined
    const sessions = await endSamlSessions(
      deps,
      { connectionId: connection.id, orgId: org.id, nameId: request.nameId.value, sessionIndexes: request.sessionIndexes },
      tx,
    )
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor: SYSTEM,
        action: 'sso.logout_by_idp',
        target: request.nameId.value.slice(0, 320),
        detail: { ssoName: connection.ssoName, requestId: request.id, sessionIndexes: request.sessionIndexes.slice(0, 20), sessionsEnded: sessions.length },
      },
      deps.clock.now(),
    )
    return sessions.length
  })
  if (ended === undefined) return refuseSigned({ code: 'logout_request_replayed', requestId: request.id }, request.id)
  const answer = await logoutAnswer(deps, connection, request.id, relayState, { status: STATUS_SUCCESS })
  return answer === undefined ? { kind: 'ended-unanswered', ended } : { kind: 'answer', message: answer, ended }
}

/** Our signed LogoutResponse, by the IdP's SLO binding, to its ResponseLocation when it has one. */
async function logoutAnswer(
  deps: CoreDeps,
  connection: SsoConnection,
  inResponseTo: string,
  relayState: string | undefined,
  status: { status: string; subStatus?: string; message?: string },
): Promise<OutgoingMessage | undefined> {
  const slo = connection.idp?.singleLogout
  if (slo === undefined) return undefined
  const destination = slo.responseUrl ?? slo.url
  const xml = buildLogoutResponse({
    id: newRequestId(),
    issueInstant: deps.clock.now(),
    destination,
    issuer: spEndpoints(deps.settings.baseUrl, connection.ssoName).entityId,
    inResponseTo,
    ...status,
  })
  // bindings §3.4.3 / §3.5.3: the RelayState received goes back unchanged (at most 80 bytes of text).
  const echo = relayState !== undefined && Buffer.byteLength(relayState) <= 80 && !/[\x00-\x1f\x7f]/.test(relayState) ? relayState : undefined
  return sendLogoutMessage(slo.binding, destination, 'SAMLResponse', xml, echo, await signer(deps))
}

async function signer(deps: CoreDeps): Promise<{ privateKeyPem: string; certificatePem: string }> {
  const [newest] = await activeSpKeys(deps)
  if (newest === undefined) throw new Error('no active SP key pair to sign with')
  return { privateKeyPem: newest.privateKeyPem, certificatePem: newest.certificatePem }
}

async function audit(deps: CoreDeps, org: Organization, action: string, target: string | undefined, detail: Record<string, unknown>): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await recordAudit(tx, { orgId: org.id, actor: SYSTEM, action, ...(target === undefined ? {} : { target }), detail }, deps.clock.now())
  })
}
