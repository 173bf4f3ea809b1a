/** Step 3 of the SSO set-up (DESIGN §2): the IdP's configuration from metadata, a metadata URL or by hand, or the development IdP. */
import type { FC } from 'hono/jsx'
import { Csrf, Field, Select, TextArea } from '../form.js'
import { IdpSummaryList, type IdpSummary } from './sso-details.js'
import { SsoFrame, ssoPath, type SsoPageBase } from './sso-frame.js'

export interface IdpFormValues {
  readonly mode: 'metadata' | 'url' | 'manual'
  readonly metadataXml?: string
  readonly metadataUrl?: string
  readonly ssoUrl?: string
  readonly entityId?: string
  readonly certificates?: string
  readonly signatureAlgorithm?: string
  readonly sloUrl?: string
}

export const SsoIdpPage: FC<
  SsoPageBase & {
    idp: IdpSummary | undefined
    values: IdpFormValues
    warnings?: readonly string[] | undefined
    /** Present when the development IdP is on (never in production): offers the one-click set-up. */
    devIdp?: { readonly entityId: string } | undefined
  }
> = (p) => {
  const action = `${ssoPath(p.org.slug)}/idp`
  const v = p.values
  return (
    <SsoFrame {...p} title="Identity provider" step="/idp" configured>
      {p.idp !== undefined && (
        <section class="card" aria-labelledby="current-heading">
          <h2 id="current-heading">Current configuration</h2>
          <IdpSummaryList idp={p.idp} />
        </section>
      )}
      {p.warnings !== undefined && p.warnings.length > 0 && (
        <ul class="warnings" role="status">
          {p.warnings.map((w) => (
            <li>{w}</li>
          ))}
        </ul>
      )}
      {p.canEdit && p.devIdp !== undefined && (
        <section class="card dev-idp" aria-labelledby="dev-idp-heading">
          <h2 id="dev-idp-heading">No IdP at hand? Try the development IdP</h2>
          <p class="dev-banner" role="note">
            <strong>Development IdP — for trying Gatehouse, never for production.</strong> Built into this Gatehouse (it is off in production): it signs in
            whoever you type, with the roles you choose.
          </p>
          {p.idp?.entityId === p.devIdp.entityId ? (
            <p>
              This organization already uses the development IdP. Press <strong>Test SSO</strong> on the <a href={ssoPath(p.org.slug)}>overview</a>.
            </p>
          ) : (
            <form method="post" action={`${action}/dev`}>
              <Csrf token={p.csrf} />
              <button type="submit" class="primary">
                Use the development IdP
              </button>
              {p.idp !== undefined && <p class="hint">This replaces the current identity provider.</p>}
            </form>
          )}
        </section>
      )}
      {p.canEdit && (
        <>
          <section class="card" aria-labelledby="metadata-heading">
            <h2 id="metadata-heading">Upload or paste the IdP's metadata</h2>
            <p class="muted">
              Okta: Sign On tab, "Metadata URL" or "View SAML setup instructions". Entra ID: "Federation Metadata XML". Google: "Download metadata". OneLogin:
              SSO tab, "More actions → SAML Metadata".
            </p>
            <form method="post" action={action} novalidate>
              <Csrf token={p.csrf} />
              <input type="hidden" name="mode" value="metadata" />
              {/* sso-setup.js sets "upload" when a file is read into the text area; typed or pasted XML stays "paste". */}
              <input type="hidden" name="metadataFrom" id="f-metadataFrom" value="paste" />
              <div class="field">
                <label for="f-metadata-file">Metadata file</label>
                <input
                  id="f-metadata-file"
                  type="file"
                  accept=".xml,application/xml,text/xml,application/samlmetadata+xml"
                  data-load-into="f-metadataXml"
                  data-loaded-from="f-metadataFrom"
                />
              </div>
              <TextArea name="metadataXml" label="Metadata XML" rows={8} value={v.mode === 'metadata' ? (v.metadataXml ?? '') : ''} errors={p.errors} />
              <button type="submit" class="primary">
                Save metadata
              </button>
            </form>
          </section>
          <section class="card" aria-labelledby="url-heading">
            <h2 id="url-heading">Or give its metadata URL</h2>
            <form method="post" action={action} novalidate>
              <Csrf token={p.csrf} />
              <input type="hidden" name="mode" value="url" />
              <Field
                name="metadataUrl"
                label="Metadata URL"
                type="url"
                value={v.mode === 'url' ? v.metadataUrl : p.idp?.metadataUrl}
                errors={p.errors}
                hint="Fetched now and re-fetched every hour; a failed fetch keeps the last good configuration."
              />
              <button type="submit" class="primary">
                Fetch and save
              </button>
            </form>
          </section>
          <section class="card" aria-labelledby="manual-heading">
            <h2 id="manual-heading">Or enter it by hand</h2>
            <form method="post" action={action} novalidate>
              <Csrf token={p.csrf} />
              <input type="hidden" name="mode" value="manual" />
              <Field
                name="ssoUrl"
                label="IdP Single Sign-On URL"
                type="url"
                value={v.mode === 'manual' ? v.ssoUrl : undefined}
                errors={p.errors}
                hint='Okta "Identity Provider Single Sign-On URL"; Entra "Login URL"; Google "SSO URL".'
              />
              <Field
                name="sloUrl"
                label="IdP Single Logout URL (optional)"
                type="url"
                value={v.mode === 'manual' ? v.sloUrl : undefined}
                errors={p.errors}
                hint='Okta "Single Logout URL" (after "Enable Single Logout"); Entra "Logout URL"; Google has none: leave empty.'
              />
              <Field
                name="entityId"
                label="IdP Entity ID (issuer)"
                value={v.mode === 'manual' ? v.entityId : undefined}
                errors={p.errors}
                hint='Okta "Identity Provider Issuer"; Entra "Microsoft Entra Identifier"; Google "Entity ID".'
              />
              <TextArea
                name="certificates"
                label="X.509 signing certificates"
                rows={8}
                value={v.mode === 'manual' ? (v.certificates ?? '') : ''}
                errors={p.errors}
                hint="PEM or bare base64. Several during a rollover: paste them one after the other."
              />
              <Select name="signatureAlgorithm" label="Signature algorithm">
                <option value="rsa-sha256" selected={v.signatureAlgorithm !== 'rsa-sha1'}>
                  RSA-SHA256
                </option>
                <option value="rsa-sha1" selected={v.signatureAlgorithm === 'rsa-sha1'}>
                  RSA-SHA1 (weak; only if the IdP cannot do better)
                </option>
              </Select>
              <button type="submit" class="primary">
                Save
              </button>
            </form>
          </section>
        </>
      )}
    </SsoFrame>
  )
}
