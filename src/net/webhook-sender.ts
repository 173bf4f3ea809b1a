/**
 * Posts webhook deliveries (DESIGN §9) under the outbound rules of outbound-url.ts: in production
 * https only and public unicast addresses only, checked in the connection's own lookup, so DNS
 * rebinding cannot swap in an internal address; outside production plain http and loopback are
 * allowed so local receivers work. One keep-alive agent per scheme keeps connections to receivers
 * open between deliveries. The time limit (10 s) covers the whole exchange: connecting, sending,
 * and the receiver's answer to its last byte. Redirects are not followed: a 3xx is a failure.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { WebhookPost, WebhookPostResult, WebhookSender } from '../core/webhook-ports.js'
import { checkOutboundUrl, guardedLookup, OutboundUrlRefusal, type Resolve } from './outbound-url.js'

export const WEBHOOK_TIMEOUT_MS = 10_000
/** Bytes of an answer read before the connection is dropped (the body is not used). */
const MAX_ANSWER_BYTES = 64 * 1024
/** An idle kept-alive connection is closed after this. */
const IDLE_SOCKET_MS = 30_000

export interface WebhookSenderOptions {
  readonly production: boolean
  /** The time limit of one delivery; tests shorten it (the default is DESIGN §9's 10 s). */
  readonly timeoutMs?: number
  readonly resolve?: Resolve
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender & { close(): void } {
  const policy = { production: options.production }
  const lookup = guardedLookup(policy, options.resolve)
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS
  const agents = {
    http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
    https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
  }
  const checkUrl = (raw: string): string | null => {
    try {
      checkOutboundUrl(raw, policy)
      return null
    } catch (error) {
      if (error instanceof OutboundUrlRefusal) return error.message
      throw error
    }
  }
  const post = async (delivery: WebhookPost): Promise<WebhookPostResult> => {
    let url: URL
    try {
      url = checkOutboundUrl(delivery.url, policy)
    } catch (error) {
      return { ok: false, status: null, error: refusalText(error) }
    }
    const started = performance.now()
    const first = await send(url, delivery, lookup, agents, timeoutMs)
    // A kept-alive connection the receiver closed just as we reused it: one more try on a new one,
    // within what is left of the same time limit.
    const left = timeoutMs - (performance.now() - started)
    if (!first.ok && first.retryOnNewConnection && left > 0) return send(url, delivery, lookup, agents, timeoutMs, left)
    return first
  }
  return {
    checkUrl,
    post,
    close: () => {
      agents.http.destroy()
      agents.https.destroy()
    },
  }
}

type Attempt = WebhookPostResult & { readonly retryOnNewConnection?: boolean }

function send(
  url: URL,
  delivery: WebhookPost,
  lookup: ReturnType<typeof guardedLookup>,
  agents: { http: HttpAgent; https: HttpsAgent },
  timeoutMs: number,
  /** What is left of the time limit (less than it on a second try). */
  ms = timeoutMs,
): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false
    const done = (result: Attempt) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      resolve(result)
    }
    const https = url.protocol === 'https:'
    const headers = { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) }
    const options = { method: 'POST', headers, lookup, agent: https ? agents.https : agents.http }
    const request = (https ? httpsRequest : httpRequest)(url, options, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0
      let received = 0
      response.on('data', (chunk: Buffer) => {
        received += chunk.byteLength
        if (received > MAX_ANSWER_BYTES) response.destroy()
      })
      const finish = () => done(outcome(status, response))
      response.on('end', finish)
      response.on('close', finish)
      response.on('error', finish)
    })
    // Set before any callback can run (they all come from later turns of the event loop).
    const deadline = setTimeout(() => {
      done({ ok: false, status: null, error: `timed out after ${timeoutMs / 1000} s` })
      request.destroy()
    }, ms)
    request.on('error', (error: NodeJS.ErrnoException) => {
      const retry = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')
      done({ ok: false, status: null, error: refusalText(error), retryOnNewConnection: retry })
    })
    request.end(delivery.body)
  })
}

function outcome(status: number, response: IncomingMessage): WebhookPostResult {
  if (status >= 200 && status < 300) return { ok: true, status }
  if (status >= 300 && status < 400) {
    const where = typeof response.headers.location === 'string' ? ' (redirects are not followed; register the final URL)' : ''
    return { ok: false, status, error: `HTTP ${status}${where}` }
  }
  return { ok: false, status, error: `HTTP ${status}` }
}

/** What went wrong, for the delivery log: the rule broken or the socket error's code, never a body. */
function refusalText(error: unknown): string {
  if (error instanceof OutboundUrlRefusal) return `${error.reason}: the URL ${error.message}${error.detail === undefined ? '' : ` (${error.detail})`}`
  const e = error as NodeJS.ErrnoException
  return e.code === undefined ? e.message : `${e.code}: ${e.message}`
}
