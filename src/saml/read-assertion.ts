/** Reads the identity out of a verified Assertion: NameID, attributes, session facts. */
import type { Element } from '@xmldom/xmldom'
import type { SamlFailure } from './failure.js'
import { attribute, childElements, firstChild, isStructuredValue, NS, plainText, readValue } from './xml.js'

export interface VerifiedAssertion {
  readonly responseId: string | undefined
  readonly assertionId: string
  readonly issuer: string
  /** Trimmed; never influenced by comments (refused) or surrounding whitespace. */
  readonly nameId: string
  readonly nameIdFormat: string | undefined
  /** The NameID's qualifiers (SAML core §2.2.2), kept for the LogoutRequest that names this subject again. */
  readonly nameQualifier?: string | undefined
  readonly spNameQualifier?: string | undefined
  readonly sessionIndex: string | undefined
  /** From the Response, else from the bearer SubjectConfirmationData; undefined when unsolicited. */
  readonly inResponseTo: string | undefined
  /** Until when this assertion could be replayed (latest NotOnOrAfter + skew, UTC ISO): the replay cache keeps its ID until then. */
  readonly validUntil: string
  readonly authnInstant: string | undefined
  /**
   * Attribute Name → values, each name's values in document order (several statements merged). A prototype-less
   * record: a Name such as `__proto__` or `toString` is an own key like any other, and a Name never
   * sent is undefined (read with `Object.hasOwn` or core/keyed-record's `ownValue` all the same).
   */
  readonly attributes: Readonly<Record<string, readonly string[]>>
  readonly signed: { readonly response: boolean; readonly assertion: boolean }
  readonly encrypted: boolean
  readonly signatureAlgorithm: string
  readonly warnings: readonly string[]
}

export interface ReadContext {
  readonly now: Date
  readonly responseSigned: boolean
  readonly assertionSigned: boolean
  readonly encrypted: boolean
  readonly usesSha1: boolean
  readonly signatureAlgorithm: string
  /** The skew the time checks allowed: the assertion stays acceptable that long past its bounds. */
  readonly skewMs: number
}

export function readAssertion(response: Element, assertion: Element, ctx: ReadContext): VerifiedAssertion | SamlFailure {
  const subject = firstChild(assertion, NS.assertion, 'Subject')
  const nameIdEl = subject && firstChild(subject, NS.assertion, 'NameID')
  if (nameIdEl === undefined) return { code: 'nameid_missing' }
  const rawNameId = readValue(nameIdEl)
  if (!('text' in rawNameId)) return { code: 'value_has_markup', element: 'NameID', node: rawNameId.markup }
  const nameId = rawNameId.text.trim()
  if (nameId === '') return { code: 'nameid_missing' }

  const assertionId = attribute(assertion, 'ID') ?? ''
  if (assertionId === '') return { code: 'xml_malformed', detail: 'the Assertion has no ID' }

  // Names are the IdP's data: on a plain {} `attributes['toString'] ??= []` finds a function (a 500).
  const attributes = Object.create(null) as Record<string, string[]>
  for (const statement of childElements(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attr of childElements(statement, NS.assertion, 'Attribute')) {
      const name = attribute(attr, 'Name')
      if (name === undefined) continue
      const values = (attributes[name] ??= [])
      for (const valueEl of childElements(attr, NS.assertion, 'AttributeValue')) {
        // A structured value (e.g. eduPersonTargetedID's NameID) is not a string: skip it. Any other
        // markup (a comment, a processing instruction, text mixed with elements) is refused.
        const value = readValue(valueEl)
        if ('text' in value) values.push(value.text.trim())
        else if (!isStructuredValue(valueEl)) return { code: 'value_has_markup', element: `AttributeValue of ${name}`, node: value.markup }
      }
    }
  }

  // The first bearer confirmation with data, and the latest NotOnOrAfter of any confirmation or of
  // the Conditions. The checks accept the assertion until that instant plus the skew, so the replay
  // cache must keep its ID at least that long: ending at the bare NotOnOrAfter left a window of up
  // to the skew in which a swept ID could be replayed. (Plain loops: this function runs once per
  // sign-in, and chains of array callbacks made V8 re-optimize it again and again, ~50 ms of
  // compiling on the request's core each time.)
  let bearer: Element | undefined
  let latest: number | undefined
  const later = (value: string | undefined) => {
    const ms = value === undefined ? Number.NaN : Date.parse(value)
    if (!Number.isNaN(ms) && (latest === undefined || ms > latest)) latest = ms
  }
  if (subject !== undefined) {
    for (const confirmation of childElements(subject, NS.assertion, 'SubjectConfirmation')) {
      const data = firstChild(confirmation, NS.assertion, 'SubjectConfirmationData')
      if (data === undefined) continue
      if (bearer === undefined && attribute(confirmation, 'Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer') bearer = data
      later(attribute(data, 'NotOnOrAfter'))
    }
  }
  const conditions = firstChild(assertion, NS.assertion, 'Conditions')
  if (conditions !== undefined) later(attribute(conditions, 'NotOnOrAfter'))
  const authn = firstChild(assertion, NS.assertion, 'AuthnStatement')

  const warnings: string[] = []
  if (ctx.usesSha1) warnings.push('The IdP signs with SHA-1, which is weak: switch its signing algorithm to RSA-SHA256.')
  const issueInstant = attribute(assertion, 'IssueInstant')
  if (issueInstant !== undefined && Math.abs(Date.parse(issueInstant) - ctx.now.getTime()) > 60_000) {
    warnings.push(`The IdP's clock differs from ours by ${Math.round(Math.abs(Date.parse(issueInstant) - ctx.now.getTime()) / 1000)} s: check NTP on the IdP.`)
  }

  return {
    responseId: attribute(response, 'ID'),
    assertionId,
    issuer: (plainText(firstChild(assertion, NS.assertion, 'Issuer')!) ?? '').trim(),
    nameId,
    nameIdFormat: attribute(nameIdEl, 'Format'),
    nameQualifier: attribute(nameIdEl, 'NameQualifier'),
    spNameQualifier: attribute(nameIdEl, 'SPNameQualifier'),
    sessionIndex: authn && attribute(authn, 'SessionIndex'),
    // Only from what a signature covers: the Response's when it is signed, else the bearer
    // confirmation's inside the signed Assertion. An unsigned envelope's InResponseTo could dress an
    // IdP-initiated assertion up as solicited (and get past allowIdpInitiated: false).
    inResponseTo: (ctx.responseSigned ? attribute(response, 'InResponseTo') : undefined) ?? (bearer && attribute(bearer, 'InResponseTo')),
    validUntil: new Date((latest ?? ctx.now.getTime() + 10 * 60_000) + ctx.skewMs).toISOString(),
    authnInstant: authn && attribute(authn, 'AuthnInstant'),
    attributes,
    signed: { response: ctx.responseSigned, assertion: ctx.assertionSigned },
    encrypted: ctx.encrypted,
    signatureAlgorithm: ctx.signatureAlgorithm,
    warnings,
  }
}
