/**
 * An IdP's metadata URL started publishing a signing certificate Gatehouse did not have: the refresh
 * trusts it at once (core/metadata-refresh.ts), and here the org's owners are told, once per
 * certificate — the `published` row in certificate_notices is the proof (written silently for the
 * certificates it had already), so a second process refreshing at the same time, or a certificate
 * that leaves the metadata and comes back, sends nothing more.
 */
import { cachedCertificate } from '../saml/certificate.js'
import { recordAudit } from './audit.js'
import { ownersOf } from './certificate-expiry.js'
import type { CoreDeps } from './deps.js'
import { enqueueMail } from './mail.js'
import type { Stores } from './ports.js'
import type { IdpConfig, SsoConnection } from './sso-connection.js'

export async function tellOwnersOfNewCertificates(deps: CoreDeps, tx: Stores, connection: SsoConnection, idp: IdpConfig, now: Date): Promise<void> {
  const before = new Set((connection.idp?.certificates ?? []).map((pem) => cachedCertificate(pem).fingerprint))
  const added = idp.certificates.map((pem) => cachedCertificate(pem)).filter((cert) => !before.has(cert.fingerprint))
  if (added.length === 0) return
  // The certificates Gatehouse had already are known to the owner (they configured them): one that
  // leaves the metadata and comes back later is not news.
  for (const fingerprint of before)
    await tx.certificateNotices.insertIfNew({ connectionId: connection.id, fingerprint, notice: 'published', createdAt: now.toISOString() })
  const org = await tx.orgs.findById(connection.orgId)
  if (org === undefined) return
  const owners = await ownersOf(tx, org.id)
  for (const cert of added) {
    if (
      !(await tx.certificateNotices.insertIfNew({
        connectionId: connection.id,
        fingerprint: cert.fingerprint,
        notice: 'published',
        createdAt: now.toISOString(),
      }))
    )
      continue
    const notAfter = cert.notAfter.toISOString()
    await recordAudit(
      tx,
      {
        orgId: org.id,
        actor: { kind: 'system', name: 'metadata-refresh' },
        action: 'sso.idp_certificate_published',
        target: connection.ssoName,
        detail: { fingerprint: cert.fingerprint, subject: cert.subject, notAfter, metadataUrl: connection.metadataUrl },
      },
      now,
    )
    const text = [
      `The identity provider of ${org.name} (SSO name "${connection.ssoName}") now publishes a new SAML signing certificate in its metadata (${connection.metadataUrl}). Gatehouse has picked it up and accepts sign-ins signed with it from now on.`,
      '',
      `Certificate: ${cert.subject}`,
      `SHA-256 fingerprint: ${cert.fingerprint}`,
      `Valid until: ${notAfter}`,
      '',
      'If you are rotating the certificate, you can now make it the active one in your IdP. If nobody in your organization expected this, check the IdP: the certificate decides who can sign members in.',
      '',
      `The SSO settings: ${deps.settings.baseUrl}/orgs/${org.slug}/sso/idp`,
    ].join('\n')
    for (const owner of owners)
      await enqueueMail(tx, deps.settings.secretKey, { to: owner, subject: `${org.name}: your IdP published a new signing certificate`, text }, now)
  }
}
