/**
 * The daily certificate check (issue 19 item 5; DESIGN §2 step 3, §9 `sso.certificate_expiring`).
 * Every configured connection's IdP signing certificates are looked at; a certificate that has come
 * within 30, 7 or 1 days of its notAfter gets that threshold's notice, and one that has expired while
 * no other certificate of the connection is still valid gets an `expired` notice. A notice is the
 * event, the audit entry and a mail to each owner, written in one transaction with the notice's row
 * (store certificate_notices), whose primary key makes it single: a second run the same day, or a
 * second process running at the same time, finds the row and sends nothing.
 *
 * Only the most urgent threshold reached is sent: a certificate first seen 5 days before its expiry
 * gets the 7-day notice, never the 30-day one after it. SAML trusts the key, not the dates (an
 * expired certificate still verifies here); the notices are for the IdP side, which may stop signing.
 */
import { cachedCertificate, type Certificate } from '../saml/certificate.js'
import { recordAudit } from './audit.js'
import { certificateRenewalSteps } from './certificate-advice.js'
import { days } from './clock.js'
import type { CoreDeps } from './deps.js'
import { recordEvent } from './events.js'
import { enqueueMail } from './mail.js'
import { secondsSince } from './metrics.js'
import type { Stores } from './ports.js'
import type { SsoConnection } from './sso-connection.js'
import type { Organization } from './types.js'

/** Days before notAfter at which owners are told, most urgent last. */
export const EXPIRY_THRESHOLDS_DAYS = [30, 7, 1] as const

export type ExpiryNotice = `${(typeof EXPIRY_THRESHOLDS_DAYS)[number]}d` | 'expired'

export interface CertificateNoticeSent {
  readonly ssoName: string
  readonly fingerprint: string
  readonly notice: ExpiryNotice
  readonly daysLeft: number
}

/**
 * Whole days left, rounded up (12 hours left is "1 day"); 0 on the day it expired, negative after.
 * A threshold of N days is reached when this is N or less.
 */
export function daysLeft(notAfter: Date, now: Date): number {
  const left = Math.ceil((notAfter.getTime() - now.getTime()) / days(1))
  return left === 0 ? 0 : left
}

/** The notice a certificate is due now, if any (whether it was sent already is the store's to say). */
export function dueExpiryNotice(cert: Certificate, all: readonly Certificate[], now: Date): ExpiryNotice | undefined {
  if (cert.notAfter.getTime() <= now.getTime()) {
    // Expired, and the connection has nothing else to verify with once the IdP renews: warn. With a
    // valid successor configured the rollover is under way and the old one is merely left over.
    return all.some((other) => other.notAfter.getTime() > now.getTime()) ? undefined : 'expired'
  }
  const left = daysLeft(cert.notAfter, now)
  const reached = EXPIRY_THRESHOLDS_DAYS.filter((threshold) => left <= threshold)
  return reached.length === 0 ? undefined : `${reached.at(-1)!}d`
}

/** The certificates of a connection that have expired while none of its certificates is valid: the SSO page's error banner. */
export function expiredCertificatesInUse(connection: SsoConnection, now: Date): Certificate[] {
  const certificates = (connection.idp?.certificates ?? []).map((pem) => cachedCertificate(pem))
  return certificates.filter((cert) => dueExpiryNotice(cert, certificates, now) === 'expired')
}

export async function checkCertificateExpiry(deps: CoreDeps): Promise<CertificateNoticeSent[]> {
  const started = performance.now()
  const sent: CertificateNoticeSent[] = []
  const connections = await deps.store.ssoConnections.listWithIdp()
  for (const connection of connections) {
    const now = deps.clock.now()
    const certificates = (connection.idp?.certificates ?? []).map((pem) => cachedCertificate(pem))
    for (const cert of certificates) {
      const notice = dueExpiryNotice(cert, certificates, now)
      if (notice === undefined) continue
      const told = await deps.store.transaction(async (tx) => {
        if (!(await tx.certificateNotices.insertIfNew({ connectionId: connection.id, fingerprint: cert.fingerprint, notice, createdAt: now.toISOString() })))
          return false
        const org = await tx.orgs.findById(connection.orgId)
        if (org === undefined) return false
        await tellOwners(deps, tx, { org, connection, cert, notice, now })
        return true
      })
      if (told) sent.push({ ssoName: connection.ssoName, fingerprint: cert.fingerprint, notice, daysLeft: daysLeft(cert.notAfter, now) })
    }
  }
  deps.metrics.periodicJob('certificate_check', secondsSince(started), connections.length)
  return sent
}

interface Notice {
  readonly org: Organization
  readonly connection: SsoConnection
  readonly cert: Certificate
  readonly notice: ExpiryNotice
  readonly now: Date
}

/** The event, the audit entry and the owners' mails of one notice, in the notice's transaction. */
async function tellOwners(deps: CoreDeps, tx: Stores, { org, connection, cert, notice, now }: Notice): Promise<void> {
  const left = daysLeft(cert.notAfter, now)
  const notAfter = cert.notAfter.toISOString()
  // §9: no secret in an event; a certificate is public, its fingerprint is what owners compare.
  await recordEvent(
    tx,
    {
      type: 'sso.certificate_expiring',
      orgId: org.id,
      data: { org: org.slug, ssoName: connection.ssoName, fingerprint: cert.fingerprint, notAfter, daysLeft: left },
    },
    now,
  )
  await recordAudit(
    tx,
    {
      orgId: org.id,
      actor: { kind: 'system', name: 'certificate-check' },
      action: notice === 'expired' ? 'sso.certificate_expired' : 'sso.certificate_expiring',
      target: connection.ssoName,
      detail: { fingerprint: cert.fingerprint, subject: cert.subject, notAfter, daysLeft: left, notice },
    },
    now,
  )
  const idpPageUrl = `${deps.settings.baseUrl}/orgs/${org.slug}/sso/idp`
  const day = notAfter.slice(0, 10)
  const subject =
    notice === 'expired'
      ? `Action needed: the IdP signing certificate of ${org.name} expired on ${day}`
      : `The IdP signing certificate of ${org.name} expires in ${left} day${left === 1 ? '' : 's'} (${day})`
  const text = [
    notice === 'expired'
      ? `The SAML signing certificate of ${org.name}'s identity provider (SSO name "${connection.ssoName}") expired on ${notAfter} and is still the only one Gatehouse has for it. Gatehouse still accepts it (SAML trusts the key), but your IdP may stop signing sign-ins with it at any moment: renew it now.`
      : `The SAML signing certificate of ${org.name}'s identity provider (SSO name "${connection.ssoName}") expires on ${notAfter}, in ${left} day${left === 1 ? '' : 's'}. Renew it before then so that members can keep signing in.`,
    '',
    `Certificate: ${cert.subject}`,
    `SHA-256 fingerprint: ${cert.fingerprint}`,
    '',
    'What to do:',
    ...certificateRenewalSteps(connection.idp!, { metadataUrl: connection.metadataUrl, idpPageUrl }),
    '',
    `The SSO settings: ${deps.settings.baseUrl}/orgs/${org.slug}/sso`,
  ].join('\n')
  for (const owner of await ownersOf(tx, org.id)) await enqueueMail(tx, deps.settings.secretKey, { to: owner, subject, text }, now)
}

/** The owners who can act (a deactivated owner can do nothing in the org). */
export async function ownersOf(tx: Pick<Stores, 'members'>, orgId: string): Promise<string[]> {
  return (await tx.members.listByOrg(orgId)).filter((m) => m.role === 'owner' && m.deactivatedAt === null).map((m) => m.user.email)
}
