/**
 * A request body must keep arriving (GATEHOUSE_MIN_BODY_RATE): once the grace period (10 s) has
 * passed since a request's headers, the bytes received on its connection since then must average at
 * least the minimum rate (default 1 KiB/s), checked every second until the body is complete. A body
 * that falls behind is cut off: answered 408 `request_timeout` through the usual error handler (page
 * or API error) with `connection: close`, then the connection is closed; a request whose answer has
 * already started, or whose body another reader owns (the OpenID Connect provider's), just loses its
 * connection. Without this, one client uploading a byte every few seconds holds a connection, and a
 * stopping server, for as long as GATEHOUSE_REQUEST_TIMEOUT (mod_reqtimeout's `body=…,MinRate=…`
 * is the same idea).
 *
 * Bytes are counted on the socket (`bytesRead`), so this works whoever reads the body. This is
 * network time, like node's own header and request timeouts, not the application's clock.
 */
import { performance } from 'node:perf_hooks'
import type { FastifyInstance } from 'fastify'
import type { HttpTimeouts } from '../config.js'
import { HttpError } from './http-error.js'

export type MinBodyRate = HttpTimeouts['minBodyRate']

const CHECK_EVERY_MS = 1000

/** True when, `elapsedMs` after the headers, fewer than the rule's bytes have arrived. */
export function isBodyTooSlow(receivedBytes: number, elapsedMs: number, rule: MinBodyRate): boolean {
  if (elapsedMs < rule.graceMs) return false
  return receivedBytes < (rule.bytesPerSecond * elapsedMs) / 1000
}

/** A root hook: every request that declares a body and has not finished sending it is watched. */
export function installMinBodyRate(app: FastifyInstance, rule: MinBodyRate): void {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw
    const declaresBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0
    const socket = raw.socket
    // `inject()` requests (tests) have no network socket, and nothing to time.
    if (!declaresBody || raw.complete || typeof socket?.bytesRead !== 'number') {
      done()
      return
    }
    const started = performance.now()
    const startBytes = socket.bytesRead
    const check = () => {
      if (raw.complete || raw.readableEnded || socket.destroyed) return
      const elapsedMs = performance.now() - started
      const receivedBytes = socket.bytesRead - startBytes
      if (!isBodyTooSlow(receivedBytes, elapsedMs, rule)) {
        setTimeout(check, CHECK_EVERY_MS).unref()
        return
      }
      request.log.info(
        { code: 'request_timeout', receivedBytes, elapsedMs: Math.round(elapsedMs), minBytesPerSecond: rule.bytesPerSecond },
        'request body too slow: cut off',
      )
      if (reply.sent || reply.raw.headersSent) {
        socket.destroy()
        return
      }
      reply.raw.once('finish', () => socket.destroy())
      void reply
        .header('connection', 'close')
        .send(new HttpError('request_timeout', `The request body arrived too slowly (under ${rule.bytesPerSecond} bytes a second).`))
    }
    // Watched until the body is complete, even once answered: node reads (and discards) the rest of
    // a body the route never read before the connection can serve its next request.
    setTimeout(check, rule.graceMs).unref()
    done()
  })
}
