/**
 * The one input layer in front of every route: text that no handler and no database should see is
 * refused here with 400 `validation_failed` (the usual page or API error), never passed on to become
 * a 500. Refused: a URL with raw bytes outside printable ASCII or %-escapes that are not UTF-8, a
 * NUL anywhere (PostgreSQL refuses it in text), a lone UTF-16 surrogate (from a JSON `\ud800`), and a
 * JSON or form body whose bytes are not UTF-8, and a body field longer than MAX_FIELD_CHARS. The SAML ACS reads its raw body itself and keeps its
 * own checks (saml-routes.tsx); the OpenID Connect provider parses its own bodies (mount.ts).
 */
import { isUtf8 } from 'node:buffer'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpError } from './http-error.js'
import { parseUrlencoded } from './form.js'

/** NUL, or a UTF-16 surrogate not in a pair (the `u` flag matches only unpaired ones). */
const FORBIDDEN = /[\u0000\ud800-\udfff]/u

export const NOT_TEXT = 'The request contains a NUL character or text that is not valid UTF-8.'

/** Why the URL is unreadable, or undefined. Looks at the raw URL, before any lenient decoding. */
export function urlProblem(url: string): string | undefined {
  // A browser sends everything else %-encoded; node passes other bytes through as latin1.
  if (!/^[\x21-\x7e]*$/.test(url)) return 'The address contains characters that must be %-encoded.'
  if (!url.includes('%')) return undefined
  try {
    const decoded = decodeURIComponent(url.replaceAll('+', ' '))
    if (FORBIDDEN.test(decoded)) return NOT_TEXT
  } catch {
    return 'The address contains a %-escape that is not valid UTF-8.'
  }
  return undefined
}

/** True if any string (key or value) in a parsed body is NUL-bearing or has a lone surrogate. */
export function hasForbiddenText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return FORBIDDEN.test(value)
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || depth > 64) return false
  if (Array.isArray(value)) return value.some((item) => hasForbiddenText(item, depth + 1))
  return Object.entries(value).some(([key, item]) => FORBIDDEN.test(key) || hasForbiddenText(item, depth + 1))
}

/**
 * The longest text a body field may hold. Every field with a real bound (emails, names, slugs, URLs)
 * has its own rule further down; this cap stops what has none — 16 KiB is ~400 emails in an
 * allow-list textarea. IdP metadata and certificates are documents, with limits of their own
 * (the metadata byte limit is enforced again by its parser).
 */
export const MAX_FIELD_CHARS = 16 * 1024
const LARGE_FIELDS: ReadonlyMap<string, number> = new Map([
  ['metadataXml', 600 * 1024],
  ['certificates', 64 * 1024],
])

/** The first body field (by name) longer than it may be, or undefined. */
export function overLongField(value: unknown, name = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.length > (LARGE_FIELDS.get(name) ?? MAX_FIELD_CHARS) ? name : undefined
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || depth > 64) return undefined
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = overLongField(item, name, depth + 1)
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.length > MAX_FIELD_CHARS) return key.slice(0, 40)
    const found = overLongField(item, key, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/** The root hooks: the URL on every request (404s and the OIDC provider's included), parsed bodies before validation. */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const problem = urlProblem(request.raw.url ?? '')
    if (problem !== undefined) throw new HttpError('validation_failed', problem)
  })
  app.addHook('preValidation', async (request) => {
    if (hasForbiddenText(request.params) || hasForbiddenText(request.body)) throw new HttpError('validation_failed', NOT_TEXT)
    const long = overLongField(request.body)
    if (long !== undefined) {
      throw new HttpError(
        'validation_failed',
        `The field "${long === '' ? 'body' : long}" is too long: at most ${LARGE_FIELDS.get(long) ?? MAX_FIELD_CHARS} characters.`,
      )
    }
  })
  installJsonParser(app)
}

/** Fastify's JSON parser (prototype-poisoning checks included), after a check that the bytes are UTF-8. */
function installJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (!isUtf8(body as Buffer)) {
      done(new HttpError('validation_failed', NOT_TEXT), undefined)
      return
    }
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- Fastify's default JSON parser is the callback form (it calls done); its type also allows the async form
    parseJson(request, (body as Buffer).toString('utf8'), done)
  })
}

/**
 * application/x-www-form-urlencoded for the page forms: UTF-8 bytes and %-escapes that decode as
 * UTF-8, as every browser sends (not querystring's lenient decoding of anything). Each route's body
 * limit applies.
 */
export function installFormParser(app: FastifyInstance, options: { bodyLimit?: number } = {}): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', ...options }, (_request: FastifyRequest, body, done) => {
    const fields = isUtf8(body as Buffer) ? parseUrlencoded((body as Buffer).toString('utf8'), { strict: true }) : undefined
    if (fields === undefined) done(new HttpError('validation_failed', 'The form is not valid UTF-8 or has a malformed %-escape.'), undefined)
    else done(null, fields)
  })
}
