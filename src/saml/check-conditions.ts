/** Checks on the verified Assertion: bearer subject confirmation, validity window, audience. */
import type { Element } from '@xmldom/xmldom'
import type { SamlFailure } from './failure.js'
import { attribute, childElements, firstChild, NS, readValue } from './xml.js'

/** However the connection is set, clock skew never exceeds this. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer'

export interface TimeContext {
  readonly now: Date
  readonly skewMs: number
  readonly sp: { readonly acsUrl: string }
}

export function parseTime(value: string, element: string): number | SamlFailure {
  // xs:dateTime; SAML core §1.3.3 requires UTC ("Z"), but accept explicit offsets too.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return { code: 'time_invalid', element, value }
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) return { code: 'time_invalid', element, value }
  // Date.parse rolls 2026-02-30 over to March 2: refuse dates that do not exist.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number]
  const calendar = new Date(Date.UTC(year, month - 1, day))
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    return { code: 'time_invalid', element, value }
  return ms
}

/**
 * profiles §4.1.4.2–3: at least one bearer SubjectConfirmation whose data names our ACS as
 * Recipient and has a NotOnOrAfter still ahead of us; its InResponseTo, if any, must agree with
 * the Response's.
 */
export function checkBearer(assertion: Element, response: Element, ctx: TimeContext): SamlFailure | null {
  const subject = firstChild(assertion, NS.assertion, 'Subject')
  const bearers = subject === undefined ? [] : childElements(subject, NS.assertion, 'SubjectConfirmation').filter((c) => attribute(c, 'Method') === BEARER)
  if (bearers.length === 0) return { code: 'bearer_confirmation_missing' }
  let firstProblem: SamlFailure | null = null
  for (const bearer of bearers) {
    const problem = checkOneBearer(bearer, response, ctx)
    if (problem === null) return null
    firstProblem ??= problem
  }
  return firstProblem
}

function checkOneBearer(bearer: Element, response: Element, ctx: TimeContext): SamlFailure | null {
  const data = firstChild(bearer, NS.assertion, 'SubjectConfirmationData')
  if (data === undefined) return { code: 'bearer_confirmation_missing' }
  const recipient = attribute(data, 'Recipient')
  if (recipient !== ctx.sp.acsUrl) return { code: 'recipient_mismatch', expected: ctx.sp.acsUrl, received: recipient ?? '(none)' }
  const notOnOrAfter = attribute(data, 'NotOnOrAfter')
  if (notOnOrAfter === undefined) return { code: 'bearer_confirmation_missing' }
  const bound = parseTime(notOnOrAfter, 'SubjectConfirmationData NotOnOrAfter')
  if (typeof bound !== 'number') return bound
  // SAML core §2.4.1.2: NotOnOrAfter is exclusive.
  if (ctx.now.getTime() >= bound + ctx.skewMs) return { code: 'expired', bound: notOnOrAfter, now: ctx.now.toISOString() }
  const notBefore = attribute(data, 'NotBefore')
  if (notBefore !== undefined) {
    const start = parseTime(notBefore, 'SubjectConfirmationData NotBefore')
    if (typeof start !== 'number') return start
    if (ctx.now.getTime() < start - ctx.skewMs) return { code: 'not_yet_valid', bound: notBefore, now: ctx.now.toISOString() }
  }
  const confirmationInResponseTo = attribute(data, 'InResponseTo')
  const responseInResponseTo = attribute(response, 'InResponseTo')
  if (confirmationInResponseTo !== undefined && responseInResponseTo !== undefined && confirmationInResponseTo !== responseInResponseTo) {
    return { code: 'in_response_to_mismatch', detail: 'the Response and its SubjectConfirmationData answer different requests' }
  }
  return null
}

/** SAML core §2.5.1.2: NotBefore ≤ now < NotOnOrAfter, with bounded skew. */
export function checkConditionTimes(assertion: Element, ctx: TimeContext): SamlFailure | null {
  const conditions = childElements(assertion, NS.assertion, 'Conditions')
  if (conditions.length > 1) return { code: 'audience_missing' }
  const c = conditions[0]
  if (c === undefined) return null
  const now = ctx.now.getTime()
  const notBefore = attribute(c, 'NotBefore')
  if (notBefore !== undefined) {
    const bound = parseTime(notBefore, 'Conditions NotBefore')
    if (typeof bound !== 'number') return bound
    if (now < bound - ctx.skewMs) return { code: 'not_yet_valid', bound: notBefore, now: ctx.now.toISOString() }
  }
  const notOnOrAfter = attribute(c, 'NotOnOrAfter')
  if (notOnOrAfter !== undefined) {
    const bound = parseTime(notOnOrAfter, 'Conditions NotOnOrAfter')
    if (typeof bound !== 'number') return bound
    if (now >= bound + ctx.skewMs) return { code: 'expired', bound: notOnOrAfter, now: ctx.now.toISOString() }
  }
  return null
}

/** SAML core §2.5.1.4: an AudienceRestriction is required here, and every one must name us. */
export function checkAudience(assertion: Element, spEntityId: string): SamlFailure | null {
  const conditions = firstChild(assertion, NS.assertion, 'Conditions')
  const restrictions = conditions === undefined ? [] : childElements(conditions, NS.assertion, 'AudienceRestriction')
  if (restrictions.length === 0) return { code: 'audience_missing' }
  for (const restriction of restrictions) {
    const audiences: string[] = []
    for (const audience of childElements(restriction, NS.assertion, 'Audience')) {
      const value = readValue(audience)
      if (!('text' in value)) return { code: 'value_has_markup', element: 'Audience', node: value.markup }
      audiences.push(value.text.trim())
    }
    if (!audiences.includes(spEntityId)) return { code: 'audience_mismatch', expected: spEntityId, received: audiences }
  }
  return null
}
