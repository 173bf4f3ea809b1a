/** Shape rules shared by the API and the pages (DESIGN §1). */
import { AccountError } from './account-error.js'
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
    throw new AccountError('workspace_slug_invalid', 'The workspace slug must be 1–63 characters of a-z, 0-9 and "-", not starting or ending with "-".', undefined, 'slug')
  }
  return slug
}

export function checkEmail(email: string): string {
  const trimmed = email.trim()
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw new AccountError('email_invalid', 'Enter a valid email address, like name@example.com.', undefined, 'email')
  }
  return trimmed
}

export function checkName(value: string, field: string, label: string, { required = true } = {}): string {
  const trimmed = value.trim()
  if ((required && trimmed === '') || trimmed.length > 200 || /[\x00-\x1f\x7f]/.test(trimmed)) {
    throw new AccountError('name_invalid', `${label} must be 1–200 characters with no control characters.`, undefined, field)
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
