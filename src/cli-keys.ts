/**
 * `gatehouse keys list | rotate [--oidc] [--activate] | activate --id | retire [--oidc] --id`: the SAML
 * SP key pairs (staged rotation: core/sp-keys.ts) and the OpenID Connect signing keys.
 */
import type { Config } from './config.js'
import { KEY_REFRESH_MS } from './core/key-refresh.js'
import { retireOidcKey, rotateOidcKeys } from './core/oidc-keys.js'
import { activateSpKey, listSpKeys, retireSpKey, rotateSpKeys } from './core/sp-keys.js'
import { SsoError } from './core/sso-error.js'
import { HELP } from './cli-help.js'
import { parseFlags, UsageError } from './cli-flags.js'
import { createLogger } from './http/logging.js'
import { createRuntime, type Runtime } from './runtime.js'

const ACTIONS = ['list', 'rotate', 'activate', 'retire']

const REFUSALS: Partial<Record<string, string>> = {
  sp_key_in_use: 'that is the signing key (rotate first, then retire it)',
  sp_key_not_found: 'no active SAML key has that id',
  sp_key_not_pending: 'that key is not waiting to sign (it signs already, or a newer key replaced it)',
}

export async function keysCommand(config: Config, args: readonly string[], out: (line: string) => void): Promise<number> {
  const [action, ...rawFlags] = args
  const oidc = rawFlags.includes('--oidc')
  const activate = rawFlags.includes('--activate')
  const flagArgs = rawFlags.filter((a) => a !== '--oidc' && a !== '--activate')
  let flags: Record<string, string>
  try {
    if (action === undefined || !ACTIONS.includes(action)) throw new UsageError('say list, rotate, activate or retire')
    flags = parseFlags(flagArgs, action === 'retire' || action === 'activate' ? ['id'] : [])
    if ((action === 'retire' || action === 'activate') && flags.id === undefined) throw new UsageError(`${action} needs --id KEY_ID (see gatehouse keys list)`)
    if (activate && (action !== 'rotate' || oidc)) throw new UsageError('--activate goes with rotate of the SAML keys only')
    if (action === 'activate' && oidc) throw new UsageError('OpenID Connect keys sign as soon as they are rotated: activate is for SAML keys')
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    out(`gatehouse keys: ${error.message}\n\n${HELP.keys}`)
    return 1
  }
  const runtime = await createRuntime(config, { logger: createLogger('silent') })
  const operator = { kind: 'operator' } as const
  const everywhere = `This takes effect in every running Gatehouse process within ${KEY_REFRESH_MS / 1000} seconds.`
  try {
    if (action === 'rotate' && oidc) {
      const keys = await rotateOidcKeys(runtime.deps, operator)
      out(
        `Added OpenID Connect keys ${keys.map((k) => `${k.id} (${k.alg})`).join(', ')}; they sign from now on. Older keys stay in the JWKS until you retire them. ${everywhere}`,
      )
    } else if (action === 'rotate') {
      const key = await samlKeyChange(out, () => rotateSpKeys(runtime.deps, operator, { activate }))
      if (key === undefined) return 1
      out(
        key.signing
          ? `Added SAML key ${key.id}; it signs from now on. IdPs that pin the SP certificate need the new one now. Older keys stay published until you retire them. ${everywhere}`
          : `Added SAML key ${key.id}: published in SP metadata (and decrypting) from now on; it signs AuthnRequests from ${key.activatesAt}, or sooner with "gatehouse keys activate --id ${key.id}". ${everywhere}`,
      )
    } else if (action === 'activate') {
      const key = await samlKeyChange(out, () => activateSpKey(runtime.deps, flags.id!, operator))
      if (key === undefined) return 1
      out(`SAML key ${key.id} signs from now on; the previous key stays published and decrypting until you retire it. ${everywhere}`)
    } else if (action === 'retire' && oidc) {
      const outcome = await retireOidcKey(runtime.deps, flags.id!, operator)
      if (outcome !== 'retired') {
        out(
          outcome === 'unknown'
            ? `gatehouse keys: no active OpenID Connect key ${flags.id}`
            : `gatehouse keys: ${flags.id} is the last key of its algorithm (rotate --oidc first)`,
        )
        return 1
      }
      out(`Retired OpenID Connect key ${flags.id}; it leaves the JWKS (tokens it signed no longer verify). ${everywhere}`)
    } else if (action === 'retire') {
      if ((await samlKeyChange(out, () => retireSpKey(runtime.deps, flags.id!, operator))) === undefined) return 1
      out(`Retired SAML key ${flags.id}; it is no longer published or used for decryption. ${everywhere}`)
    }
    await listKeys(runtime, out)
    return 0
  } finally {
    await runtime.close()
  }
}

/** Runs a SAML key change; on a refusal prints why and gives undefined. */
async function samlKeyChange<T>(out: (line: string) => void, change: () => Promise<T>): Promise<T | undefined> {
  try {
    return await change()
  } catch (error) {
    if (!(error instanceof SsoError)) throw error
    out(`gatehouse keys: ${REFUSALS[error.code] ?? error.message}`)
    return undefined
  }
}

async function listKeys(runtime: Runtime, out: (line: string) => void): Promise<void> {
  const keys = (await listSpKeys(runtime.deps)).filter((k) => k.active)
  out(keys.length === 0 ? 'No SAML keys yet: gatehouse start makes the first.' : 'Active SAML keys (all published in SP metadata and decrypting):')
  for (const key of keys) {
    const role = key.state === 'next' ? `next, signs from ${key.activatesAt}` : key.state
    out(`  ${key.id}  created ${key.createdAt.slice(0, 10)}  ${role.padEnd(10)}  sha256 ${key.fingerprint}`)
  }
  const oidcKeys = await runtime.deps.store.oidcKeys.listActive()
  out(oidcKeys.length === 0 ? 'No OpenID Connect keys yet: gatehouse start makes the first.' : 'Active OpenID Connect keys (newest of each algorithm signs):')
  const signing = new Set<string>()
  for (const key of oidcKeys) {
    const role = signing.has(key.alg) ? 'published' : 'signing  '
    signing.add(key.alg)
    out(`  ${key.id}  ${key.alg}  created ${key.createdAt.slice(0, 10)}  ${role}`)
  }
}
