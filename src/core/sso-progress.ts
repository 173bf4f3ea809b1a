/**
 * How far an org's SSO set-up is, step by step (DESIGN §2), from what is true rather than which
 * pages were opened: the app is set up in the IdP once a response from it has passed a test of the
 * current configuration (or SSO is on); user management counts once it differs from the defaults.
 */
import { changedFields } from './audit.js'
import type { CoreDeps } from './deps.js'
import { DEFAULT_POLICY, idpFingerprint, type SsoConnection } from './sso-connection.js'

export interface SsoProgress {
  readonly named: boolean
  readonly appSetUpInIdp: boolean
  readonly idpConfigured: boolean
  /** False while the defaults apply unchanged. */
  readonly policyChosen: boolean
  /** A passing test of the current IdP configuration exists: Enable may be pressed. */
  readonly tested: boolean
  readonly enabled: boolean
}

export async function ssoProgress(deps: Pick<CoreDeps, 'store' | 'clock'>, connection: SsoConnection | undefined): Promise<SsoProgress> {
  if (connection === undefined) return { named: false, appSetUpInIdp: false, idpConfigured: false, policyChosen: false, tested: false, enabled: false }
  const tested =
    connection.idp !== undefined && (await deps.store.ssoTests.hasPassed(connection.id, idpFingerprint(connection), deps.clock.now().toISOString()))
  return {
    named: true,
    appSetUpInIdp: tested || connection.enabled,
    idpConfigured: connection.idp !== undefined,
    policyChosen: changedFields({ ...DEFAULT_POLICY }, { ...connection.policy }) !== undefined,
    tested,
    enabled: connection.enabled,
  }
}
