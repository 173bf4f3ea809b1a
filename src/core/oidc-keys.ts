/**
 * The OpenID Connect provider's signing keys: an RS256 and an ES256 key pair, private parts sealed
 * under GATEHOUSE_SECRET_KEY like the SAML keys. `gatehouse keys rotate --oidc` adds a new pair of each
 * that signs from then on; older keys stay in the JWKS (so tokens they signed still verify) until
 * retired. The last key of an algorithm cannot be retired. Every process uses a change within
 * KEY_REFRESH_MS (core/key-refresh.ts, http/oidc/provider.tsx).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { recordAudit } from './audit.js'
import type { Actor, CoreDeps } from './deps.js'
import type { OidcKeyAlgorithm, OidcSigningKey } from './ports.js'
import { open, seal } from './secret-box.js'

export const OIDC_KEY_ALGORITHMS: readonly OidcKeyAlgorithm[] = ['RS256', 'ES256']

/** A private JWK with kid, alg and use, as oidc-provider's `jwks` takes it. */
export type PrivateJwk = Readonly<Record<string, unknown>> & { readonly kid: string; readonly alg: OidcKeyAlgorithm }

function generate(alg: OidcKeyAlgorithm, now: Date, secretKey: Buffer): OidcSigningKey {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const kid = randomBytes(16).toString('base64url')
  const meta = { kid, alg, use: 'sig' }
  const privateJwk = { ...pair.privateKey.export({ format: 'jwk' }), ...meta }
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), ...meta }
  return { id: kid, alg, privateJwkEncrypted: seal(secretKey, JSON.stringify(privateJwk)), publicJwk, createdAt: now.toISOString() }
}

/** Adds a new key of each algorithm; they sign from now on. */
export async function rotateOidcKeys(deps: CoreDeps, actor: Actor): Promise<OidcSigningKey[]> {
  const now = deps.clock.now()
  const keys = OIDC_KEY_ALGORITHMS.map((alg) => generate(alg, now, deps.settings.secretKey))
  await deps.store.transaction(async (tx) => {
    for (const key of keys) await tx.oidcKeys.insert(key)
    await recordAudit(tx, { orgId: null, actor, action: 'oidc.keys_rotated', detail: { kids: keys.map((k) => k.id) } }, now)
  })
  return keys
}

/** Makes the first keys when an algorithm has none (first start, or a process that skipped it). */
export async function ensureOidcKeys(deps: CoreDeps): Promise<void> {
  const active = await deps.store.oidcKeys.listActive()
  const missing = OIDC_KEY_ALGORITHMS.filter((alg) => !active.some((k) => k.alg === alg))
  if (missing.length === 0) return
  const now = deps.clock.now()
  for (const alg of missing) await deps.store.oidcKeys.insert(generate(alg, now, deps.settings.secretKey))
}

export type RetireOutcome = 'retired' | 'unknown' | 'last_of_algorithm'

export async function retireOidcKey(deps: CoreDeps, id: string, actor: Actor): Promise<RetireOutcome> {
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const active = await tx.oidcKeys.listActive()
    const key = active.find((k) => k.id === id)
    if (key === undefined) return 'unknown'
    if (active.filter((k) => k.alg === key.alg).length <= 1) return 'last_of_algorithm'
    if (!(await tx.oidcKeys.retire(id, now.toISOString()))) return 'unknown'
    await recordAudit(tx, { orgId: null, actor, action: 'oidc.key_retired', target: id, detail: { alg: key.alg } }, now)
    return 'retired'
  })
}

/** The published keys, newest first (oidc-provider signs with the first of an algorithm), unsealed. */
export async function activeOidcJwks(deps: CoreDeps): Promise<PrivateJwk[]> {
  let keys = await deps.store.oidcKeys.listActive()
  if (OIDC_KEY_ALGORITHMS.some((alg) => !keys.some((k) => k.alg === alg))) {
    await ensureOidcKeys(deps)
    keys = await deps.store.oidcKeys.listActive()
  }
  return keys.map((k) => JSON.parse(open(deps.settings.secretKey, k.privateJwkEncrypted)) as PrivateJwk)
}
