/**
 * The deployment's SAML key pairs: made on first start, private keys sealed under
 * GATEHOUSE_SECRET_KEY. A rotation (`gatehouse keys rotate`, `POST /api/v1/sp-keys`) adds a pair that
 * signs AuthnRequests and leads the metadata from then on; older pairs stay published in metadata and
 * keep decrypting until retired, so IdPs can catch up. The signing (newest) pair cannot be retired:
 * rotate first. Every process uses a change within KEY_REFRESH_MS (core/key-refresh.ts).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import { cachedCertificate } from '../saml/certificate.js'
import { recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import { KEY_REFRESH_MS, refreshingValue, type RefreshingValue } from './key-refresh.js'
import type { SpKey, SpKeyRecord, Store } from './ports.js'
import { open, seal } from './secret-box.js'
import { newSortableId } from './secret-token.js'
import { SsoError } from './sso-error.js'

export interface SpKeyMaterial {
  readonly id: string
  readonly certificatePem: string
  readonly privateKeyPem: string
  /** Parsed once per process: decryption and signing use it directly. */
  readonly privateKey: KeyObject
  readonly createdAt: string
}

/** What the operator sees of a key pair: never the private key. */
export interface SpKeyView {
  readonly id: string
  readonly createdAt: string
  readonly retiredAt: string | null
  /** Published in metadata and decrypting. */
  readonly active: boolean
  /** The newest active pair: it signs AuthnRequests and leads the metadata. */
  readonly signing: boolean
  readonly certificatePem: string
  readonly fingerprint: string
  readonly notAfter: string
}

export async function ensureSpKeys(deps: CoreDeps): Promise<void> {
  if ((await deps.store.spKeys.listActive()).length === 0) await deps.store.spKeys.insert(await newSpKey(deps))
}

async function newSpKey(deps: CoreDeps): Promise<SpKey> {
  const now = deps.clock.now()
  // Loaded on demand: @peculiar/x509 is only needed the few times a key pair is made.
  const { generateKeyPair } = await import('../saml/key-pair.js')
  const pair = await generateKeyPair({ commonName: `Gatehouse SP ${new URL(deps.settings.baseUrl).host}`, notBefore: now, years: 10 })
  // Sortable ids: two pairs made in one millisecond still list (and sign) newest first.
  return {
    id: newSortableId(),
    privateKeyEncrypted: seal(deps.settings.secretKey, pair.privateKeyPem),
    certificatePem: pair.certificatePem,
    createdAt: now.toISOString(),
  }
}

/** Adds a pair that signs from now on (in every process within KEY_REFRESH_MS). */
export async function rotateSpKeys(deps: CoreDeps, actor: Actor): Promise<SpKeyView> {
  const key = await newSpKey(deps)
  const view = toView({ ...key, retiredAt: null }, true)
  await deps.store.transaction(async (tx) => {
    await tx.spKeys.insert(key)
    await recordAudit(
      tx,
      { orgId: null, actor, action: 'sp_key.rotated', target: key.id, detail: { fingerprint: view.fingerprint, notAfter: view.notAfter } },
      deps.clock.now(),
    )
  })
  forgetActiveSpKeys(deps)
  return view
}

/** Stops publishing a pair and decrypting with it (in every process within KEY_REFRESH_MS). */
export async function retireSpKey(deps: CoreDeps, id: string, actor: Actor): Promise<SpKeyView> {
  const now = deps.clock.now()
  const retired = await deps.store.transaction(async (tx) => {
    const active = await tx.spKeys.listActive()
    const key = active.find((k) => k.id === id)
    if (key === undefined) throw new SsoError('sp_key_not_found', 'No active SP key has that id (see GET /api/v1/sp-keys).')
    // The newest pair is the signer; only a rotation can replace it, and nothing retires the newest,
    // so at least one pair is always left, whatever runs concurrently.
    if (key.id === active[0]!.id)
      throw new SsoError('sp_key_in_use', 'This is the signing key: rotate first, then retire it once IdPs have the new certificate.')
    if (!(await tx.spKeys.retire(id, now.toISOString()))) throw new SsoError('sp_key_not_found', 'No active SP key has that id (see GET /api/v1/sp-keys).')
    const view = toView({ ...key, retiredAt: now.toISOString() }, false)
    await recordAudit(tx, { orgId: null, actor, action: 'sp_key.retired', target: id, detail: { fingerprint: view.fingerprint } }, now)
    return view
  })
  forgetActiveSpKeys(deps)
  return retired
}

/** Every pair, newest first, retired ones included. */
export async function listSpKeys(deps: CoreDeps): Promise<SpKeyView[]> {
  const keys = await deps.store.spKeys.listAll()
  const signer = keys.find((k) => k.retiredAt === null)
  return keys.map((k) => toView(k, k.id === signer?.id))
}

function toView(k: SpKeyRecord, signing: boolean): SpKeyView {
  const cert = cachedCertificate(k.certificatePem)
  return {
    id: k.id,
    createdAt: k.createdAt,
    retiredAt: k.retiredAt,
    active: k.retiredAt === null,
    signing,
    certificatePem: k.certificatePem,
    fingerprint: cert.fingerprint,
    notAfter: cert.notAfter.toISOString(),
  }
}

/** One copy of the active pairs per database (a process has one; a test may run two "processes"). */
const copies = new WeakMap<Store, RefreshingValue<SpKeyMaterial[]>>()

function copyFor(deps: CoreDeps): RefreshingValue<SpKeyMaterial[]> {
  let copy = copies.get(deps.store)
  if (copy === undefined) {
    const opened = new Map<string, { pem: string; key: KeyObject }>()
    copy = refreshingValue(deps.clock, KEY_REFRESH_MS, () => readActiveSpKeys(deps, opened))
    copies.set(deps.store, copy)
  }
  return copy
}

/** Active key pairs, newest (the signer) first, private keys unsealed and parsed once per process. */
export function activeSpKeys(deps: CoreDeps): Promise<SpKeyMaterial[]> {
  return copyFor(deps).get()
}

/** After a rotation or retirement in this process, the next request reads the keys afresh. */
export function forgetActiveSpKeys(deps: CoreDeps): void {
  copies.get(deps.store)?.forget()
}

/** `opened`: private keys already unsealed and parsed, by id; a retired one is dropped from it. */
async function readActiveSpKeys(deps: CoreDeps, opened: Map<string, { pem: string; key: KeyObject }>): Promise<SpKeyMaterial[]> {
  let keys = await deps.store.spKeys.listActive()
  if (keys.length === 0) {
    // Made at start by `gatehouse start`; here for a process (or test) that skipped it.
    await ensureSpKeys(deps)
    keys = await deps.store.spKeys.listActive()
  }
  for (const id of opened.keys()) if (!keys.some((k) => k.id === id)) opened.delete(id)
  return keys.map((k) => {
    let unsealed = opened.get(k.id)
    if (unsealed === undefined) {
      const pem = open(deps.settings.secretKey, k.privateKeyEncrypted)
      unsealed = { pem, key: createPrivateKey(pem) }
      opened.set(k.id, unsealed)
    }
    return { id: k.id, certificatePem: k.certificatePem, privateKeyPem: unsealed.pem, privateKey: unsealed.key, createdAt: k.createdAt }
  })
}
