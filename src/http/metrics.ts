/**
 * GET /metrics (DESIGN §6): Prometheus text from prom-client, over a registry of this app instance
 * (never prom-client's global one). Off (404) unless GATEHOUSE_METRICS_TOKEN is set, then bearer
 * only, compared in constant time. Label values are bounded: route patterns (never the raw URL),
 * status codes, sign-in methods and failure codes that look like codes (anything else is `other`).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Metrics } from '../core/metrics.js'
import type { JobStore } from '../core/ports.js'

export interface PromMetrics extends Metrics {
  readonly registry: Registry
  /** One answered HTTP request: its route pattern (`/o/:slug`), or `unmatched`. */
  request(method: string, route: string, status: number): void
}

const CODE = /^[a-z][a-z0-9_]{0,63}$/
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** `jobs`: the queue whose depth is read at each scrape. `process`: Node's default metrics (event-loop delay, heap). */
export function createPromMetrics(options: { jobs?: Pick<JobStore, 'countByState'>; process?: boolean } = {}): PromMetrics {
  const registry = new Registry()
  if (options.process === true) collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' })
  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const signIns = new Counter({
    name: 'gatehouse_sign_ins_total',
    help: 'Sign-ins by method and outcome; failure_code names the refusal.',
    labelNames: ['method', 'outcome', 'failure_code'],
    registers: [registry],
  })
  const samlValidation = new Histogram({
    name: 'gatehouse_saml_validation_seconds',
    help: 'Time to validate one SAML response.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  })
  const jobRuns = new Histogram({
    name: 'gatehouse_periodic_job_seconds',
    help: 'Run time of the periodic jobs (expiry sweep, metadata refresh, job queue).',
    labelNames: ['job'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  })
  const backlog = new Gauge({
    name: 'gatehouse_periodic_job_backlog',
    help: 'What the last run of each periodic job found to do (expired sessions, connections, jobs).',
    labelNames: ['job'],
    registers: [registry],
  })
  const jobs = options.jobs
  if (jobs !== undefined) {
    new Gauge({
      name: 'gatehouse_job_queue_depth',
      help: 'Jobs in the durable queue (mail), by state.',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = await jobs.countByState()
        this.set({ state: 'queued' }, counts.queued)
        this.set({ state: 'failed' }, counts.failed)
      },
    })
  }
  return {
    registry,
    request: (method, route, status) => requests.inc({ method: METHODS.has(method) ? method : 'other', route, status: String(status) }),
    signIn: (method, outcome, failureCode) =>
      signIns.inc({ method, outcome, failure_code: outcome === 'success' ? '' : failureCode !== undefined && CODE.test(failureCode) ? failureCode : 'other' }),
    samlValidation: (seconds) => samlValidation.observe(seconds),
    periodicJob: (job, seconds, found) => {
      jobRuns.observe({ job }, seconds)
      backlog.set({ job }, found)
    },
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Counts every answered request; serves /metrics when a token is configured (else nothing: 404). */
export function installMetrics(app: FastifyInstance, metrics: PromMetrics, token: string | undefined): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode)
  })
  if (token === undefined) return
  const expected = digest(token)
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    const header = request.headers.authorization ?? ''
    const given = /^Bearer (.+)$/.exec(header)?.[1] ?? ''
    // Hashes of equal length: the comparison takes the same time whatever the token given.
    if (!timingSafeEqual(digest(given), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .header('cache-control', 'no-store')
        .send({ error: { code: 'unauthenticated', message: 'GET /metrics needs Authorization: Bearer GATEHOUSE_METRICS_TOKEN.' } })
    }
    return reply
      .header('cache-control', 'no-store')
      .type(metrics.registry.contentType)
      .send(await metrics.registry.metrics())
  })
}
