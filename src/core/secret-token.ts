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

let lastMs = 0
let sequence = 0

/**
 * A UUIDv7 (RFC 9562): time-ordered, with a per-process counter in `rand_a` so ids made in one
 * millisecond still sort in the order they were made. For rows listed newest first (the audit log),
 * where equal timestamps must not come back in random order.
 */
export function newSortableId(): string {
  let ms = Date.now()
  if (ms <= lastMs) {
    ms = lastMs
    sequence += 1
    if (sequence > 0xfff) {
      lastMs += 1
      ms = lastMs
      sequence = 0
    }
  } else {
    lastMs = ms
    sequence = 0
  }
  const bytes = randomBytes(16)
  bytes.writeUIntBE(ms, 0, 6)
  bytes[6] = 0x70 | (sequence >> 8)
  bytes[7] = sequence & 0xff
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
