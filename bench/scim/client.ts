/**
 * The SCIM bench's HTTP client: node:http over keep-alive connections on loopback, `inFlight`
 * requests at a time (each connection sends its next request when its answer is read), every
 * request's latency from the write of its request to the end of its answer.
 */
import { Agent, request as httpRequest } from 'node:http'

export interface Call {
  readonly method: 'GET' | 'POST' | 'PATCH'
  readonly path: string
  readonly body?: unknown
}

export interface Answer {
  readonly status: number
  readonly body: string
}

export interface Measured {
  /** Milliseconds, in the order the requests were sent. */
  readonly latencies: number[]
  readonly seconds: number
  /** Answers by status, and the first unexpected answer for the report. */
  readonly statuses: Record<string, number>
  readonly failures: number
  readonly firstFailure: string | undefined
}

export function scimClient(baseUrl: string, bearer: string, maxSockets = 16) {
  const url = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets })

  function send(call: Call, headers: Record<string, string> = {}): Promise<Answer> {
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body))
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: call.method,
          path: `${url.pathname}${call.path}`,
          headers: {
            authorization: `Bearer ${bearer}`,
            accept: 'application/scim+json',
            ...(payload === undefined ? {} : { 'content-type': 'application/scim+json', 'content-length': String(payload.length) }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  }

  /**
   * Sends `calls` with `inFlight` outstanding at a time; `check` says whether an answer is the
   * expected one (anything else counts as a failure, and the first is kept for the report).
   */
  async function run(calls: readonly Call[], inFlight: number, check: (answer: Answer, index: number) => boolean): Promise<Measured> {
    const latencies = new Array<number>(calls.length)
    const statuses: Record<string, number> = {}
    let failures = 0
    let firstFailure: string | undefined
    let next = 0
    const started = performance.now()
    const worker = async () => {
      while (next < calls.length) {
        const index = next++
        const sent = performance.now()
        const answer = await send(calls[index]!)
        latencies[index] = performance.now() - sent
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
        if (!check(answer, index)) {
          failures++
          firstFailure ??= `${calls[index]!.method} ${calls[index]!.path}: ${answer.status} ${answer.body.slice(0, 300)}`
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(inFlight, calls.length) }, worker))
    return { latencies, seconds: (performance.now() - started) / 1000, statuses, failures, firstFailure }
  }

  return { send, run, close: () => agent.destroy() }
}

/** The q-quantile (0–1) of the values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
