/** The composition root: database, stores, clock, hasher, mailer and logger wired from the config. */
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { systemClock, type Clock } from './core/clock.js'
import type { CoreDeps, MetadataFetcher, TxtResolver } from './core/deps.js'
import type { WebhookSender } from './core/webhook-ports.js'
import { sharedMetadataParser, type MetadataParser } from './core/metadata-parser.js'
import { outboxMailer, type Mailer } from './core/mail.js'
import { createPasswordHasher } from './core/password-hasher.js'
import type { AppDeps } from './http/app.js'
import { smtpMailer } from './mail/smtp-mailer.js'
import { createPromMetrics } from './http/metrics.js'
import { createMetadataFetcher } from './net/metadata-fetcher.js'
import { createTxtResolver } from './net/txt-resolver.js'
import { createWebhookSender } from './net/webhook-sender.js'
import { closeDatabase, migrateToLatest, openDatabase, type Db, type OpenDatabaseOptions } from './store/database.js'
import { createStore } from './store/index.js'
import { checkReadiness } from './store/readiness.js'
import { waitForDatabase } from './store/wait-for-database.js'

export interface Runtime {
  readonly db: Db
  readonly deps: AppDeps
  close(): Promise<void>
}

export interface RuntimeOptions extends OpenDatabaseOptions {
  readonly logger: Logger
  readonly clock?: Clock
  readonly mailer?: Mailer
  readonly migrate?: boolean
  /** Default true: on PostgreSQL, retry a database that does not answer (GATEHOUSE_DATABASE_START_TIMEOUT). */
  readonly waitForDatabase?: boolean
  readonly fetchMetadata?: MetadataFetcher
  readonly resolveTxt?: TxtResolver
  /** Default: the process's metadata worker (sharedMetadataParser). */
  readonly parseMetadata?: MetadataParser
  /** Default: posts under the config's outbound rules (net/webhook-sender.ts). */
  readonly webhookSender?: WebhookSender
}

export async function createRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const db = openDatabase(config.database, {
    ...options,
    onCheckpointError:
      options.onCheckpointError ??
      ((message) => options.logger.warn({ error: message }, 'SQLite WAL checkpoint failed; the app checkpoints by itself past the backstop')),
    onConnectionError:
      options.onConnectionError ?? ((error) => options.logger.warn({ error }, 'a database connection failed; the pool replaces it when next needed')),
  })
  try {
    if (config.database.dialect === 'postgres' && options.waitForDatabase !== false) {
      await waitForDatabase(db, {
        timeoutMs: config.databaseStartTimeoutSeconds * 1000,
        onRetry: ({ attempt, delayMs, error }) => options.logger.warn({ attempt, retryInMs: delayMs, error }, 'the database does not answer yet; retrying'),
      })
    }
    if (options.migrate !== false) await migrateToLatest(db)
  } catch (error) {
    await db.destroy()
    throw error
  }
  const store = createStore(db)
  const clock = options.clock ?? systemClock
  // Node's process metrics (event-loop delay, heap) only when /metrics is on: each set starts a monitor.
  const metrics = createPromMetrics({ jobs: store.jobs, process: config.metricsToken !== undefined })
  const ownSender = createWebhookSender({ production: config.production })
  const mailer = options.mailer ?? (config.smtp !== undefined ? smtpMailer(config.smtp) : outboxMailer(store.outbox, clock))
  const core: CoreDeps = {
    store,
    clock,
    hasher: createPasswordHasher(config.passwordHashing),
    mailer,
    settings: {
      baseUrl: config.baseUrl,
      workspaceRoles: config.workspaceRoles,
      session: config.session,
      spKeyPublicationDays: config.spKeyPublicationDays,
      rateLimit: config.rateLimit,
      secretKey: config.secretKey,
      production: config.production,
    },
    fetchMetadata: options.fetchMetadata ?? createMetadataFetcher({ production: config.production }),
    resolveTxt: options.resolveTxt ?? createTxtResolver({ servers: config.dns.servers }),
    parseMetadata: options.parseMetadata ?? sharedMetadataParser().parse,
    metrics,
    webhookSender: options.webhookSender ?? ownSender,
  }
  const deps: AppDeps = {
    ...core,
    metrics,
    logger: options.logger,
    readiness: () => checkReadiness(db, clock.now().toISOString()),
  }
  return {
    db,
    deps,
    close: async () => {
      ownSender.close()
      await closeDatabase(db)
    },
  }
}
