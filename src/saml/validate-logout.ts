/**
 * validateLogoutMessage: a LogoutRequest or LogoutResponse at our SLO endpoint in, the verified
 * message or the first failed check out (DESIGN §10). The ACS's hardening, in the ACS's order:
 * refuse unread what must never reach a parser (size, encoding, a DEFLATE bomb, DTD); one message,
 * the root, schema-strict, with at most one signature and only where SAML puts it (a direct child of
 * the root); verify every signature present — the query string's (HTTP-Redirect, over the values as
 * received) and the XML one — with the connection's certificates only; then read only the verified
 * root: Issuer, Destination, times, and the NameID and SessionIndex or the status.
 * InResponseTo and replay need storage: core runs them next with the same failure union.
 *
 * @example
 * const result = validateLogoutMessage({ binding: 'redirect', query }, { sloUrl, idp, now })
 * if (!result.ok) return refuse(result.failure)
 */
import { inflateRawSync } from 'node:zlib'
import type { Element } from '@xmldom/xmldom'
import type { Certificate } from './certificate.js'
import { MAX_CLOCK_SKEW_MS, parseTime } from './check-conditions.js'
import { checkSchema } from './check-schema.js'
import type { LogoutFailure } from './logout-failure.js'
import type { SamlNameId } from './logout-message.js'
import { verifyRedirectSignature, type RedirectParameter, type RedirectQuery } from './redirect-binding.js'
import { verifyEnvelopedSignature } from './verify-signature.js'
import { attribute, childElements, descendants, firstChild, NS, parseXml, readValue, XmlError } from './xml.js'

/** A logout message is a few kilobytes (a signed POST LogoutRequest ~5 KB): 64 KiB decoded is far above any. */
export const MAX_LOGOUT_BYTES = 64 * 1024
/** How long after its IssueInstant a message is accepted (plus skew): the replay cache keeps its ID that long. */
export const LOGOUT_MESSAGE_LIFETIME_MS = 10 * 60_000

export interface LogoutValidationSettings {
  /** Our SLO endpoint: the Destination every message must name. */
  readonly sloUrl: string
  readonly idp: {
    readonly entityId: string
    /** Only these verify signatures: never a certificate carried in the message. */
    readonly certificates: readonly Certificate[]
    readonly allowSha1: boolean
  }
  /** Bounded by MAX_CLOCK_SKEW_MS whatever is asked. Default 3 minutes. */
  readonly clockSkewMs?: number
  readonly now: Date
}

/** POST: `parameter` is the form field the message came in (SAMLRequest for a LogoutRequest, SAMLResponse for a LogoutResponse). */
export type LogoutInput =
  | { readonly binding: 'redirect'; readonly query: RedirectQuery }
  | { readonly binding: 'post'; readonly parameter: RedirectParameter; readonly message: string }

export interface VerifiedLogoutRequest {
  readonly kind: 'request'
  readonly id: string
  readonly issuer: string
  readonly nameId: SamlNameId
  /** Empty: every session of that NameID (SAML core §3.7.1). */
  readonly sessionIndexes: readonly string[]
  /** Until when the request could be accepted: the replay cache keeps its ID until then. */
  readonly validUntil: string
}

export interface VerifiedLogoutResponse {
  readonly kind: 'response'
  readonly id: string
  readonly issuer: string
  readonly inResponseTo: string | undefined
  readonly status: string
  readonly subStatus: string | undefined
  readonly statusMessage: string | undefined
  readonly success: boolean
}

export type LogoutValidation =
  | { readonly ok: true; readonly message: VerifiedLogoutRequest | VerifiedLogoutResponse }
  /** `signedId`: the message's ID once its signature held (core answers a signed request's refusal to the IdP). */
  | { readonly ok: false; readonly failure: LogoutFailure; readonly signedId?: string }

const ID = /^[A-Za-z_][\w.-]{0,255}$/
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

export function validateLogoutMessage(input: LogoutInput, settings: LogoutValidationSettings): LogoutValidation {
  const fail = (failure: LogoutFailure, signedId?: string): LogoutValidation => ({ ok: false, failure, ...(signedId === undefined ? {} : { signedId }) })
  const encoded = input.binding === 'redirect' ? input.query.message.value : input.message
  const expected = (input.binding === 'redirect' ? input.query.parameter : input.parameter) === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse'
  const decoded = decode(encoded, input.binding)
  if ('code' in decoded) return fail(decoded)

  let unverifiedRoot: Element
  try {
    unverifiedRoot = parseXml(decoded.text, MAX_LOGOUT_BYTES, 1_000).documentElement!
  } catch (error) {
    if (error instanceof XmlError && error.code === 'xml_dtd_forbidden') return fail({ code: 'xml_dtd_forbidden' })
    if (error instanceof XmlError && error.code === 'xml_too_large') return fail({ code: 'message_too_large', limit: MAX_LOGOUT_BYTES })
    return fail({ code: 'xml_malformed', detail: error instanceof Error ? error.message : 'unreadable XML' })
  }
  const name = unverifiedRoot.localName ?? ''
  const isLogout = unverifiedRoot.namespaceURI === NS.protocol && (name === 'LogoutRequest' || name === 'LogoutResponse')
  if (!isLogout || name !== expected) {
    return fail({ code: 'message_type_invalid', expected, received: `${unverifiedRoot.namespaceURI ?? ''} ${name}`.trim() })
  }
  const version = attribute(unverifiedRoot, 'Version') ?? ''
  if (version !== '2.0') return fail({ code: 'version_invalid', version: version.slice(0, 20) })
  const id = attribute(unverifiedRoot, 'ID') ?? ''
  if (!ID.test(id)) return fail({ code: 'id_invalid' })

  // XSW defence before any signature is checked: a signature only as a direct child of the root,
  // one at most, and the root holding only what the schema allows there.
  for (const signature of descendants(unverifiedRoot, NS.ds, 'Signature')) {
    if (signature.parentNode !== unverifiedRoot) {
      return fail({
        code: 'signature_misplaced',
        detail: `a Signature sits inside ${(signature.parentNode as Element | null)?.localName ?? 'nothing'}, not directly in the ${name}`,
      })
    }
  }
  const xmlSignatures = childElements(unverifiedRoot, NS.ds, 'Signature')
  if (xmlSignatures.length > 1) return fail({ code: 'signature_misplaced', detail: `more than one Signature on the ${name}` })
  const schema = checkSchema(unverifiedRoot)
  if (schema !== null) return fail(schema as LogoutFailure)

  // Every signature present must verify; at least one must be present. HTTP-POST carries only the
  // XML signature; HTTP-Redirect normally only the query string's (bindings §3.4.4.1).
  const keys = settings.idp.certificates.map((c) => c.publicKey)
  const querySigned = input.binding === 'redirect' && (input.query.signature !== undefined || input.query.sigAlg !== undefined)
  if (querySigned) {
    const result = verifyRedirectSignature(input.query, keys, { allowSha1: settings.idp.allowSha1 })
    if (!result.ok) {
      return fail(
        result.code === 'signature_algorithm_forbidden' ? { code: result.code, algorithm: result.detail } : { code: result.code, detail: result.detail },
      )
    }
  }
  if (xmlSignatures.length === 1) {
    const result = verifyEnvelopedSignature(unverifiedRoot, xmlSignatures[0]!, keys, { allowSha1: settings.idp.allowSha1 })
    if ('code' in result) {
      return fail(result.code === 'signature_algorithm_forbidden' ? result : { code: result.code, detail: result.detail })
    }
  }
  if (!querySigned && xmlSignatures.length === 0) return fail({ code: 'signature_missing' })

  // From here on only the verified root is read (it is what both signatures cover).
  const root = unverifiedRoot
  const now = settings.now
  const skew = Math.min(Math.max(settings.clockSkewMs ?? 3 * 60_000, 0), MAX_CLOCK_SKEW_MS)
  const issuerEl = firstChild(root, NS.assertion, 'Issuer')
  const issuerValue = issuerEl === undefined ? { text: '' } : readValue(issuerEl)
  if (!('text' in issuerValue)) return fail({ code: 'value_has_markup', element: 'Issuer', node: issuerValue.markup }, id)
  const issuer = issuerValue.text.trim()
  if (issuer !== settings.idp.entityId)
    return fail({ code: 'issuer_mismatch', expected: settings.idp.entityId, received: issuer === '' ? '(none)' : issuer }, id)
  // bindings §3.4.5.2 and §3.5.5.2: a signed message names its Destination, and it must be us.
  const destination = attribute(root, 'Destination')
  if (destination !== settings.sloUrl) return fail({ code: 'destination_mismatch', expected: settings.sloUrl, received: destination ?? '(none)' }, id)

  const issueInstantText = attribute(root, 'IssueInstant') ?? ''
  const issued = parseTime(issueInstantText, `${name} IssueInstant`)
  if (typeof issued !== 'number') return fail(issued as LogoutFailure, id)
  if (issued > now.getTime() + skew) return fail({ code: 'not_yet_valid', bound: issueInstantText, now: now.toISOString() }, id)
  const acceptedUntil = issued + LOGOUT_MESSAGE_LIFETIME_MS + skew
  if (now.getTime() >= acceptedUntil) {
    return fail({ code: 'expired', bound: new Date(issued + LOGOUT_MESSAGE_LIFETIME_MS).toISOString(), now: now.toISOString() }, id)
  }

  if (name === 'LogoutResponse') {
    const status = firstChild(root, NS.protocol, 'Status')!
    const code = firstChild(status, NS.protocol, 'StatusCode')!
    const nested = firstChild(code, NS.protocol, 'StatusCode')
    const messageEl = firstChild(status, NS.protocol, 'StatusMessage')
    const message = messageEl === undefined ? undefined : readValue(messageEl)
    const value = attribute(code, 'Value') ?? ''
    return {
      ok: true,
      message: {
        kind: 'response',
        id,
        issuer,
        inResponseTo: attribute(root, 'InResponseTo'),
        status: value,
        subStatus: nested && attribute(nested, 'Value'),
        statusMessage: message !== undefined && 'text' in message ? message.text.trim().slice(0, 500) : undefined,
        success: value === SUCCESS,
      },
    }
  }

  // SAML core §3.7.1: NotOnOrAfter (exclusive) bounds the request too.
  const notOnOrAfterText = attribute(root, 'NotOnOrAfter')
  if (notOnOrAfterText !== undefined) {
    const bound = parseTime(notOnOrAfterText, 'LogoutRequest NotOnOrAfter')
    if (typeof bound !== 'number') return fail(bound as LogoutFailure, id)
    if (now.getTime() >= bound + skew) return fail({ code: 'expired', bound: notOnOrAfterText, now: now.toISOString() }, id)
  }
  const identifier = childElements(root, NS.assertion, 'NameID')[0]
  if (identifier === undefined) {
    const other = childElements(root, NS.assertion, 'EncryptedID')[0] ?? childElements(root, NS.assertion, 'BaseID')[0]
    return fail({ code: 'nameid_unsupported', element: other?.localName ?? 'none' }, id)
  }
  const nameIdValue = readValue(identifier)
  if (!('text' in nameIdValue)) return fail({ code: 'value_has_markup', element: 'NameID', node: nameIdValue.markup }, id)
  const nameId = nameIdValue.text.trim()
  if (nameId === '') return fail({ code: 'nameid_missing' }, id)
  const sessionIndexes: string[] = []
  for (const el of childElements(root, NS.protocol, 'SessionIndex')) {
    const value = readValue(el)
    if (!('text' in value)) return fail({ code: 'value_has_markup', element: 'SessionIndex', node: value.markup }, id)
    if (value.text.trim() !== '') sessionIndexes.push(value.text.trim())
  }
  return {
    ok: true,
    message: {
      kind: 'request',
      id,
      issuer,
      nameId: {
        value: nameId,
        format: attribute(identifier, 'Format'),
        nameQualifier: attribute(identifier, 'NameQualifier'),
        spNameQualifier: attribute(identifier, 'SPNameQualifier'),
      },
      sessionIndexes,
      validUntil: new Date(acceptedUntil).toISOString(),
    },
  }
}

/** Base64 (strict alphabet), then for HTTP-Redirect raw DEFLATE inflated under the cap (a small bomb stays small). */
function decode(encoded: string, binding: 'redirect' | 'post'): { text: string } | LogoutFailure {
  if (encoded.length > Math.ceil((MAX_LOGOUT_BYTES * 4) / 3) + 1024) return { code: 'message_too_large', limit: MAX_LOGOUT_BYTES }
  const compact = encoded.replace(/[\r\n\t ]+/g, '')
  if (compact === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return { code: 'message_not_base64' }
  const raw = Buffer.from(compact, 'base64')
  if (binding === 'post') return { text: raw.toString('utf8') }
  try {
    return { text: inflateRawSync(raw, { maxOutputLength: MAX_LOGOUT_BYTES }).toString('utf8') }
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { code: 'message_too_large', limit: MAX_LOGOUT_BYTES }
    return { code: 'message_not_deflated' }
  }
}
