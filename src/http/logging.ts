/**
 * pino JSON logs. Requests are logged as method, path (no query: one-time links carry tokens there;
 * a set-up link's secret path segment is redacted), status and time. Headers and bodies are never logged; redaction is a second net for anything that
 * slips into a log object under a telling name.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import pino, { type DestinationStream, type Logger } from 'pino'

export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'cookie',
  '*.cookie',
  'authorization',
  '*.authorization',
  'req.headers',
  'res.headers',
  'headers',
  'sessionId',
  '*.sessionId',
  'SAMLResponse',
  '*.SAMLResponse',
]

/** The path as logged: without the query, and without the secret of a set-up link (`/setup/{secret}`). */
export function loggedPath(url: string): string {
  return url.split('?')[0]!.replace(/^\/setup\/[^/]+/, '/setup/[redacted]')
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, path: loggedPath(req.url ?? ''), id: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  }
  return destination === undefined ? pino(options) : pino(options, destination)
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's requests are logged once, at completion, with the outcome set by `logOutcome`. */
    oneLogLine?: boolean
  }
}

const OUTCOME = Symbol('gatehouse.logOutcome')
interface Outcome {
  readonly fields: Record<string, unknown>
  readonly message: string
}

/** What a `oneLogLine` route's one line says besides method, path, id, status and time. */
export function logOutcome(request: FastifyRequest, fields: Record<string, unknown>, message: string): void {
  ;(request as unknown as Record<symbol, Outcome>)[OUTCOME] = { fields, message }
}

/**
 * Fastify logs every request twice ("incoming request", "request completed"). A route configured
 * with `oneLogLine` (the ACS, where the handler used to add a third line with the outcome) is logged
 * once, when the response is done: the request line's method, path and id, the status and response
 * time, and the handler's outcome (`logOutcome`). A request that errors while responding is logged as
 * Fastify logs it; an error the handler throws is logged by the error handler as well.
 */
export class OneLineLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (request.routeOptions.config.oneLogLine === true) return
    super.incomingRequest(request, reply)
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || request.routeOptions.config.oneLogLine !== true) {
      super.requestCompleted(error, request, reply)
      return
    }
    const outcome = (request as unknown as Record<symbol, Outcome | undefined>)[OUTCOME]
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime, ...outcome?.fields }, outcome?.message ?? 'request completed')
  }
}
