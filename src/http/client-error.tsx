/**
 * Requests node's HTTP parser refuses before Fastify sees them (headers over node's 16 KiB limit, a
 * URL too long for it, a malformed request line, a client too slow): answered like any other refusal,
 * the usual page (or the API error for /api/ URLs) with the security headers and a reference, never
 * Fastify's bare JSON, and never echoing what was sent. Then the connection is closed.
 */
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyInstance } from 'fastify'
import { renderPage } from '../ui/layout.js'
import { MessagePage } from '../ui/pages/auth-pages.js'
import { errorBody, statusOf } from './error-handler.js'
import { HttpError } from './http-error.js'
import { CONTENT_SECURITY_POLICY, fixedSecurityHeaders } from './security-headers.js'

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }

function errorFor(code: string): HttpError {
  if (code === 'HPE_HEADER_OVERFLOW') return new HttpError('headers_too_large', 'The request headers (or its address) are too large.')
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new HttpError('request_timeout', 'The request took too long to arrive.')
  return new HttpError('validation_failed', 'The request could not be read.')
}

export function clientErrorAnswer(https: boolean): (this: FastifyInstance, error: ConnectionError, socket: Socket) => void {
  const fixed = fixedSecurityHeaders(https)
  return function answerClientError(this: FastifyInstance, error, socket) {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const refusal = errorFor(error.code)
    const status = statusOf(refusal)
    const reference = randomUUID()
    this.log.info({ reqId: reference, code: refusal.code, detail: error.code }, 'request refused')
    // Only the method and the start of the path, to tell an API client from a browser.
    const start = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.subarray(0, 16).toString('latin1') : ''
    const api = /^[A-Z]+ \/api\//.test(start)
    const body = api
      ? JSON.stringify(errorBody(refusal))
      : renderPage(<MessagePage title="That did not work" message={refusal.message} reference={reference} />)
    const headers: Record<string, string> = {
      'content-type': api ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'content-security-policy': CONTENT_SECURITY_POLICY,
      ...fixed,
      'x-request-id': reference,
      'cache-control': 'no-store',
      connection: 'close',
    }
    // A request timed out after its answer started (a body still arriving): nothing more can be said.
    const answerStarted = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
    if (socket.writable && !answerStarted) {
      socket.write(
        `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\r\n')}\r\n\r\n${body}`,
      )
    }
    socket.destroy(error)
  }
}
