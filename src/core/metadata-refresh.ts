/**
 * Connections configured by metadata URL are re-fetched on a schedule (hourly, once per deployment:
 * jobs/periodic.ts). A failed refresh keeps the last good configuration, records the error on the
 * connection and in the audit log. A signing certificate the metadata did not publish before is
 * trusted from then on, and the org's owners are told once (core/certificate-published.ts).
 */
import { recordAudit } from './audit.js'
import { tellOwnersOfNewCertificates } from './certificate-published.js'
import type { CoreDeps } from './deps.js'
import { secondsSince } from './metrics.js'
import { describeIdp, readIdpInput } from './sso-admin.js'

export interface RefreshOutcome {
  readonly ssoName: string
  readonly ok: boolean
  readonly changed: boolean
  readonly error?: string
}

export async function refreshIdpMetadata(deps: CoreDeps): Promise<RefreshOutcome[]> {
  const started = performance.now()
  const outcomes: RefreshOutcome[] = []
  const connections = await deps.store.ssoConnections.listWithMetadataUrl()
  for (const connection of connections) {
    const now = deps.clock.now()
    try {
      const { idp } = await readIdpInput(deps, { metadataUrl: connection.metadataUrl!, entityId: connection.idp?.entityId }, connection.idp?.signatureAlgorithm)
      const changed = JSON.stringify(describeIdp(idp)) !== JSON.stringify(describeIdp(connection.idp))
      await deps.store.transaction(async (tx) => {
        await tx.ssoConnections.update(
          connection.id,
          { ...(changed ? { idp } : {}), metadataRefreshedAt: now.toISOString(), metadataRefreshError: undefined },
          now.toISOString(),
        )
        if (changed) {
          await recordAudit(
            tx,
            {
              orgId: connection.orgId,
              actor: { kind: 'system', name: 'metadata-refresh' },
              action: 'sso.idp_refreshed',
              target: connection.ssoName,
              detail: { before: describeIdp(connection.idp), after: describeIdp(idp), metadataUrl: connection.metadataUrl },
            },
            now,
          )
          await tellOwnersOfNewCertificates(deps, tx, connection, idp, now)
        }
      })
      outcomes.push({ ssoName: connection.ssoName, ok: true, changed })
    } catch (error) {
      const message = (error as Error).message.slice(0, 500)
      await deps.store.transaction(async (tx) => {
        await tx.ssoConnections.update(connection.id, { metadataRefreshError: message }, now.toISOString())
        await recordAudit(
          tx,
          {
            orgId: connection.orgId,
            actor: { kind: 'system', name: 'metadata-refresh' },
            action: 'sso.idp_refresh_failed',
            target: connection.ssoName,
            detail: { error: message, code: (error as { code?: string }).code ?? 'unknown', metadataUrl: connection.metadataUrl, keptConfiguration: true },
          },
          now,
        )
      })
      outcomes.push({ ssoName: connection.ssoName, ok: false, changed: false, error: message })
    }
  }
  deps.metrics.periodicJob('metadata_refresh', secondsSince(started), connections.length)
  return outcomes
}
