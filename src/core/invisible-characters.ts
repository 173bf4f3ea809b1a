/**
 * Characters a person cannot see, or that reorder what they see, in identities and names
 * (issue 14 item 12). `alice@exam\u200Bple.com` looks like `alice@example.com` and is another
 * account; `\u202Emoc.elpmaxe@ecila` shows as `alice@example.com` reversed into place.
 *
 * Invisible, refused in email addresses and domains, by Unicode property (so the set follows the
 * Unicode version of the runtime's ICU, not a hand list):
 * - `Cc` controls and `Cs` lone surrogates;
 * - `Cf` format characters: bidi marks, embeddings, overrides and isolates, zero-width space,
 *   joiner and non-joiner, word joiner, soft hyphen, BOM, tags, Mongolian vowel separator, …;
 * - `Zl`, `Zp` line and paragraph separators;
 * - `Default_Ignorable_Code_Point`: what renders as nothing when not supported, among them the
 *   Hangul fillers U+115F, U+1160, U+3164, U+FFA0, variation selectors, combining grapheme
 *   joiner U+034F, U+17B4/U+17B5;
 * - U+2800 BRAILLE PATTERN BLANK, which renders as a blank though it is a symbol (`So`).
 * Letters, marks and digits of every script stay allowed (`bücher@exämple.com`, `用户@例子.中国`).
 * ZWJ and ZWNJ, which some scripts use inside words, are refused in emails too: an address is an
 * identity, and no mail system needs them to tell two mailboxes apart.
 *
 * Bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) are refused in names people
 * type (members, organizations, workspaces, OIDC clients), and removed (with control characters)
 * from names an IdP sends: refusing those would lock the person out for their IdP's data.
 */

const INVISIBLE = /[\p{Cc}\p{Cs}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u
const BIDI_OR_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\p{Cc}]/gu

/** `U+200B`, for messages: naming the character tells the person what to delete. */
export function codePointLabel(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

/** The first invisible character in `value` (as `U+XXXX`), or undefined. */
export function findInvisibleCharacter(value: string): string | undefined {
  const found = INVISIBLE.exec(value)
  return found === null ? undefined : codePointLabel(found[0])
}

/** The first bidi control in `value` (as `U+XXXX`), or undefined. */
export function findBidiControl(value: string): string | undefined {
  const found = BIDI_CONTROL.exec(value)
  return found === null ? undefined : codePointLabel(found[0])
}

/** A name from outside (an IdP's attribute) made safe to show: bidi controls and control characters removed. */
export function neutralizeName(value: string): string {
  return value.replace(BIDI_OR_CONTROL, '')
}
