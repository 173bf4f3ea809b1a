/** Checks on the Response envelope: status, issuers, destination (SAML core §3.2.2, profiles §4.1.4). */
import type { Element } from '@xmldom/xmldom'
import type { SamlFailure } from './failure.js'
import { attribute, childElements, firstChild, NS, plainText, readValue } from './xml.js'

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

/** SAML core §3.2.2.2: the top-level StatusCode must be Success. */
export function checkStatus(response: Element): SamlFailure | null {
  const status = firstChild(response, NS.protocol, 'Status')
  const code = status && firstChild(status, NS.protocol, 'StatusCode')
  const value = code && attribute(code, 'Value')
  if (value === SUCCESS) return null
  const nested = code && firstChild(code, NS.protocol, 'StatusCode')
  const messageEl = status && firstChild(status, NS.protocol, 'StatusMessage')
  const message = messageEl && plainText(messageEl)
  const full = [value ?? '(no StatusCode)', nested && attribute(nested, 'Value')].filter(Boolean).join(' / ')
  return { code: 'status_not_success', status: full, ...(message ? { message: message.slice(0, 500) } : {}) }
}

/** profiles §4.1.4.2: the Assertion's Issuer (and the Response's, when present) is the IdP entity ID. */
export function checkIssuer(response: Element, assertion: Element, expected: string): SamlFailure | null {
  const assertionIssuer = issuerOf(assertion)
  if (typeof assertionIssuer === 'object') return assertionIssuer
  if (assertionIssuer !== expected) return { code: 'issuer_mismatch', expected, received: assertionIssuer ?? '(none)' }
  const responseIssuerEl = childElements(response, NS.assertion, 'Issuer')
  if (responseIssuerEl.length > 0) {
    const responseIssuer = issuerOf(response)
    if (typeof responseIssuer === 'object') return responseIssuer
    if (responseIssuer !== expected) return { code: 'issuer_mismatch', expected, received: responseIssuer ?? '(unreadable)' }
  }
  return null
}

/** The one Issuer's value, trimmed; undefined when there is not exactly one; a failure when it holds markup. */
function issuerOf(el: Element): string | SamlFailure | undefined {
  const issuers = childElements(el, NS.assertion, 'Issuer')
  if (issuers.length !== 1) return undefined
  const value = readValue(issuers[0]!)
  return 'text' in value ? value.text.trim() : { code: 'value_has_markup', element: 'Issuer', node: value.markup }
}

/**
 * bindings §3.5.5.2: a signed Response must carry Destination = our ACS; an unsigned one that
 * carries it must name us too.
 */
export function checkDestination(response: Element, acsUrl: string, responseSigned: boolean): SamlFailure | null {
  const destination = attribute(response, 'Destination')
  if (destination === undefined) return responseSigned ? { code: 'destination_mismatch', expected: acsUrl, received: '(none)' } : null
  return destination === acsUrl ? null : { code: 'destination_mismatch', expected: acsUrl, received: destination }
}
