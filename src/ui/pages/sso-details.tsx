/** The SP's values to paste into the IdP, and a summary of the IdP configured, as SSO pages show them. */
import type { FC } from 'hono/jsx'
import { ownValue } from '../../core/keyed-record.js'
import { Breakable } from '../breakable.js'

export interface SpDetails {
  readonly entityId: string
  readonly acsUrl: string
  readonly metadataUrl: string
  readonly loginUrl: string
  readonly sloUrl: string
  readonly certificateUrl: string
}

export interface IdpSummary {
  readonly entityId: string
  readonly ssoUrl: string
  readonly binding: 'HTTP-Redirect' | 'HTTP-POST'
  /** The IdP's single logout endpoint (DESIGN §10) and its binding, when it has one. */
  readonly slo: { readonly url: string; readonly binding: 'HTTP-Redirect' | 'HTTP-POST' } | undefined
  readonly certificates: readonly { readonly fingerprint: string; readonly notAfter: string; readonly subject: string }[]
  readonly signatureAlgorithm: string
  /** Where the configuration came from: `metadata-url`, `manual`, `upload`, `paste`, `dev-idp`, or `metadata` (XML, how unknown). */
  readonly source: string
  readonly metadataUrl: string | undefined
  readonly metadataRefreshedAt: string | undefined
  readonly metadataRefreshError: string | undefined
}

/** A value with a copy button (progressive: the button does nothing without JavaScript; the value is selectable). */
const Copyable: FC<{ label: string; value: string; id: string }> = ({ label, value, id }) => (
  <div class="copyable">
    <dt id={`${id}-label`}>{label}</dt>
    <dd class="with-copy">
      <code id={id}>
        <Breakable text={value} />
      </code>
      <button type="button" class="copy" data-copy-target={id} aria-describedby={`${id}-label`}>
        Copy
      </button>
    </dd>
  </div>
)

export const SpDetailsList: FC<{ sp: SpDetails; enabled: boolean }> = ({ sp, enabled }) => (
  <dl class="details">
    <Copyable label="SP Entity ID (Audience)" value={sp.entityId} id="sp-entity-id" />
    <Copyable label="Assertion Consumer Service (ACS) URL, HTTP-POST" value={sp.acsUrl} id="sp-acs-url" />
    <Copyable label="Single Logout URL (HTTP-Redirect and HTTP-POST)" value={sp.sloUrl} id="sp-slo-url" />
    <Copyable label="SP metadata URL" value={sp.metadataUrl} id="sp-metadata-url" />
    <Copyable label="NameID format" value="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" id="sp-nameid-format" />
    <div class="copyable">
      <dt>Attributes expected (Basic name format)</dt>
      <dd>
        <code>email</code>, <code>first_name</code>, <code>last_name</code>, optional <code>roles</code>
      </dd>
    </div>
    <div class="copyable">
      <dt>Signature</dt>
      <dd>RSA-SHA256</dd>
    </div>
    {enabled && <Copyable label="One-click sign-in URL" value={sp.loginUrl} id="sp-login-url" />}
  </dl>
)

const SOURCES: Readonly<Record<string, string>> = {
  'dev-idp': 'the development IdP',
  upload: 'an uploaded metadata file',
  paste: 'pasted metadata XML',
  manual: 'fields entered by hand',
}

export const IdpSummaryList: FC<{ idp: IdpSummary }> = ({ idp }) => (
  <dl class="details">
    <div class="copyable">
      <dt>Entity ID (issuer)</dt>
      <dd>
        <code>
          <Breakable text={idp.entityId} />
        </code>
      </dd>
    </div>
    <div class="copyable">
      <dt>Single sign-on URL ({idp.binding})</dt>
      <dd>
        <code>
          <Breakable text={idp.ssoUrl} />
        </code>
      </dd>
    </div>
    <div class="copyable">
      <dt>Single logout URL{idp.slo === undefined ? '' : ` (${idp.slo.binding})`}</dt>
      <dd>
        {idp.slo === undefined ? (
          <span class="muted">none: signing out of Gatehouse does not sign out of the IdP</span>
        ) : (
          <code>
            <Breakable text={idp.slo.url} />
          </code>
        )}
      </dd>
    </div>
    <div class="copyable">
      <dt>Signing certificates</dt>
      <dd>
        <ul class="plain">
          {idp.certificates.map((c) => (
            <li>
              <code>
                <Breakable text={c.fingerprint} />
              </code>{' '}
              <span class="muted">
                {c.subject}, valid until {c.notAfter.slice(0, 10)}
              </span>
            </li>
          ))}
        </ul>
      </dd>
    </div>
    <div class="copyable">
      <dt>Signature algorithm</dt>
      <dd>{idp.signatureAlgorithm === 'rsa-sha1' ? 'RSA-SHA1 (weak: switch the IdP to RSA-SHA256)' : 'RSA-SHA256'}</dd>
    </div>
    <div class="copyable">
      <dt>Configured from</dt>
      <dd>
        {idp.source === 'metadata-url' ? (
          <span>
            metadata URL{' '}
            <code>
              <Breakable text={idp.metadataUrl ?? ''} />
            </code>
            , re-fetched hourly{idp.metadataRefreshedAt !== undefined && `; last fetched ${idp.metadataRefreshedAt.replace('T', ' ').slice(0, 16)} UTC`}
          </span>
        ) : (
          (ownValue(SOURCES, idp.source) ?? 'metadata XML')
        )}
      </dd>
    </div>
    {idp.metadataRefreshError !== undefined && (
      <div class="copyable">
        <dt>Last refresh</dt>
        <dd class="error">failed: {idp.metadataRefreshError} (the last good configuration is kept)</dd>
      </div>
    )}
  </dl>
)
