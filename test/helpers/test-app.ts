/**
 * A whole Gatehouse for a test: a clean migrated database (helpers/database.ts), fixed clock,
 * captured logs and mail, cheap argon2. HTTP goes through Fastify's inject(); `browser()` keeps
 * cookies and CSRF tokens like a browser.
 */
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type Config } from '../../src/config.js'
import { fixedClock, type FixedClock } from '../../src/core/clock.js'
import type { MailMessage, Mailer } from '../../src/core/mail.js'
import type { MetadataParser } from '../../src/core/metadata-parser.js'
import type { WebhookSender } from '../../src/core/webhook-ports.js'
import { buildApp } from '../../src/http/app.js'
import { createLogger } from '../../src/http/logging.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import { seal } from '../../src/core/secret-box.js'
import { newId } from '../../src/core/secret-token.js'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import { cleanDatabase, openOptions, type TestDatabase } from './database.js'
import { runDueJobs, type RunSummary } from '../../src/jobs/run-due-jobs.js'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'
export const SECRET_KEY = '11'.repeat(32)

let spKeyPair: Promise<KeyPair> | undefined

export function testConfig(env: Record<string, string> = {}): Config {
  const config = loadConfig({
    GATEHOUSE_BASE_URL: 'http://gatehouse.test',
    GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
    GATEHOUSE_SECRET_KEY: SECRET_KEY,
    GATEHOUSE_DATA_DIR: '/nonexistent-gatehouse-test-data',
    GATEHOUSE_LOG_LEVEL: 'info',
    ...env,
  })
  // Cheap hashing for tests; the algorithm (argon2id) stays the same.
  return { ...config, passwordHashing: { memoryCost: 1024, timeCost: 1 } }
}

export interface CapturingMailer extends Mailer {
  readonly sent: MailMessage[]
  /** The first URL in the newest message to `to`. */
  linkFor(to: string): string
}

export function capturingMailer(): CapturingMailer {
  const sent: MailMessage[] = []
  return {
    sent,
    send: async (m) => {
      sent.push(m)
    },
    linkFor: (to) => {
      const message = [...sent].reverse().find((m) => m.to.toLowerCase() === to.toLowerCase())
      const url = message?.text.match(/https?:\/\/\S+/)?.[0]
      if (url === undefined) throw new Error(`no link mailed to ${to}`)
      return url
    },
  }
}

export interface TestContext {
  readonly app: FastifyInstance
  readonly runtime: Runtime
  readonly deps: Runtime['deps']
  readonly clock: FixedClock
  readonly mail: CapturingMailer
  readonly config: Config
  /**
   * Runs every queued job that is due by the test clock (mail is sent by the job worker, never by a
   * request): call it before reading `mail`.
   */
  runJobs(): Promise<RunSummary>
  /** Runs the due jobs, then the first URL in the newest message to `to`. */
  linkMailedTo(to: string): Promise<string>
  /** Runs the due jobs, then every message sent so far. */
  sentMail(): Promise<MailMessage[]>
  /** Every log line written so far, as raw JSON text. */
  logs(): string
  close(): Promise<void>
}

/** `mailer: 'configured'` lets the runtime choose from the config (SMTP or the outbox), as in production. */
export async function createTestContext(
  options: {
    env?: Record<string, string>
    config?: Partial<Config>
    mailer?: Mailer | 'configured'
    now?: string
    parseMetadata?: MetadataParser
    /** Webhook deliveries go through this (a sender with its own policy, resolver or time limit). */
    webhookSender?: WebhookSender
    /** An existing database (a restart): the context neither makes nor drops it. */
    database?: TestDatabase
  } = {},
): Promise<TestContext> {
  const config = { ...testConfig(options.env), ...options.config }
  const database: TestDatabase = options.database === undefined ? await cleanDatabase() : { ...options.database, drop: async () => {} }
  const chunks: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  const logger = createLogger('info', sink)
  const clock = fixedClock(options.now ?? '2026-11-23T12:00:00.000Z')
  const mail = capturingMailer()
  let runtime: Runtime | undefined
  // Kysely's migrator introspects every schema; a parallel test file dropping its own schema at that
  // moment fails the catalogue query ("schema … does not exist"). That is the harness, not the code: retry.
  for (let attempt = 1; runtime === undefined; attempt++) {
    try {
      runtime = await createRuntime(
        { ...config, database: database.config },
        {
          logger,
          clock,
          ...(options.mailer === 'configured' ? {} : { mailer: options.mailer ?? mail }),
          ...(options.parseMetadata === undefined ? {} : { parseMetadata: options.parseMetadata }),
          ...(options.webhookSender === undefined ? {} : { webhookSender: options.webhookSender }),
          ...openOptions(database),
        },
      )
    } catch (error) {
      if (attempt < 3 && /does not exist/.test(String((error as Error).message))) continue
      await database.drop().catch(() => {})
      throw error
    }
  }
  // One SP key pair per test file instead of one per context (generation takes ~0.4 s).
  spKeyPair ??= generateKeyPair({ commonName: 'Gatehouse SP test', notBefore: new Date('2020-01-01T00:00:00Z'), years: 30 })
  const pair = await spKeyPair
  if ((await runtime.deps.store.spKeys.listActive()).length === 0)
    await runtime.deps.store.spKeys.insert({
      id: newId(),
      privateKeyEncrypted: seal(config.secretKey, pair.privateKeyPem),
      certificatePem: pair.certificatePem,
      createdAt: '2020-01-01T00:00:00.000Z',
    })
  const app = await buildApp(config, runtime.deps)
  await app.ready()
  return {
    app,
    runtime,
    deps: runtime.deps,
    clock,
    mail,
    config,
    runJobs: () => runDueJobs(runtime.deps),
    linkMailedTo: async (to) => {
      await runDueJobs(runtime.deps)
      return mail.linkFor(to)
    },
    sentMail: async () => {
      await runDueJobs(runtime.deps)
      return mail.sent
    },
    logs: () => chunks.join(''),
    close: async () => {
      await app.close()
      await runtime.close()
      await database.drop()
    },
  }
}

/** Operator API call with the admin token. */
export async function operator(ctx: TestContext, method: string, url: string, payload?: unknown) {
  const res = await ctx.app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  })
  return { status: res.statusCode, json: res.body === '' ? undefined : JSON.parse(res.body), res }
}
