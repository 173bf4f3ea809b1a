/**
 * Does GATEHOUSE_SECRET_KEY open what this database sealed? A start with another key (a typo, a
 * key from another deployment, a deleted development `secret.key` that was made anew) would serve,
 * then answer 500 on every page that signs or decrypts. Trying one sealed SAML and one OpenID
 * Connect private key at start (AES-GCM authenticates, so a wrong key fails, never decrypts to junk)
 * turns that into a refused start.
 */
import type { CoreDeps } from './deps.js'
import { open } from './secret-box.js'

/** The first sealed key the configured secret key cannot open (`SAML key …`), or undefined when all open (or none exist yet). */
export async function findUnopenableSealedKey(deps: CoreDeps): Promise<string | undefined> {
  const [spKey] = await deps.store.spKeys.listActive()
  if (spKey !== undefined && !opens(deps.settings.secretKey, spKey.privateKeyEncrypted)) return `SAML key ${spKey.id}`
  const [oidcKey] = await deps.store.oidcKeys.listActive()
  if (oidcKey !== undefined && !opens(deps.settings.secretKey, oidcKey.privateJwkEncrypted)) return `OpenID Connect key ${oidcKey.id}`
  return undefined
}

function opens(key: Buffer, sealed: string): boolean {
  try {
    open(key, sealed)
    return true
  } catch {
    return false
  }
}
