/** Who an assertion names: the first present mapped attribute, and the email (NameID first). */
import type { VerifiedAssertion } from '../saml/read-assertion.js'
import { findInvisibleCharacter } from './invisible-characters.js'
import { ownValue } from './keyed-record.js'
import { checkEmail } from './validation.js'

export function firstAttribute(assertion: Pick<VerifiedAssertion, 'attributes'>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = ownValue(assertion.attributes, name)?.find((v) => v !== '')
    if (value !== undefined) return value
  }
  return undefined
}

/** An email the IdP sent that holds an invisible or text-direction character: refused, never matched or provisioned. */
export type InvisibleEmail = {
  readonly code: 'email_invisible_character'
  readonly source: 'NameID' | 'attribute'
  readonly character: string
  readonly value: string
}

/**
 * The NameID when it is an email, else the first mapped email attribute that is one. A candidate
 * with an `@` and an invisible character (`alice@exam\u200Bple.com`) ends the search as a refusal:
 * passing over it to the next source would let a look-alike NameID sign in as the attribute's owner.
 */
export function emailOf(assertion: Pick<VerifiedAssertion, 'attributes' | 'nameId'>, names: readonly string[]): string | InvisibleEmail | undefined {
  const sources = [
    ['NameID', assertion.nameId],
    ['attribute', firstAttribute(assertion, names)],
  ] as const
  for (const [source, candidate] of sources) {
    if (candidate === undefined) continue
    const character = candidate.includes('@') ? findInvisibleCharacter(candidate.trim()) : undefined
    if (character !== undefined) return { code: 'email_invisible_character', source, character, value: candidate.slice(0, 320) }
    try {
      return checkEmail(candidate)
    } catch {
      // not an email: try the next source
    }
  }
  return undefined
}
