/**
 * The deployment's SAML key pairs: made on first start, private keys sealed under
 * GATEHOUSE_SECRET_KEY. `gatehouse keys rotate` adds a pair that signs from then on; older pairs stay
 * published in metadata and keep decrypting until retired, so IdPs can catch up.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import type { CoreDeps } from './deps.js'
import type { SpKey } from './ports.js'
import { open, seal } from './secret-box.js'
import { newId } from './secret-token.js'

export interface SpKeyMaterial {
  readonly id: string
  readonly certificatePem: string
  readonly privateKeyPem: string
  /** Parsed once per process: decryption and signing use it directly. */
  readonly privateKey: KeyObject
  readonly createdAt: string
}

export async function ensureSpKeys(deps: CoreDeps): Promise<void> {
  if ((await deps.store.spKeys.listActive()).length === 0) await rotateSpKeys(deps)
}

export async function rotateSpKeys(deps: CoreDeps): Promise<SpKey> {
  const now = deps.clock.now()
  // Loaded on demand: @peculiar/x509 is only needed the few times a key pair is made.
  const { generateKeyPair } = await import('../saml/key-pair.js')
  const pair = await generateKeyPair({ commonName: `Gatehouse SP ${new URL(deps.settings.baseUrl).host}`, notBefore: now, years: 10 })
  const key: SpKey = { id: newId(), privateKeyEncrypted: seal(deps.settings.secretKey, pair.privateKeyPem), certificatePem: pair.certificatePem, createdAt: now.toISOString() }
  await deps.store.spKeys.insert(key)
  forgetActiveSpKeys()
  return key
}

export async function retireSpKey(deps: CoreDeps, id: string): Promise<boolean> {
  const active = await deps.store.spKeys.listActive()
  if (active.length <= 1 && active[0]?.id === id) return false
  const retired = await deps.store.spKeys.retire(id, deps.clock.now().toISOString())
  forgetActiveSpKeys()
  return retired
}

const opened = new Map<string, { pem: string; key: KeyObject }>()
/** The database is asked again at most this often, so a rotation by another process is seen within it. */
const ACTIVE_KEYS_TTL_MS = 30_000
let cached: { at: number; store: unknown; keys: SpKeyMaterial[] } | undefined

/** Active key pairs, newest (the signer) first, private keys unsealed and parsed once per process. */
export async function activeSpKeys(deps: CoreDeps): Promise<SpKeyMaterial[]> {
  const now = Date.now()
  if (cached !== undefined && cached.store === deps.store && now - cached.at < ACTIVE_KEYS_TTL_MS) return cached.keys
  let keys = await deps.store.spKeys.listActive()
  if (keys.length === 0) {
    // Made at start by `gatehouse start`; here for a process (or test) that skipped it.
    await rotateSpKeys(deps)
    keys = await deps.store.spKeys.listActive()
  }
  const material = keys.map((k) => {
    let unsealed = opened.get(k.id)
    if (unsealed === undefined) {
      const pem = open(deps.settings.secretKey, k.privateKeyEncrypted)
      unsealed = { pem, key: createPrivateKey(pem) }
      opened.set(k.id, unsealed)
    }
    return { id: k.id, certificatePem: k.certificatePem, privateKeyPem: unsealed.pem, privateKey: unsealed.key, createdAt: k.createdAt }
  })
  cached = { at: now, store: deps.store, keys: material }
  return material
}

/** After a rotation or retirement in this process, the next request reads the keys afresh. */
export function forgetActiveSpKeys(): void {
  cached = undefined
}
