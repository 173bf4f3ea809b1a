/** Who an assertion names: the first present mapped attribute, and the email (NameID first). */
import type { VerifiedAssertion } from '../saml/read-assertion.js'
import { ownValue } from './keyed-record.js'
import { checkEmail } from './validation.js'

export function firstAttribute(assertion: Pick<VerifiedAssertion, 'attributes'>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = ownValue(assertion.attributes, name)?.find((v) => v !== '')
    if (value !== undefined) return value
  }
  return undefined
}

/** The NameID when it is an email, else the first mapped email attribute that is one. */
export function emailOf(assertion: Pick<VerifiedAssertion, 'attributes' | 'nameId'>, names: readonly string[]): string | undefined {
  for (const candidate of [assertion.nameId, firstAttribute(assertion, names)]) {
    if (candidate === undefined) continue
    try {
      return checkEmail(candidate)
    } catch {
      // not an email: try the next source
    }
  }
  return undefined
}
