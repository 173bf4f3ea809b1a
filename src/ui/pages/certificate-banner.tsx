/** The SSO page's error banner for an IdP signing certificate that expired and is still the only one in use. */
import type { FC } from 'hono/jsx'

export interface ExpiredCertificate {
  readonly fingerprint: string
  readonly subject: string
  readonly notAfter: string
}

export const ExpiredCertificateBanner: FC<{ certificates: readonly ExpiredCertificate[]; idpPath: string; canEdit: boolean }> = (p) =>
  p.certificates.length === 0 ? null : (
    <div class="alert" role="alert" id="certificate-expired">
      <p>
        <strong>The IdP signing certificate has expired</strong> and no other certificate is configured. Sign-ins still work (SAML trusts the key, not its
        dates), but your IdP may stop signing with it at any moment: create a new signing certificate in your IdP and{' '}
        {p.canEdit ? <a href={p.idpPath}>add it here (step 3)</a> : 'ask an owner to add it here (step 3)'}.
      </p>
      <ul>
        {p.certificates.map((c) => (
          <li>
            {c.subject}: expired {c.notAfter.slice(0, 10)}, SHA-256 <code>{c.fingerprint}</code>
          </li>
        ))}
      </ul>
    </div>
  )
