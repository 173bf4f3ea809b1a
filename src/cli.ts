/**
 * `gatehouse <command>`: start, migrate, create-owner, keys, sso, oidc-client, backup. The only module handed the environment
 * (by bin/gatehouse.js), which it gives to loadConfig once.
 */
import { performance } from 'node:perf_hooks'
import { ConfigError, loadConfig, type Config } from './config.js'
import { createOwner } from './core/setup.js'
import { disableSso, findSsoConnection } from './core/sso-admin.js'
import { createLogger } from './http/logging.js'
import { createRuntime } from './runtime.js'
import { HELP } from './cli-help.js'
import { parseFlags, UsageError } from './cli-flags.js'
import { keysCommand } from './cli-keys.js'
import { oidcClientCommand } from './cli-oidc.js'
import { start } from './start.js'
import { fileSystemProblem } from './store/data-dir.js'
import { migrateToLatest, MigrationError } from './store/database.js'
import { BackupError, backupSqlite } from './store/sqlite-backup.js'
import { DatabaseStartTimeout } from './store/wait-for-database.js'

type Env = Readonly<Record<string, string | undefined>>

export async function main(argv: readonly string[], env: Env, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(HELP.main!)
    return command === undefined ? 1 : 0
  }
  if (!Object.hasOwn(HELP, command) || command === 'main') {
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
      for (const { variable, problem } of error.problems) out(`gatehouse: ${variable}: ${problem}`)
      return 1
    }
    const problem = fileSystemProblem(error)
    if (problem !== undefined) {
      out(`gatehouse: ${problem}`)
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
      case 'keys':
        return await keysCommand(config, rest, out)
      case 'sso':
        return await ssoCommand(config, rest, out)
      case 'oidc-client':
        return await oidcClientCommand(config, rest, out)
      case 'backup':
        return await backupCommand(config, rest, out)
    }
  } catch (error) {
    const code = (error as { code?: string }).code
    if (
      error instanceof MigrationError ||
      error instanceof DatabaseStartTimeout ||
      code === 'ECONNREFUSED' ||
      code === 'SQLITE_CANTOPEN' ||
      code === '3D000' ||
      code === '28P01' ||
      code === 'ENOTFOUND'
    ) {
      out(`gatehouse: cannot use the database (GATEHOUSE_DATABASE_URL): ${(error as Error).message}`)
      return 1
    }
    const problem = fileSystemProblem(error)
    if (problem !== undefined) {
      out(`gatehouse: ${problem}`)
      return 1
    }
    throw error
  }
  return 1
}

async function migrate(config: Config, out: (line: string) => void): Promise<number> {
  // 'warn': the retries of a database that does not answer yet are logged.
  const runtime = await createRuntime(config, { logger: createLogger('warn'), migrate: false })
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
    const org = `${result.createdOrg ? 'Created' : 'Found'} organization ${result.org.slug}`
    if (result.previousRole === 'owner') out(`${org}; ${result.user.email} was already an owner: nothing changed.`)
    else if (result.previousRole !== undefined) out(`${org}; promoted ${result.user.email} from ${result.previousRole} to owner.`)
    else out(`${org}; ${result.user.email} is an owner${result.createdUser ? ' (new user)' : ''}.`)
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

async function backupCommand(config: Config, args: readonly string[], out: (line: string) => void): Promise<number> {
  let flags: Record<string, string>
  try {
    flags = parseFlags(args, ['to'])
    if (flags.to === undefined) throw new UsageError('--to FILE is required')
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    out(`gatehouse backup: ${error.message}\n\n${HELP.backup}`)
    return 1
  }
  if (config.database.dialect !== 'sqlite' || config.database.path === ':memory:') {
    out(
      'gatehouse backup: the database is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=FILE "$GATEHOUSE_DATABASE_URL"; see docs/deploy.md)',
    )
    return 1
  }
  try {
    const started = performance.now()
    const { pages } = await backupSqlite(config.database.path, flags.to)
    out(`Backed up ${config.database.path} to ${flags.to} (${pages} pages, checked) in ${Math.round(performance.now() - started)} ms.`)
    return 0
  } catch (error) {
    if (!(error instanceof BackupError)) throw error
    out(`gatehouse backup: ${error.message}`)
    return 1
  }
}

async function ssoCommand(config: Config, args: readonly string[], out: (line: string) => void): Promise<number> {
  const [action, ...flagArgs] = args
  let flags: Record<string, string>
  try {
    if (action !== 'disable') throw new UsageError('the only action is disable')
    flags = parseFlags(flagArgs, ['org'])
    if (flags.org === undefined) throw new UsageError('--org is required')
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    out(`gatehouse sso: ${error.message}\n\n${HELP.sso}`)
    return 1
  }
  const runtime = await createRuntime(config, { logger: createLogger('silent') })
  try {
    const { connection } = await findSsoConnection(runtime.deps, flags.org)
    if (connection?.enabled === false) {
      out(`SSO was already off for ${flags.org}: nothing changed. Members sign in with passwords; those without one use "forgot password".`)
      return 0
    }
    await disableSso(runtime.deps, flags.org, { kind: 'operator' })
    out(`SSO is disabled for ${flags.org}. Members sign in with passwords; those without one use "forgot password".`)
    return 0
  } catch (error) {
    if ((error as Error).name === 'SsoError' || (error as Error).name === 'AccountError') {
      out(`gatehouse sso: ${(error as Error).message}`)
      return 1
    }
    throw error
  } finally {
    await runtime.close()
  }
}
