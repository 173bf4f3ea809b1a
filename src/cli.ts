/**
 * `gatehouse <command>`: start, migrate, create-owner. The only module that is handed process.env
 * (by bin/gatehouse.js), which it gives to loadConfig once.
 */
import { performance } from 'node:perf_hooks'
import { ConfigError, loadConfig, type Config } from './config.js'
import { refreshIdpMetadata } from './core/metadata-refresh.js'
import { createOwner, issueSetupLink } from './core/setup.js'
import { ensureSpKeys } from './core/sp-keys.js'
import { buildApp } from './http/app.js'
import { createLogger } from './http/logging.js'
import { createRuntime } from './runtime.js'
import { migrateToLatest, MigrationError } from './store/database.js'

type Env = Readonly<Record<string, string | undefined>>

const HELP: Record<string, string> = {
  main: `Usage: gatehouse <command> [options]

Commands:
  start          Migrate the database and serve Gatehouse (default port 4000)
  migrate        Apply pending database migrations and exit
  create-owner   Make a user the owner of an organization (creating either if missing)

Run "gatehouse <command> --help" for a command's options.
Configuration comes from the environment: see docs/configuration.md.`,
  start: `Usage: gatehouse start

Applies pending migrations, then listens on GATEHOUSE_PORT (default 4000) at GATEHOUSE_BASE_URL.
While no organization exists it prints a one-time link to create the first one and its owner.`,
  migrate: `Usage: gatehouse migrate

Applies every pending migration to GATEHOUSE_DATABASE_URL (default sqlite:./data/gatehouse.db) and exits.`,
  'create-owner': `Usage: gatehouse create-owner --org SLUG --email EMAIL [--name "Org name"]

Makes EMAIL an owner of the organization SLUG. Creates the organization (named --name, or SLUG)
and the user when they do not exist. A user without a password gets a one-time link to set one.`,
}

export async function main(argv: readonly string[], env: Env, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(HELP.main!)
    return command === undefined ? 1 : 0
  }
  if (HELP[command] === undefined || command === 'main') {
    out(`gatehouse: unknown command "${command}"\n\n${HELP.main}`)
    return 1
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(HELP[command]!)
    return 0
  }
  let config: Config
  try {
    config = loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) {
      out(`gatehouse: ${error.message}`)
      return 1
    }
    throw error
  }
  try {
    switch (command) {
      case 'start':
        return await start(config, out)
      case 'migrate':
        return await migrate(config, out)
      case 'create-owner':
        return await createOwnerCommand(config, rest, out)
    }
  } catch (error) {
    if (error instanceof MigrationError || (error as { code?: string }).code === 'ECONNREFUSED') {
      out(`gatehouse: ${(error as Error).message}`)
      return 1
    }
    throw error
  }
  return 1
}

function parseFlags(args: readonly string[], allowed: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (match === null || !allowed.includes(match[1]!)) throw new UsageError(`unknown option "${arg}"`)
    const value = match[2] ?? args[++i]
    if (value === undefined) throw new UsageError(`--${match[1]} needs a value`)
    flags[match[1]!] = value
  }
  return flags
}

class UsageError extends Error {}

async function migrate(config: Config, out: (line: string) => void): Promise<number> {
  const runtime = await createRuntime(config, { logger: createLogger('silent'), migrate: false })
  try {
    const applied = await migrateToLatest(runtime.db)
    out(applied.length === 0 ? 'gatehouse: the database is up to date' : `gatehouse: applied ${applied.join(', ')}`)
    return 0
  } finally {
    await runtime.close()
  }
}

async function createOwnerCommand(config: Config, args: readonly string[], out: (line: string) => void): Promise<number> {
  let flags: Record<string, string>
  try {
    flags = parseFlags(args, ['org', 'email', 'name'])
    if (flags.org === undefined || flags.email === undefined) throw new UsageError('--org and --email are required')
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    out(`gatehouse create-owner: ${error.message}\n\n${HELP['create-owner']}`)
    return 1
  }
  const runtime = await createRuntime(config, { logger: createLogger('silent') })
  try {
    const result = await createOwner(runtime.deps, { orgSlug: flags.org, email: flags.email, orgName: flags.name })
    out(`${result.createdOrg ? 'Created' : 'Found'} organization ${result.org.slug}; ${result.user.email} is an owner${result.createdUser ? ' (new user)' : ''}.`)
    if (result.passwordLink !== undefined) out(`Set the password here (one use, expires in 24 hours):\n  ${result.passwordLink}`)
    return 0
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code !== undefined && (error as Error).name === 'AccountError') {
      out(`gatehouse create-owner: ${(error as Error).message}`)
      return 1
    }
    throw error
  } finally {
    await runtime.close()
  }
}

async function start(config: Config, out: (line: string) => void): Promise<number> {
  const started = performance.now()
  const logger = createLogger(config.logLevel)
  const runtime = await createRuntime(config, { logger })
  if (config.adminToken === undefined) {
    logger.warn('operator API disabled: GATEHOUSE_ADMIN_TOKEN is not set (every /api/v1 operator route answers 503 api_disabled)')
  }
  await ensureSpKeys(runtime.deps)
  const app = await buildApp(config, runtime.deps)
  const sweep = setInterval(() => {
    const now = runtime.deps.clock.now().toISOString()
    runtime.deps.store.sessions.deleteExpired(now).catch((error: unknown) => logger.error({ err: error }, 'session sweep failed'))
    runtime.deps.store.saml.deleteExpired(now).catch((error: unknown) => logger.error({ err: error }, 'SAML state sweep failed'))
  }, 10 * 60_000)
  sweep.unref()
  const refresh = setInterval(() => {
    refreshIdpMetadata(runtime.deps)
      .then((outcomes) => outcomes.filter((o) => !o.ok).forEach((o) => logger.warn({ ssoName: o.ssoName, error: o.error }, 'IdP metadata refresh failed; keeping the last good configuration')))
      .catch((error: unknown) => logger.error({ err: error }, 'IdP metadata refresh failed'))
  }, 60 * 60_000)
  refresh.unref()
  await app.listen({ port: config.port, host: config.host })
  logger.info({ baseUrl: config.baseUrl, database: config.database.dialect, startupMs: Math.round(performance.now() - started) }, 'gatehouse started')
  const link = await issueSetupLink(runtime.deps)
  if (link !== undefined) {
    out(`\n  Gatehouse has no organization yet. Create the first one and its owner here (one use, 24 hours):\n\n    ${link}\n`)
  }
  if (config.devOutbox.enabled && config.smtp === undefined) out(`  Mail goes to the development outbox: ${config.baseUrl}/dev/outbox\n`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  clearInterval(sweep)
  clearInterval(refresh)
  await app.close()
  await runtime.close()
  return 0
}
