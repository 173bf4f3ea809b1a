/** Shape rules shared by the API and the pages (DESIGN §1). */
import { AccountError } from './account-error.js'
import { findBidiControl, findInvisibleCharacter } from './invisible-characters.js'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-hasher.js'
import { normalizeEmail } from './types.js'

/** 3–63 of a-z, 0-9 and '-', not starting or ending with '-' (the SSO-name rule, used for slugs too). */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/
const WORKSPACE_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
// Deliberately plain: one @, no spaces or controls, a dot in the domain. Deliverability is the mail's job.
const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"\x00-\x1f\x7f]+@[^\s@<>()[\]\\,;:"\x00-\x1f\x7f]+\.[^\s@<>()[\]\\,;:"\x00-\x1f\x7f]+$/

export function checkOrgSlug(slug: string): string {
  if (!SLUG_PATTERN.test(slug)) {
    throw new AccountError('org_slug_invalid', 'The slug must be 3–63 characters of a-z, 0-9 and "-", not starting or ending with "-".', undefined, 'slug')
  }
  return slug
}

export function checkWorkspaceSlug(slug: string): string {
  if (!WORKSPACE_SLUG_PATTERN.test(slug)) {
    throw new AccountError(
      'workspace_slug_invalid',
      'The workspace slug must be 1–63 characters of a-z, 0-9 and "-", not starting or ending with "-".',
      undefined,
      'slug',
    )
  }
  return slug
}

/** Spaces and line ends around a pasted address are dropped; anything else invisible is refused. */
const EDGE_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g

/**
 * An email address as an identity: refused with email_invisible_character when it holds a character
 * nobody can see (core/invisible-characters.ts), so that no look-alike of an address exists. Every
 * entry point runs it: set-up, members (API and pages), invitations, sign-in, forgot password, the
 * API allow-list, the development IdP and the email an IdP asserts.
 */
export function checkEmailCharacters(email: string): string {
  const trimmed = email.replace(EDGE_SPACE, '')
  const invisible = findInvisibleCharacter(trimmed)
  if (invisible !== undefined) {
    throw new AccountError(
      'email_invisible_character',
      `The email address contains an invisible or text-direction character (${invisible}): type the address again instead of pasting it.`,
      invisible,
      'email',
    )
  }
  return trimmed
}

export function checkEmail(email: string): string {
  // ASCII controls inside (a header injection's "\nBcc:") are a malformed address, as they always were.
  if (/[\x00-\x1f\x7f]/.test(email.replace(EDGE_SPACE, ''))) {
    throw new AccountError('email_invalid', 'Enter a valid email address, like name@example.com.', undefined, 'email')
  }
  const trimmed = checkEmailCharacters(email)
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw new AccountError('email_invalid', 'Enter a valid email address, like name@example.com.', undefined, 'email')
  }
  return trimmed
}

export function checkName(value: string, field: string, label: string, { required = true } = {}): string {
  const trimmed = value.trim()
  if ((required && trimmed === '') || trimmed.length > 200 || /[\p{Cc}\u2028\u2029]/u.test(trimmed)) {
    throw new AccountError('name_invalid', `${label} must be 1–200 characters with no control characters.`, undefined, field)
  }
  // A right-to-left override makes "Alice" of "\u202Eecila"; names are shown to others, so refused.
  const bidi = findBidiControl(trimmed)
  if (bidi !== undefined) {
    throw new AccountError(
      'name_bidi_control',
      `${label} contains a text-direction control character (${bidi}), which is not allowed: type it again without it.`,
      bidi,
      field,
    )
  }
  return trimmed
}

export function checkPassword(password: string, email?: string): string {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new AccountError('password_too_weak', `The password must be at least ${PASSWORD_MIN_LENGTH} characters.`, undefined, 'password')
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new AccountError('password_too_weak', `The password must be at most ${PASSWORD_MAX_LENGTH} characters.`, undefined, 'password')
  }
  if (email !== undefined && password.toLowerCase().includes(normalizeEmail(email).split('@')[0]!) && normalizeEmail(email).split('@')[0]!.length >= 4) {
    throw new AccountError('password_too_weak', 'The password must not contain your email address.', undefined, 'password')
  }
  return password
}
