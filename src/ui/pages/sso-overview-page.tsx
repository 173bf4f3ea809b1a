/** Steps 1 and 5 of the SSO set-up (DESIGN §2): status, test, enable, disable; the SSO name, SP details, email domains. */
import type { FC } from 'hono/jsx'
import { Csrf, Field } from '../form.js'
import { ExpiredCertificateBanner, type ExpiredCertificate } from './certificate-banner.js'
import { IdpSummaryList, SpDetailsList, type IdpSummary, type SpDetails } from './sso-details.js'
import { SsoFrame, ssoPath, type SsoPageBase } from './sso-frame.js'

export interface SsoOverviewProps extends SsoPageBase {
  readonly connection:
    | {
        readonly ssoName: string
        readonly enabled: boolean
        readonly sp: SpDetails
        readonly idp: IdpSummary | undefined
        readonly enforcement: string
        /** A passing test of the current IdP configuration exists: Enable may be pressed. */
        readonly tested: boolean
        readonly membersWithoutPassword: number
        /** IdP certificates that expired while no other is valid (core/certificate-expiry.ts). */
        readonly expiredCertificates: readonly ExpiredCertificate[]
      }
    | undefined
  readonly ssoNameValue?: string | undefined
  /** Offered in the empty form before an SSO name exists: the org's slug, when it is a valid SSO name. */
  readonly suggestedSsoName?: string | undefined
  readonly warnings?: readonly string[] | undefined
  readonly domains: readonly DomainRow[]
  readonly domainValue?: string | undefined
}

export interface DomainRow {
  readonly domain: string
  readonly verified: boolean
  readonly verifiedBy: string | undefined
  readonly recordName: string
  readonly recordValue: string
}

export const SsoOverviewPage: FC<SsoOverviewProps> = (p) => {
  const c = p.connection
  const slug = p.org.slug
  return (
    <SsoFrame {...p} title="Single sign-on" step="" configured={c !== undefined}>
      {c !== undefined && <ExpiredCertificateBanner certificates={c.expiredCertificates} idpPath={`${ssoPath(slug)}/idp`} canEdit={p.canEdit} />}
      <section class="card" aria-labelledby="status-heading">
        <h2 id="status-heading">Status</h2>
        {c === undefined && (
          <p>
            Single sign-on is <strong>not set up</strong>. Members sign in with their Gatehouse password.
          </p>
        )}
        {c !== undefined && c.enabled && (
          <>
            <p>
              <span class="badge ok">Enabled</span> Members sign in through the identity provider (enforcement: <strong>{c.enforcement}</strong>).
            </p>
            <p>
              One-click sign-in URL:{' '}
              <a href={c.sp.loginUrl}>
                <code>{c.sp.loginUrl}</code>
              </a>
            </p>
          </>
        )}
        {c !== undefined && !c.enabled && (
          <p>
            <span class="badge subtle">Not enabled</span>{' '}
            {c.idp === undefined
              ? 'Configure the identity provider (step 3), then test and enable.'
              : c.tested
                ? 'The current configuration passed its test: you can enable SSO.'
                : 'Test the current configuration, then enable.'}
          </p>
        )}
        {c !== undefined && c.idp !== undefined && p.canEdit && (
          <div class="row actions-row">
            <form method="post" action={`${ssoPath(slug)}/test`}>
              <Csrf token={p.csrf} />
              <button type="submit" class={c.enabled || c.tested ? undefined : 'primary'}>
                Test SSO
              </button>
            </form>
            {!c.enabled && (
              <form method="post" action={`${ssoPath(slug)}/enable`}>
                <Csrf token={p.csrf} />
                <button type="submit" class={c.tested ? 'primary' : undefined} disabled={!c.tested} aria-describedby={c.tested ? undefined : 'enable-why'}>
                  Enable SSO
                </button>
                {!c.tested && (
                  <p class="hint" id="enable-why">
                    Enabling needs a successful test of the current configuration, so nobody is locked out.
                  </p>
                )}
              </form>
            )}
            {c.enabled && p.setupLink === undefined && (
              <form method="post" action={`${ssoPath(slug)}/disable`}>
                <Csrf token={p.csrf} />
                <button type="submit" class="danger" aria-describedby="disable-what">
                  Disable SSO
                </button>
                <p class="hint" id="disable-what">
                  Members go back to Gatehouse passwords; configuration, members and roles are kept.
                  {c.membersWithoutPassword > 0 &&
                    ` ${c.membersWithoutPassword} member${c.membersWithoutPassword === 1 ? ' has' : 's have'} no password yet: they will be emailed to use "Forgot password".`}
                </p>
              </form>
            )}
          </div>
        )}
        {p.warnings !== undefined && p.warnings.length > 0 && (
          <ul class="warnings">
            {p.warnings.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        )}
      </section>

      <section class="card" aria-labelledby="name-heading">
        <h2 id="name-heading">SSO name</h2>
        <p class="muted">Members type it on the sign-in page ("Sign in with SSO"); it is part of every URL below. 3–63 characters: a–z, 0–9 and "-".</p>
        {p.canEdit && (p.setupLink === undefined || c === undefined) ? (
          <form method="post" action={`${ssoPath(slug)}/name`} novalidate>
            <Csrf token={p.csrf} />
            <Field
              name="ssoName"
              label="SSO name"
              value={p.ssoNameValue ?? c?.ssoName ?? p.suggestedSsoName}
              errors={p.errors}
              autocomplete="off"
              hint={
                c !== undefined && c.idp !== undefined
                  ? 'Renaming changes the SP Entity ID and ACS URL: update them in the IdP too.'
                  : c === undefined && p.ssoNameValue === undefined && p.suggestedSsoName !== undefined
                    ? "Suggested from the organization's slug; change it if you like."
                    : undefined
              }
            />
            <button type="submit" class="primary">
              {c === undefined ? 'Create' : 'Rename'}
            </button>
          </form>
        ) : (
          <p>
            <code>{c?.ssoName ?? 'not chosen yet'}</code>
          </p>
        )}
      </section>

      {c !== undefined && (
        <section class="card" aria-labelledby="sp-heading">
          <h2 id="sp-heading">Service provider details for your IdP</h2>
          <SpDetailsList sp={c.sp} enabled={c.enabled} />
          <p class="row">
            <a class="button" href={`${c.sp.metadataUrl}?download=1`} download>
              Download SP metadata
            </a>
            <a class="button" href={c.sp.certificateUrl} download>
              Download SP certificate
            </a>
            <a class="button" href={`${ssoPath(slug)}/guide`}>
              Next: set up your IdP
            </a>
          </p>
        </section>
      )}

      {c?.idp !== undefined && (
        <section class="card" aria-labelledby="idp-summary-heading">
          <div class="card-head">
            <h2 id="idp-summary-heading">Identity provider</h2>
            <a class="button" href={`${ssoPath(slug)}/idp`}>
              {p.canEdit ? 'Change' : 'Details'}
            </a>
          </div>
          <IdpSummaryList idp={c.idp} />
        </section>
      )}

      {p.setupLink === undefined && (
        <section class="card" aria-labelledby="domains-heading">
          <h2 id="domains-heading">Email domains</h2>
          <p class="muted">
            A verified domain sends its people straight to your IdP from the sign-in page (they type their work email), and limits just-in-time provisioning to
            its addresses. Verify it by publishing a DNS TXT record at the domain.
          </p>
          {p.domains.length > 0 && (
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Domain</th>
                    <th scope="col">Status</th>
                    <th scope="col">TXT record to publish</th>
                    {p.canEdit && (
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {p.domains.map((d, i) => (
                    <tr>
                      <td>
                        <code>{d.domain}</code>
                      </td>
                      <td>
                        {d.verified ? (
                          <span class="badge ok">verified{d.verifiedBy === 'operator' ? ' by the operator' : ''}</span>
                        ) : (
                          <span class="badge subtle">pending</span>
                        )}
                      </td>
                      <td>
                        {d.verified ? (
                          <span class="muted">no longer needed</span>
                        ) : (
                          <>
                            name <code>{d.recordName}</code>, value <code id={`txt-${i}`}>{d.recordValue}</code>{' '}
                            <button type="button" class="copy" data-copy-target={`txt-${i}`}>
                              Copy
                            </button>
                          </>
                        )}
                      </td>
                      {p.canEdit && (
                        <td class="actions">
                          {!d.verified && (
                            <form method="post" action={`${ssoPath(slug)}/domains/${encodeURIComponent(d.domain)}/verify`} class="inline">
                              <Csrf token={p.csrf} />
                              <button type="submit">Verify</button>
                            </form>
                          )}
                          <form method="post" action={`${ssoPath(slug)}/domains/${encodeURIComponent(d.domain)}/remove`} class="inline">
                            <Csrf token={p.csrf} />
                            <button type="submit" class="danger" aria-label={`Remove ${d.domain}`}>
                              Remove
                            </button>
                          </form>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {p.canEdit && (
            <form method="post" action={`${ssoPath(slug)}/domains`} novalidate class="row">
              <Csrf token={p.csrf} />
              <Field
                name="domain"
                label="Add a domain"
                value={p.domainValue}
                errors={p.errors}
                autocomplete="off"
                hint="For example acme.com. Subdomains are separate domains."
              />
              <div>
                <button type="submit">Add domain</button>
              </div>
            </form>
          )}
        </section>
      )}

      {c !== undefined && p.setupLink === undefined && (
        <section class="card" aria-labelledby="bind-heading">
          <h2 id="bind-heading">Bind existing users</h2>
          <p>
            Before the IdP takes over, download every member with their roles today and the attribute values to enter in the IdP, so that everyone keeps their
            access.
          </p>
          <a class="button" href={`${ssoPath(slug)}/bind-users.csv`} download>
            Download bind-users.csv
          </a>
        </section>
      )}
      {p.canEdit && p.setupLink === undefined && (
        <section class="card" aria-labelledby="send-link-heading">
          <h2 id="send-link-heading">Someone else manages your IdP?</h2>
          <p>Send your IT admin a set-up link: it opens these set-up pages for them, with no Gatehouse account, until it expires or you revoke it.</p>
          <a class="button" href={`/orgs/${slug}/setup-links`}>
            Send a set-up link
          </a>
        </section>
      )}
    </SsoFrame>
  )
}
