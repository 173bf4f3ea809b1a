/**
 * Opaque secrets handed to a browser or client (session ids, one-time links, API tokens):
 * 256 random bits, base64url; only their SHA-256 is stored, so a read of the database
 * cannot be replayed.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'

export function newSecretToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url')
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url')
}

export function newId(): string {
  return randomUUID()
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest()
  const hb = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}
