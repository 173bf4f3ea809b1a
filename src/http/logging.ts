/**
 * pino JSON logs. Requests are logged as method, path (no query: one-time links carry tokens there),
 * status and time. Headers and bodies are never logged; redaction is a second net for anything that
 * slips into a log object under a telling name.
 */
import pino, { type DestinationStream, type Logger } from 'pino'

export const REDACTED_PATHS = [
  'password', '*.password', 'token', '*.token', 'cookie', '*.cookie', 'authorization', '*.authorization',
  'req.headers', 'res.headers', 'headers', 'sessionId', '*.sessionId', 'SAMLResponse', '*.SAMLResponse',
]

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, path: (req.url ?? '').split('?')[0], id: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  }
  return destination === undefined ? pino(options) : pino(options, destination)
}
