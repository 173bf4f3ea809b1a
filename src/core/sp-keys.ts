/**
 * The deployment's SAML key pairs: made on first start, private keys sealed under
 * GATEHOUSE_SECRET_KEY. A rotation is staged, as ADFS's AutoCertificateRollover and Keycloak's key
 * priorities do it: `gatehouse keys rotate` (or `POST /api/v1/sp-keys`) adds the *next* pair, which
 * every SP metadata document publishes (and which decrypts) at once, but which signs AuthnRequests
 * only from `activatesAt` — GATEHOUSE_SP_KEY_PUBLICATION_DAYS later (default 7), or sooner with
 * `gatehouse keys activate` — so that IdPs that pin the SP certificate have re-read the metadata
 * before a request signed with the new key reaches them. The signer is the newest pair whose
 * `activatesAt` has come, judged by the clock at each use, so every process switches at the same
 * instant. Older pairs stay published and decrypting until retired; the signer cannot be retired.
 * One next pair at a time: rotating again waits until it signs (or is retired). Every process
 * uses a change within KEY_REFRESH_MS (core/key-refresh.ts).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import { cachedCertificate } from '../saml/certificate.js'
import { recordAudit } from './audit.js'
import { addMs, days } from './clock.js'
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
  /** When it signs from (published and decrypting from `createdAt`). */
  readonly activatesAt: string
}

/** `next`: published, not signing yet; `signing`: signs now; `previous`: replaced, still published; `retired`: gone. */
export type SpKeyState = 'next' | 'signing' | 'previous' | 'retired'

/** What the operator sees of a key pair: never the private key. */
export interface SpKeyView {
  readonly id: string
  readonly createdAt: string
  readonly retiredAt: string | null
  /** When it signs (or signed) from. */
  readonly activatesAt: string
  readonly state: SpKeyState
  /** Published in metadata and decrypting. */
  readonly active: boolean
  /** It signs AuthnRequests now and leads the metadata. */
  readonly signing: boolean
  readonly certificatePem: string
  readonly fingerprint: string
  readonly notAfter: string
}

type Dated = { readonly id: string; readonly createdAt: string; readonly activatesAt?: string | null | undefined }

const activatesAt = (key: Dated): string => key.activatesAt ?? key.createdAt

/**
 * The signer among active pairs (newest first): the newest whose `activatesAt` has come. Should none
 * have (only a pair made with a clock running behind), the oldest: something must sign.
 */
export function signerOf<K extends Dated>(active: readonly K[], now: Date): K | undefined {
  const iso = now.toISOString()
  return active.find((k) => activatesAt(k) <= iso) ?? active.at(-1)
}

export async function ensureSpKeys(deps: CoreDeps): Promise<void> {
  if ((await deps.store.spKeys.listActive()).length === 0) await deps.store.spKeys.insert(await newSpKey(deps, deps.clock.now()))
}

async function newSpKey(deps: CoreDeps, activates: Date): Promise<SpKey> {
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
    activatesAt: activates.toISOString(),
  }
}

/**
 * Adds the next pair: published at once, signing after the publication period (GATEHOUSE_SP_KEY_PUBLICATION_DAYS),
 * or at once with `activate` (a compromised key: IdPs that pin the certificate must be updated by hand).
 * Refused while another next pair waits (sp_key_rotation_pending): activate or retire it first.
 */
export async function rotateSpKeys(deps: CoreDeps, actor: Actor, options: { activate?: boolean } = {}): Promise<SpKeyView> {
  const now = deps.clock.now()
  const made = await newSpKey(deps, now)
  const view = await deps.store.transaction(async (tx) => {
    const active = await tx.spKeys.listActive()
    const pending = active.find((k) => activatesAt(k) > now.toISOString())
    if (pending !== undefined)
      throw new SsoError(
        'sp_key_rotation_pending',
        `SP key ${pending.id} is already published and signs from ${activatesAt(pending)}: activate it now (gatehouse keys activate, POST /api/v1/sp-keys/{id}/activate) or retire it before rotating again.`,
      )
    // With no key yet there is nothing to keep signing with: the first one signs at once.
    const atOnce = options.activate === true || deps.settings.spKeyPublicationDays === 0 || active.length === 0
    const key = { ...made, activatesAt: atOnce ? now.toISOString() : addMs(now, days(deps.settings.spKeyPublicationDays)).toISOString() }
    await tx.spKeys.insert(key)
    const view = toView({ ...key, retiredAt: null }, atOnce ? 'signing' : 'next')
    await recordAudit(
      tx,
      {
        orgId: null,
        actor,
        action: 'sp_key.rotated',
        target: key.id,
        detail: { fingerprint: view.fingerprint, notAfter: view.notAfter, activatesAt: view.activatesAt },
      },
      now,
    )
    return view
  })
  forgetActiveSpKeys(deps)
  return view
}

/** The next pair signs from now on (in every process within KEY_REFRESH_MS). */
export async function activateSpKey(deps: CoreDeps, id: string, actor: Actor): Promise<SpKeyView> {
  const now = deps.clock.now()
  const activated = await deps.store.transaction(async (tx) => {
    const key = (await tx.spKeys.listActive()).find((k) => k.id === id)
    if (key === undefined) throw new SsoError('sp_key_not_found', 'No active SP key has that id (see GET /api/v1/sp-keys).')
    if (!(await tx.spKeys.activate(id, now.toISOString())))
      throw new SsoError('sp_key_not_pending', 'This key is not waiting to sign: it signs already, or a newer key has replaced it.')
    const view = toView({ ...key, activatesAt: now.toISOString(), retiredAt: null }, 'signing')
    await recordAudit(tx, { orgId: null, actor, action: 'sp_key.activated', target: id, detail: { fingerprint: view.fingerprint } }, now)
    return view
  })
  forgetActiveSpKeys(deps)
  return activated
}

/** Stops publishing a pair and decrypting with it (in every process within KEY_REFRESH_MS). */
export async function retireSpKey(deps: CoreDeps, id: string, actor: Actor): Promise<SpKeyView> {
  const now = deps.clock.now()
  const retired = await deps.store.transaction(async (tx) => {
    const active = await tx.spKeys.listActive()
    const key = active.find((k) => k.id === id)
    if (key === undefined) throw new SsoError('sp_key_not_found', 'No active SP key has that id (see GET /api/v1/sp-keys).')
    // Only the signer is kept back: a next pair may be withdrawn, an older one retired once IdPs
    // have the new certificate. At least one pair (the signer) is always left.
    if (key.id === signerOf(active, now)?.id)
      throw new SsoError('sp_key_in_use', 'This is the signing key: rotate first, then retire it once IdPs have the new certificate.')
    if (!(await tx.spKeys.retire(id, now.toISOString()))) throw new SsoError('sp_key_not_found', 'No active SP key has that id (see GET /api/v1/sp-keys).')
    const view = toView({ ...key, retiredAt: now.toISOString() }, 'retired')
    await recordAudit(tx, { orgId: null, actor, action: 'sp_key.retired', target: id, detail: { fingerprint: view.fingerprint } }, now)
    return view
  })
  forgetActiveSpKeys(deps)
  return retired
}

/** Every pair, newest first, retired ones included, each with its state now. */
export async function listSpKeys(deps: CoreDeps): Promise<SpKeyView[]> {
  const keys = await deps.store.spKeys.listAll()
  const now = deps.clock.now()
  const signer = signerOf(
    keys.filter((k) => k.retiredAt === null),
    now,
  )
  return keys.map((k) => toView(k, stateOf(k, signer, now)))
}

function stateOf(k: SpKeyRecord, signer: Dated | undefined, now: Date): SpKeyState {
  if (k.retiredAt !== null) return 'retired'
  if (k.id === signer?.id) return 'signing'
  return activatesAt(k) > now.toISOString() ? 'next' : 'previous'
}

function toView(k: SpKeyRecord, state: SpKeyState): SpKeyView {
  const cert = cachedCertificate(k.certificatePem)
  return {
    id: k.id,
    createdAt: k.createdAt,
    retiredAt: k.retiredAt,
    activatesAt: activatesAt(k),
    state,
    active: k.retiredAt === null,
    signing: state === 'signing',
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

/**
 * Active key pairs, the signer first (by this process's clock now), then the others newest first,
 * private keys unsealed and parsed once per process: `[0]` signs, all of them decrypt and are published.
 */
export async function activeSpKeys(deps: CoreDeps): Promise<SpKeyMaterial[]> {
  const keys = await copyFor(deps).get()
  const signer = signerOf(keys, deps.clock.now())
  return signer === undefined || signer === keys[0] ? keys : [signer, ...keys.filter((k) => k !== signer)]
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
    return {
      id: k.id,
      certificatePem: k.certificatePem,
      privateKeyPem: unsealed.pem,
      privateKey: unsealed.key,
      createdAt: k.createdAt,
      activatesAt: activatesAt(k),
    }
  })
}
