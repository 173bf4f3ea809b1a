/**
 * `gatehouse oidc-client add | update | list | remove`: the host apps registered as OpenID Connect
 * clients (core/oidc-clients.ts), with their back-channel logout URI (DESIGN §5 "logout everywhere").
 */
import { describeDatabase, type Config } from './config.js'
import { deleteOidcClient, listOidcClients, registerOidcClient, updateOidcClient, type OidcClientUpdate } from './core/oidc-clients.js'
import { OidcError } from './core/oidc-error.js'
import { HELP } from './cli-help.js'
import { UsageError } from './cli-flags.js'
import { createLogger } from './http/logging.js'
import { createRuntime } from './runtime.js'

const VALUE_FLAGS: Record<string, readonly string[]> = {
  add: ['name', 'redirect-uri', 'post-logout-redirect-uri', 'backchannel-logout-uri'],
  update: ['id', 'name', 'redirect-uri', 'post-logout-redirect-uri', 'backchannel-logout-uri'],
  remove: ['id'],
  list: [],
}
const SWITCHES: Record<string, readonly string[]> = {
  add: ['public', 'no-backchannel-logout-session'],
  update: ['no-backchannel-logout', 'backchannel-logout-session', 'no-backchannel-logout-session'],
  remove: [],
  list: [],
}

interface Parsed {
  readonly values: Record<string, string[]>
  readonly switches: Set<string>
}

function parse(action: string, args: readonly string[]): Parsed {
  const values: Record<string, string[]> = {}
  const switches = new Set<string>()
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]!)
    const flag = match?.[1]
    if (flag !== undefined && match?.[2] === undefined && SWITCHES[action]!.includes(flag)) {
      switches.add(flag)
      continue
    }
    if (flag === undefined || !VALUE_FLAGS[action]!.includes(flag)) throw new UsageError(`unknown option "${args[i]}"`)
    const value = match![2] ?? args[++i]
    if (value === undefined) throw new UsageError(`--${flag} needs a value`)
    ;(values[flag] ??= []).push(value)
  }
  for (const one of ['name', 'id', 'backchannel-logout-uri']) if ((values[one]?.length ?? 0) > 1) throw new UsageError(`--${one} may be given once`)
  return { values, switches }
}

function updateOf({ values, switches }: Parsed): OidcClientUpdate {
  if (switches.has('no-backchannel-logout') && values['backchannel-logout-uri'] !== undefined)
    throw new UsageError('--backchannel-logout-uri and --no-backchannel-logout contradict each other')
  if (switches.has('backchannel-logout-session') && switches.has('no-backchannel-logout-session'))
    throw new UsageError('--backchannel-logout-session and --no-backchannel-logout-session contradict each other')
  const update: OidcClientUpdate = {
    name: values.name?.[0],
    redirectUris: values['redirect-uri'],
    postLogoutRedirectUris: values['post-logout-redirect-uri'],
    backchannelLogoutUri: switches.has('no-backchannel-logout') ? null : values['backchannel-logout-uri']?.[0],
    backchannelLogoutSessionRequired: switches.has('backchannel-logout-session') ? true : switches.has('no-backchannel-logout-session') ? false : undefined,
  }
  if (Object.values(update).every((v) => v === undefined)) throw new UsageError('update needs --id and something to change')
  return update
}

export async function oidcClientCommand(config: Config, args: readonly string[], out: (line: string) => void): Promise<number> {
  const [action, ...rest] = args
  let parsed: Parsed
  let update: OidcClientUpdate | undefined
  try {
    if (action === undefined || !Object.hasOwn(VALUE_FLAGS, action)) throw new UsageError('say add, update, list or remove')
    parsed = parse(action, rest)
    const { values } = parsed
    if (action === 'add' && (values.name === undefined || values['redirect-uri'] === undefined))
      throw new UsageError('add needs --name and at least one --redirect-uri')
    if ((action === 'remove' || action === 'update') && values.id === undefined)
      throw new UsageError(`${action} needs --id CLIENT_ID (see gatehouse oidc-client list)`)
    if (action === 'update') update = updateOf(parsed)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    out(`gatehouse oidc-client: ${error.message}\n\n${HELP['oidc-client']}`)
    return 1
  }
  const { values, switches } = parsed
  const runtime = await createRuntime(config, { logger: createLogger('silent') })
  const operator = { kind: 'operator' } as const
  try {
    if (action === 'add') {
      const { client, secret } = await registerOidcClient(
        runtime.deps,
        {
          name: values.name![0]!,
          redirectUris: values['redirect-uri']!,
          postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
          public: switches.has('public'),
          backchannelLogoutUri: values['backchannel-logout-uri']?.[0],
          backchannelLogoutSessionRequired: !switches.has('no-backchannel-logout-session'),
        },
        operator,
      )
      out(`Registered ${client.public ? 'public' : 'confidential'} OpenID Connect client "${client.name}" in ${describeDatabase(config.database)}.`)
      out(`  issuer         ${config.baseUrl}/oidc   (GATEHOUSE_BASE_URL as this command saw it: the server must run with the same)`)
      out(`  client_id      ${client.id}`)
      if (client.backchannelLogoutUri !== null)
        out(`  back-channel logout  ${client.backchannelLogoutUri}${client.backchannelLogoutSessionRequired ? ' (with sid)' : ''}`)
      if (secret !== undefined) out(`  client_secret  ${secret}\n\nThe secret is shown this once; keep it in the app's configuration (client_secret_basic).`)
      else out('\nA public client has no secret: it must use PKCE (S256).')
    } else if (action === 'update') {
      const client = await updateOidcClient(runtime.deps, values.id![0]!, update!, operator)
      out(`Updated OpenID Connect client ${client.id} ("${client.name}").`)
      out(
        `  back-channel logout  ${client.backchannelLogoutUri ?? 'none'}${client.backchannelLogoutUri !== null && client.backchannelLogoutSessionRequired ? ' (with sid)' : ''}`,
      )
    } else if (action === 'remove') {
      await deleteOidcClient(runtime.deps, values.id![0]!, operator)
      out(`Removed OpenID Connect client ${values.id![0]!}.`)
    } else {
      const clients = await listOidcClients(runtime.deps)
      if (clients.length === 0) out('No OpenID Connect clients yet: gatehouse oidc-client add --name … --redirect-uri …')
      for (const c of clients)
        out(
          `  ${c.id}  ${c.public ? 'public      ' : 'confidential'}  ${c.name}  ${c.redirectUris.join(' ')}${c.backchannelLogoutUri === null ? '' : `  back-channel logout ${c.backchannelLogoutUri}`}`,
        )
    }
    return 0
  } catch (error) {
    if (error instanceof OidcError) {
      out(`gatehouse oidc-client: ${error.message}`)
      return 1
    }
    throw error
  } finally {
    await runtime.close()
  }
}
