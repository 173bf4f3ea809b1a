/**
 * The deployment's SAML key pairs: made on first start, private keys sealed under
 * GATEHOUSE_SECRET_KEY. `gatehouse keys rotate` adds a pair that signs from then on; older pairs stay
 * published in metadata and keep decrypting until retired, so IdPs can catch up.
 */
import type { CoreDeps } from './deps.js'
import type { SpKey } from './ports.js'
import { open, seal } from './secret-box.js'
import { newId } from './secret-token.js'

export interface SpKeyMaterial {
  readonly id: string
  readonly certificatePem: string
  readonly privateKeyPem: string
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
  return key
}

export async function retireSpKey(deps: CoreDeps, id: string): Promise<boolean> {
  const active = await deps.store.spKeys.listActive()
  if (active.length <= 1 && active[0]?.id === id) return false
  return deps.store.spKeys.retire(id, deps.clock.now().toISOString())
}

const opened = new Map<string, string>()

/** Active key pairs, newest (the signer) first, private keys unsealed once per process. */
export async function activeSpKeys(deps: CoreDeps): Promise<SpKeyMaterial[]> {
  let keys = await deps.store.spKeys.listActive()
  if (keys.length === 0) {
    // Made at start by `gatehouse start`; here for a process (or test) that skipped it.
    await rotateSpKeys(deps)
    keys = await deps.store.spKeys.listActive()
  }
  return keys.map((k) => {
    let privateKeyPem = opened.get(k.id)
    if (privateKeyPem === undefined) {
      privateKeyPem = open(deps.settings.secretKey, k.privateKeyEncrypted)
      opened.set(k.id, privateKeyPem)
    }
    return { id: k.id, certificatePem: k.certificatePem, privateKeyPem, createdAt: k.createdAt }
  })
}
