/**
 * `gatehouse start`: migrate, make keys, listen, run the periodic jobs and the job worker; on SIGTERM
 * or SIGINT, drain within GATEHOUSE_SHUTDOWN_TIMEOUT, stop the workers, close the database, exit 0.
 */
import { dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Config } from './config.js'
import { sharedMetadataParser } from './core/metadata-parser.js'
import { ensureOidcKeys } from './core/oidc-keys.js'
import { issueSetupLink } from './core/setup.js'
import { ensureSpKeys } from './core/sp-keys.js'
import { buildApp } from './http/app.js'
import { stopServer, trackRequests } from './http/graceful-stop.js'
import { createLogger } from './http/logging.js'
import { startPeriodicTasks } from './jobs/periodic.js'
import { sweepExpired } from './jobs/sweep.js'
import { startJobWorker } from './jobs/worker.js'
import { startWebhookWorker } from './jobs/webhook-worker.js'
import { createRuntime } from './runtime.js'
import { findUnopenableSealedKey } from './core/secret-key-check.js'
import { assertWritableDirectory } from './store/data-dir.js'

export async function start(config: Config, out: (line: string) => void): Promise<number> {
  const started = performance.now()
  const logger = createLogger(config.logLevel)
  if (config.database.dialect === 'sqlite' && config.database.path !== ':memory:') assertWritableDirectory(dirname(config.database.path))
  const runtime = await createRuntime(config, { logger })
  const unopenable = await findUnopenableSealedKey(runtime.deps)
  if (unopenable !== undefined) {
    await runtime.close()
    out(secretKeyMismatch(config, unopenable))
    return 1
  }
  if (config.adminToken === undefined) {
    logger.warn('operator API disabled: GATEHOUSE_ADMIN_TOKEN is not set (every /api/v1 operator route answers 503 api_disabled)')
  }
  await ensureSpKeys(runtime.deps)
  await ensureOidcKeys(runtime.deps)
  const app = await buildApp(config, runtime.deps)
  const sweep = setInterval(() => {
    sweepExpired(runtime.deps).catch((error: unknown) => logger.error({ err: error }, 'expiry sweep failed'))
  }, 10 * 60_000)
  sweep.unref()
  // The hourly metadata refresh and the daily certificate check, once per deployment (jobs/periodic.ts).
  const periodic = startPeriodicTasks(runtime.deps)
  const jobs = startJobWorker(runtime.deps)
  const requests = trackRequests(app.server)
  // Deliveries give way to the requests in flight: the API answers within its usual time while a backlog goes out.
  const webhooks = startWebhookWorker(runtime.deps, { requests })
  await app.listen({ port: config.port, host: config.host })
  logger.info({ baseUrl: config.baseUrl, database: config.database.dialect, startupMs: Math.round(performance.now() - started) }, 'gatehouse started')
  // Listening for the stop signal before printing anything: a SIGTERM sent on seeing these lines stops cleanly.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  const link = await issueSetupLink(runtime.deps)
  if (link !== undefined) {
    out(`\n  Gatehouse has no organization yet. Create the first one and its owner here (one use, 24 hours):\n\n    ${link}\n`)
  }
  if (config.devOutbox.enabled && config.smtp === undefined) out(`  Mail goes to the development outbox: ${config.baseUrl}/dev/outbox\n`)
  if (config.devIdp.enabled) out(`  Development IdP (for trying SSO; never for production; GATEHOUSE_DEV_IDP=off turns it off): ${config.baseUrl}/dev/idp\n`)
  const signal = await stopSignal
  // A second signal while stopping: the operator wants out now.
  const now = (second: NodeJS.Signals) => {
    logger.warn({ signal: second }, 'stopping: second signal, exiting at once')
    process.exit(1)
  }
  process.once('SIGINT', now)
  process.once('SIGTERM', now)
  // Whatever hangs (a plugin's close hook, an SMTP connection of a job cut short), the process ends:
  // the timer is unref'd, so it fires only if something still holds the process open.
  setTimeout(() => {
    logger.error('stopping: still running past the drain time; exiting')
    process.exit(process.exitCode ?? 1)
  }, config.http.shutdownMs + EXIT_MARGIN_MS).unref()
  logger.info({ signal }, 'stopping')
  clearInterval(sweep)
  const drainEnds = performance.now() + config.http.shutdownMs
  const webhooksStopped = webhooks.stop()
  const jobsStopped = Promise.all([jobs.stop(), periodic.stop()])
  await stopServer(app, requests, { drainMs: config.http.shutdownMs, logger })
  // The job in hand gets what is left of the drain; one cut short keeps its lease and runs again later.
  if (await within(jobsStopped, drainEnds - performance.now())) logger.info('stopping: job worker stopped')
  else logger.warn('stopping: drain time over with a job still running; it runs again after its lease ends')
  // A webhook delivery in hand saves its progress; one cut short is sent again after its lease ends (20 s).
  if (await within(webhooksStopped, drainEnds - performance.now())) logger.info('stopping: webhook worker stopped')
  else logger.warn('stopping: drain time over with a webhook delivery still running; it is sent again after its lease ends')
  await sharedMetadataParser().close()
  logger.info('stopping: metadata worker stopped')
  await runtime.close()
  logger.info('stopping: database closed')
  logger.info('stopped')
  return 0
}

/** One line: which key failed, where the key in use came from, and the two ways out. */
function secretKeyMismatch(config: Config, unopenable: string): string {
  const from = config.secretKeySource === 'GATEHOUSE_SECRET_KEY' ? '' : ` (GATEHOUSE_SECRET_KEY is unset, so it was read from ${config.secretKeySource})`
  return (
    `gatehouse: GATEHOUSE_SECRET_KEY: the secret key in use${from} cannot open the ${unopenable} sealed in the database: it is not the key this database was set up with. ` +
    'Start with that key (every process of a deployment needs the same one; restore it from your backup), or point GATEHOUSE_DATABASE_URL at the database that belongs to this key.'
  )
}

/** How long past the drain time stopping may take (closing connections, the database) before the process exits anyway. */
const EXIT_MARGIN_MS = 5000

/** True if `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))))
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    late,
  ])
  clearTimeout(timer)
  return settled
}
