/**
 * The owner's SSO set-up (DESIGN §2): (1) SSO name and SP details, (2) set-up guides per IdP,
 * (3) IdP configuration, (4) user management; then test, enable, disable. Admins see every page
 * read-only; only the owner gets forms.
 */
import type { Child, FC } from 'hono/jsx'
import { Csrf, Field, FormError, type FieldErrors } from '../form.js'
import { Layout, type Viewer } from '../layout.js'
import type { XmlLine } from '../../saml/pretty-xml.js'
import { XmlTrace } from '../xml-trace.js'
import { ownValue } from '../../core/keyed-record.js'

export interface SpDetails {
  readonly entityId: string
  readonly acsUrl: string
  readonly metadataUrl: string
  readonly loginUrl: string
  readonly certificateUrl: string
}

export interface SsoPageBase {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { readonly name: string; readonly slug: string }
  /** True for the owner: everything else is read-only. */
  readonly canEdit: boolean
  readonly notice?: string | undefined
  readonly error?: string | undefined
  readonly errors?: FieldErrors | undefined
  readonly progress?: SsoProgress | undefined
}

export interface IdpSummary {
  readonly entityId: string
  readonly ssoUrl: string
  readonly binding: 'HTTP-Redirect' | 'HTTP-POST'
  readonly certificates: readonly { readonly fingerprint: string; readonly notAfter: string; readonly subject: string }[]
  readonly signatureAlgorithm: string
  readonly source: string
  readonly metadataUrl: string | undefined
  readonly metadataRefreshedAt: string | undefined
  readonly metadataRefreshError: string | undefined
}

export interface SsoOverviewProps extends SsoPageBase {
  readonly connection: {
    readonly ssoName: string
    readonly enabled: boolean
    readonly sp: SpDetails
    readonly idp: IdpSummary | undefined
    readonly enforcement: string
    /** A passing test of the current IdP configuration exists: Enable may be pressed. */
    readonly tested: boolean
    readonly membersWithoutPassword: number
  } | undefined
  readonly ssoNameValue?: string | undefined
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

const base = (slug: string) => `/orgs/${slug}/sso`

const STEPS: readonly { readonly path: string; readonly label: string }[] = [
  { path: '', label: '1. SSO name and service provider details' },
  { path: '/guide', label: '2. Set up the app in your IdP' },
  { path: '/idp', label: '3. Identity provider' },
  { path: '/policy', label: '4. User management' },
]

/** How far the set-up is: each step marked done or not, and the last one's state. */
export interface SsoProgress {
  readonly named: boolean
  readonly idpConfigured: boolean
  readonly enabled: boolean
}

const Steps: FC<{ slug: string; current: string; configured: boolean; progress: SsoProgress | undefined }> = ({ slug, current, configured, progress }) => {
  const done = [progress?.named, progress?.named, progress?.idpConfigured, progress?.idpConfigured]
  return (
    <nav aria-label="SSO set-up steps" class="steps">
      <ol>
        {STEPS.map((step, i) => (
          <li class={done[i] === true ? 'done' : undefined}>
            {step.path === current
              ? <span aria-current="page">{step.label}</span>
              : i === 0 || configured ? <a href={base(slug) + step.path}>{step.label}</a> : <span class="muted">{step.label}</span>}
            {done[i] === true && <span class="visually-hidden"> (done)</span>}
          </li>
        ))}
        <li class={progress?.enabled === true ? 'done' : undefined}>
          {current === '' ? <span>5. Test and enable</span> : <a href={base(slug)}>5. Test and enable</a>}
          <span class="muted"> {progress?.enabled === true ? '(enabled)' : '(not enabled)'}</span>
        </li>
      </ol>
    </nav>
  )
}

const Frame: FC<SsoPageBase & { title: string; step: string; configured: boolean; children?: Child }> = (p) => (
  <Layout title={`${p.title} · ${p.org.name}`} viewer={p.viewer} csrf={p.csrf} wide notice={p.notice} scripts={['/static/sso-setup.js']}>
    <p class="crumbs"><a href="/dashboard">Dashboard</a> / <a href={`/orgs/${p.org.slug}/members`}>{p.org.name}</a> / <a href={base(p.org.slug)}>Single sign-on</a></p>
    <h1>{p.title}</h1>
    {!p.canEdit && <p class="notice" role="status">You are an admin of {p.org.name}: you can see its single sign-on set-up; only the owner can change it.</p>}
    <Steps slug={p.org.slug} current={p.step} configured={p.configured} progress={p.progress} />
    <FormError message={p.error} />
    {p.children}
  </Layout>
)

/** A value with a copy button (progressive: the button does nothing without JavaScript; the value is selectable). */
const Copyable: FC<{ label: string; value: string; id: string }> = ({ label, value, id }) => (
  <div class="copyable">
    <dt id={`${id}-label`}>{label}</dt>
    <dd>
      <code id={id}>{value}</code>
      <button type="button" class="copy" data-copy-target={id} aria-describedby={`${id}-label`}>Copy</button>
    </dd>
  </div>
)

const SpDetailsList: FC<{ sp: SpDetails; enabled: boolean }> = ({ sp, enabled }) => (
  <dl class="details">
    <Copyable label="SP Entity ID (Audience)" value={sp.entityId} id="sp-entity-id" />
    <Copyable label="Assertion Consumer Service (ACS) URL, HTTP-POST" value={sp.acsUrl} id="sp-acs-url" />
    <Copyable label="SP metadata URL" value={sp.metadataUrl} id="sp-metadata-url" />
    <Copyable label="NameID format" value="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" id="sp-nameid-format" />
    <div class="copyable"><dt>Attributes expected (Basic name format)</dt><dd><code>email</code>, <code>first_name</code>, <code>last_name</code>, optional <code>roles</code></dd></div>
    <div class="copyable"><dt>Signature</dt><dd>RSA-SHA256</dd></div>
    {enabled && <Copyable label="One-click sign-in URL" value={sp.loginUrl} id="sp-login-url" />}
  </dl>
)

export const SsoOverviewPage: FC<SsoOverviewProps> = (p) => {
  const c = p.connection
  const slug = p.org.slug
  return (
    <Frame {...p} title="Single sign-on" step="" configured={c !== undefined}>
      <section class="card" aria-labelledby="status-heading">
        <h2 id="status-heading">Status</h2>
        {c === undefined && <p>Single sign-on is <strong>not set up</strong>. Members sign in with their Gatehouse password.</p>}
        {c !== undefined && c.enabled && (
          <>
            <p><span class="badge ok">Enabled</span> Members sign in through the identity provider (enforcement: <strong>{c.enforcement}</strong>).</p>
            <p>One-click sign-in URL: <a href={c.sp.loginUrl}><code>{c.sp.loginUrl}</code></a></p>
          </>
        )}
        {c !== undefined && !c.enabled && (
          <p><span class="badge subtle">Not enabled</span> {c.idp === undefined ? 'Configure the identity provider (step 3), then test and enable.' : c.tested ? 'The current configuration passed its test: you can enable SSO.' : 'Test the current configuration, then enable.'}</p>
        )}
        {c !== undefined && c.idp !== undefined && p.canEdit && (
          <div class="row actions-row">
            <form method="post" action={`${base(slug)}/test`}>
              <Csrf token={p.csrf} />
              <button type="submit" class={c.enabled || c.tested ? undefined : 'primary'}>Test SSO</button>
            </form>
            {!c.enabled && (
              <form method="post" action={`${base(slug)}/enable`}>
                <Csrf token={p.csrf} />
                <button type="submit" class={c.tested ? 'primary' : undefined} disabled={!c.tested} aria-describedby={c.tested ? undefined : 'enable-why'}>Enable SSO</button>
                {!c.tested && <p class="hint" id="enable-why">Enabling needs a successful test of the current configuration, so nobody is locked out.</p>}
              </form>
            )}
            {c.enabled && (
              <form method="post" action={`${base(slug)}/disable`}>
                <Csrf token={p.csrf} />
                <button type="submit" class="danger" aria-describedby="disable-what">Disable SSO</button>
                <p class="hint" id="disable-what">
                  Members go back to Gatehouse passwords; configuration, members and roles are kept.
                  {c.membersWithoutPassword > 0 && ` ${c.membersWithoutPassword} member${c.membersWithoutPassword === 1 ? ' has' : 's have'} no password yet: they will be emailed to use "Forgot password".`}
                </p>
              </form>
            )}
          </div>
        )}
        {p.warnings !== undefined && p.warnings.length > 0 && <ul class="warnings">{p.warnings.map((w) => <li>{w}</li>)}</ul>}
      </section>

      <section class="card" aria-labelledby="name-heading">
        <h2 id="name-heading">SSO name</h2>
        <p class="muted">Members type it on the sign-in page ("Sign in with SSO"); it is part of every URL below. 3–63 characters: a–z, 0–9 and "-".</p>
        {p.canEdit ? (
          <form method="post" action={`${base(slug)}/name`} novalidate>
            <Csrf token={p.csrf} />
            <Field name="ssoName" label="SSO name" value={p.ssoNameValue ?? c?.ssoName} errors={p.errors} autocomplete="off"
              hint={c !== undefined && c.idp !== undefined ? 'Renaming changes the SP Entity ID and ACS URL: update them in the IdP too.' : undefined} />
            <button type="submit" class="primary">{c === undefined ? 'Create' : 'Rename'}</button>
          </form>
        ) : <p><code>{c?.ssoName ?? 'not chosen yet'}</code></p>}
      </section>

      {c !== undefined && (
        <section class="card" aria-labelledby="sp-heading">
          <h2 id="sp-heading">Service provider details for your IdP</h2>
          <SpDetailsList sp={c.sp} enabled={c.enabled} />
          <p class="row">
            <a class="button" href={`${c.sp.metadataUrl}?download=1`} download>Download SP metadata</a>
            <a class="button" href={c.sp.certificateUrl} download>Download SP certificate</a>
            <a class="button" href={`${base(slug)}/guide`}>Next: set up your IdP</a>
          </p>
        </section>
      )}

      {c?.idp !== undefined && (
        <section class="card" aria-labelledby="idp-summary-heading">
          <div class="card-head">
            <h2 id="idp-summary-heading">Identity provider</h2>
            <a class="button" href={`${base(slug)}/idp`}>{p.canEdit ? 'Change' : 'Details'}</a>
          </div>
          <IdpSummaryList idp={c.idp} />
        </section>
      )}

      <section class="card" aria-labelledby="domains-heading">
        <h2 id="domains-heading">Email domains</h2>
        <p class="muted">A verified domain sends its people straight to your IdP from the sign-in page (they type their work email), and limits just-in-time provisioning to its addresses. Verify it by publishing a DNS TXT record at the domain.</p>
        {p.domains.length > 0 && (
          <div class="table-scroll">
            <table>
              <thead><tr><th scope="col">Domain</th><th scope="col">Status</th><th scope="col">TXT record to publish</th>{p.canEdit && <th scope="col"><span class="visually-hidden">Actions</span></th>}</tr></thead>
              <tbody>
                {p.domains.map((d, i) => (
                  <tr>
                    <td><code>{d.domain}</code></td>
                    <td>{d.verified ? <span class="badge ok">verified{d.verifiedBy === 'operator' ? ' by the operator' : ''}</span> : <span class="badge subtle">pending</span>}</td>
                    <td>{d.verified ? <span class="muted">no longer needed</span> : <>name <code>{d.recordName}</code>, value <code id={`txt-${i}`}>{d.recordValue}</code> <button type="button" class="copy" data-copy-target={`txt-${i}`}>Copy</button></>}</td>
                    {p.canEdit && (
                      <td class="actions">
                        {!d.verified && (
                          <form method="post" action={`${base(slug)}/domains/${encodeURIComponent(d.domain)}/verify`} class="inline">
                            <Csrf token={p.csrf} />
                            <button type="submit">Verify</button>
                          </form>
                        )}
                        <form method="post" action={`${base(slug)}/domains/${encodeURIComponent(d.domain)}/remove`} class="inline">
                          <Csrf token={p.csrf} />
                          <button type="submit" class="danger" aria-label={`Remove ${d.domain}`}>Remove</button>
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
          <form method="post" action={`${base(slug)}/domains`} novalidate class="row">
            <Csrf token={p.csrf} />
            <Field name="domain" label="Add a domain" value={p.domainValue} errors={p.errors} autocomplete="off" hint="For example acme.com. Subdomains are separate domains." />
            <div><button type="submit">Add domain</button></div>
          </form>
        )}
      </section>

      {c !== undefined && (
        <section class="card" aria-labelledby="bind-heading">
          <h2 id="bind-heading">Bind existing users</h2>
          <p>Before the IdP takes over, download every member with their roles today and the attribute values to enter in the IdP, so that everyone keeps their access.</p>
          <a class="button" href={`${base(slug)}/bind-users.csv`} download>Download bind-users.csv</a>
        </section>
      )}
    </Frame>
  )
}

const IdpSummaryList: FC<{ idp: IdpSummary }> = ({ idp }) => (
  <dl class="details">
    <div class="copyable"><dt>Entity ID (issuer)</dt><dd><code>{idp.entityId}</code></dd></div>
    <div class="copyable"><dt>Single sign-on URL ({idp.binding})</dt><dd><code>{idp.ssoUrl}</code></dd></div>
    <div class="copyable"><dt>Signing certificates</dt><dd>
      <ul class="plain">{idp.certificates.map((c) => <li><code>{c.fingerprint}</code> <span class="muted">{c.subject}, valid until {c.notAfter.slice(0, 10)}</span></li>)}</ul>
    </dd></div>
    <div class="copyable"><dt>Signature algorithm</dt><dd>{idp.signatureAlgorithm === 'rsa-sha1' ? 'RSA-SHA1 (weak: switch the IdP to RSA-SHA256)' : 'RSA-SHA256'}</dd></div>
    <div class="copyable"><dt>Configured from</dt><dd>{idp.source === 'metadata-url' ? <>metadata URL <code>{idp.metadataUrl}</code>, re-fetched hourly{idp.metadataRefreshedAt !== undefined && `; last fetched ${idp.metadataRefreshedAt.replace('T', ' ').slice(0, 16)} UTC`}</> : idp.source === 'metadata' ? 'uploaded metadata' : 'fields entered by hand'}</dd></div>
    {idp.metadataRefreshError !== undefined && <div class="copyable"><dt>Last refresh</dt><dd class="error">failed: {idp.metadataRefreshError} (the last good configuration is kept)</dd></div>}
  </dl>
)

export interface IdpGuide {
  readonly id: string
  readonly name: string
  readonly steps: readonly Child[]
  /** What this IdP calls its attribute settings. */
  readonly attributeTerm: string
  readonly attributes: readonly { readonly name: string; readonly value: string }[]
}

export const SsoGuidePage: FC<SsoPageBase & { sp: SpDetails; guides: readonly IdpGuide[]; chosen: string }> = (p) => {
  const guide = p.guides.find((g) => g.id === p.chosen) ?? p.guides[0]!
  return (
    <Frame {...p} title="Set up the app in your IdP" step="/guide" configured>
      <nav aria-label="Identity providers" class="tabs">
        {p.guides.map((g) => g.id === guide.id ? <span aria-current="page">{g.name}</span> : <a href={`${base(p.org.slug)}/guide?idp=${g.id}`}>{g.name}</a>)}
      </nav>
      <section class="card" aria-labelledby="guide-heading">
        <h2 id="guide-heading">{guide.name}</h2>
        <ol class="guide">{guide.steps.map((s) => <li>{s}</li>)}</ol>
      </section>
      <section class="card" aria-labelledby="attributes-heading">
        <h2 id="attributes-heading">Attributes: {guide.attributeTerm}</h2>
        <div class="table-scroll">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Value in {guide.name}</th></tr></thead>
            <tbody>
              {guide.attributes.map((a, i) => (
                <tr>
                  <td><code id={`attr-${i}`}>{a.name}</code> <button type="button" class="copy" data-copy-target={`attr-${i}`} aria-label={`Copy ${a.name}`}>Copy</button></td>
                  <td>{a.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="hint">roles and the workspace attributes are optional: they matter only with role mapping or workspace attributes turned on in step 4. Other attribute names work too: list them in step 4's attribute mapping.</p>
      </section>
      <section class="card" aria-labelledby="values-heading">
        <h2 id="values-heading">Values to paste</h2>
        <SpDetailsList sp={p.sp} enabled={false} />
        <p class="row">
          <a class="button" href={`${p.sp.metadataUrl}?download=1`} download>Download SP metadata</a>
          <a class="button" href={p.sp.certificateUrl} download>Download SP certificate</a>
          <a class="button" href={`${base(p.org.slug)}/idp`}>Next: configure the IdP here</a>
        </p>
      </section>
    </Frame>
  )
}

export interface IdpFormValues {
  readonly mode: 'metadata' | 'url' | 'manual'
  readonly metadataXml?: string
  readonly metadataUrl?: string
  readonly ssoUrl?: string
  readonly entityId?: string
  readonly certificates?: string
  readonly signatureAlgorithm?: string
}

export const SsoIdpPage: FC<SsoPageBase & {
  idp: IdpSummary | undefined; values: IdpFormValues; warnings?: readonly string[] | undefined
  /** Present when the development IdP is on (never in production): offers the one-click set-up. */
  devIdp?: { readonly entityId: string } | undefined
}> = (p) => {
  const action = `${base(p.org.slug)}/idp`
  const v = p.values
  return (
    <Frame {...p} title="Identity provider" step="/idp" configured>
      {p.idp !== undefined && (
        <section class="card" aria-labelledby="current-heading">
          <h2 id="current-heading">Current configuration</h2>
          <IdpSummaryList idp={p.idp} />
        </section>
      )}
      {p.warnings !== undefined && p.warnings.length > 0 && <ul class="warnings" role="status">{p.warnings.map((w) => <li>{w}</li>)}</ul>}
      {p.canEdit && p.devIdp !== undefined && (
        <section class="card dev-idp" aria-labelledby="dev-idp-heading">
          <h2 id="dev-idp-heading">No IdP at hand? Try the development IdP</h2>
          <p class="dev-banner" role="note"><strong>Development IdP — for trying Gatehouse, never for production.</strong> Built into this Gatehouse (it is off in production): it signs in whoever you type, with the roles you choose.</p>
          {p.idp?.entityId === p.devIdp.entityId
            ? <p>This organization already uses the development IdP. Press <strong>Test SSO</strong> on the <a href={base(p.org.slug)}>overview</a>.</p>
            : (
              <form method="post" action={`${action}/dev`}>
                <Csrf token={p.csrf} />
                <button type="submit" class="primary">Use the development IdP</button>
                {p.idp !== undefined && <p class="hint">This replaces the current identity provider.</p>}
              </form>
            )}
        </section>
      )}
      {p.canEdit && (
        <>
          <section class="card" aria-labelledby="metadata-heading">
            <h2 id="metadata-heading">Upload or paste the IdP's metadata</h2>
            <p class="muted">Okta: Sign On tab, "Metadata URL" or "View SAML setup instructions". Entra ID: "Federation Metadata XML". Google: "Download metadata". OneLogin: SSO tab, "More actions → SAML Metadata".</p>
            <form method="post" action={action} novalidate>
              <Csrf token={p.csrf} />
              <input type="hidden" name="mode" value="metadata" />
              <div class="field">
                <label for="f-metadata-file">Metadata file</label>
                <input id="f-metadata-file" type="file" accept=".xml,application/xml,text/xml,application/samlmetadata+xml" data-load-into="f-metadataXml" />
              </div>
              <div class={p.errors?.metadataXml !== undefined ? 'field has-error' : 'field'}>
                <label for="f-metadataXml">Metadata XML</label>
                <textarea id="f-metadataXml" name="metadataXml" rows={8} spellcheck={false} aria-invalid={p.errors?.metadataXml !== undefined ? 'true' : undefined} aria-describedby={p.errors?.metadataXml !== undefined ? 'f-metadataXml-error' : undefined}>{v.mode === 'metadata' ? v.metadataXml ?? '' : ''}</textarea>
                {p.errors?.metadataXml !== undefined && <p class="error" id="f-metadataXml-error">{p.errors.metadataXml}</p>}
              </div>
              <button type="submit" class="primary">Save metadata</button>
            </form>
          </section>
          <section class="card" aria-labelledby="url-heading">
            <h2 id="url-heading">Or give its metadata URL</h2>
            <form method="post" action={action} novalidate>
              <Csrf token={p.csrf} />
              <input type="hidden" name="mode" value="url" />
              <Field name="metadataUrl" label="Metadata URL" type="url" value={v.mode === 'url' ? v.metadataUrl : p.idp?.metadataUrl} errors={p.errors} hint="Fetched now and re-fetched every hour; a failed fetch keeps the last good configuration." />
              <button type="submit" class="primary">Fetch and save</button>
            </form>
          </section>
          <section class="card" aria-labelledby="manual-heading">
            <h2 id="manual-heading">Or enter it by hand</h2>
            <form method="post" action={action} novalidate>
              <Csrf token={p.csrf} />
              <input type="hidden" name="mode" value="manual" />
              <Field name="ssoUrl" label="IdP Single Sign-On URL" type="url" value={v.mode === 'manual' ? v.ssoUrl : undefined} errors={p.errors} hint='Okta "Identity Provider Single Sign-On URL"; Entra "Login URL"; Google "SSO URL".' />
              <Field name="entityId" label="IdP Entity ID (issuer)" value={v.mode === 'manual' ? v.entityId : undefined} errors={p.errors} hint='Okta "Identity Provider Issuer"; Entra "Microsoft Entra Identifier"; Google "Entity ID".' />
              <div class={p.errors?.certificates !== undefined ? 'field has-error' : 'field'}>
                <label for="f-certificates">X.509 signing certificates</label>
                <p class="hint" id="f-certificates-hint">PEM or bare base64. Several during a rollover: paste them one after the other.</p>
                <textarea id="f-certificates" name="certificates" rows={8} spellcheck={false} aria-describedby={p.errors?.certificates !== undefined ? 'f-certificates-hint f-certificates-error' : 'f-certificates-hint'} aria-invalid={p.errors?.certificates !== undefined ? 'true' : undefined}>{v.mode === 'manual' ? v.certificates ?? '' : ''}</textarea>
                {p.errors?.certificates !== undefined && <p class="error" id="f-certificates-error">{p.errors.certificates}</p>}
              </div>
              <div class="field">
                <label for="f-signatureAlgorithm">Signature algorithm</label>
                <select id="f-signatureAlgorithm" name="signatureAlgorithm">
                  <option value="rsa-sha256" selected={v.signatureAlgorithm !== 'rsa-sha1'}>RSA-SHA256</option>
                  <option value="rsa-sha1" selected={v.signatureAlgorithm === 'rsa-sha1'}>RSA-SHA1 (weak; only if the IdP cannot do better)</option>
                </select>
              </div>
              <button type="submit" class="primary">Save</button>
            </form>
          </section>
        </>
      )}
    </Frame>
  )
}

export interface PolicyFormValues {
  readonly enforcement: string
  readonly apiAllowList: string
  readonly sessionTimeoutHours: string
  readonly provisioning: string
  readonly allowIdpInitiated: boolean
  readonly requireEncryptedAssertions: boolean
  readonly attributeMapping: { readonly email: string; readonly firstName: string; readonly lastName: string; readonly roles: string }
  readonly roleMapping: { readonly enabled: boolean; readonly attribute: string; readonly delimiter: string; readonly rules: readonly { idpRole: string; orgRole: string; workspaceRoles: Readonly<Record<string, string>> }[] }
  readonly workspaceAttributes: { readonly enabled: boolean; readonly prefix: string }
}

const Radio: FC<{ name: string; value: string; checked: boolean; label: string; hint: string; disabled: boolean }> = (r) => (
  <div class="choice">
    <input type="radio" id={`f-${r.name}-${r.value}`} name={r.name} value={r.value} checked={r.checked} disabled={r.disabled} aria-describedby={`f-${r.name}-${r.value}-hint`} />
    <label for={`f-${r.name}-${r.value}`}>{r.label}</label>
    <p class="hint" id={`f-${r.name}-${r.value}-hint`}>{r.hint}</p>
  </div>
)

const Check: FC<{ name: string; checked: boolean; label: string; hint?: string; disabled: boolean }> = (c) => (
  <div class="choice">
    <input type="checkbox" id={`f-${c.name}`} name={c.name} checked={c.checked} disabled={c.disabled} aria-describedby={c.hint === undefined ? undefined : `f-${c.name}-hint`} />
    <label for={`f-${c.name}`}>{c.label}</label>
    {c.hint !== undefined && <p class="hint" id={`f-${c.name}-hint`}>{c.hint}</p>}
  </div>
)

const ErrorFor: FC<{ errors: FieldErrors | undefined; name: string }> = ({ errors, name }) =>
  errors?.[name] === undefined ? null : <p class="error" id={`f-${name}-error`} role="alert">{errors[name]}</p>

/** Text or textarea that is read-only for admins. */
const TextArea: FC<{ name: string; label: string; value: string; hint?: string; disabled: boolean; errors: FieldErrors | undefined; rows?: number }> = (t) => (
  <div class={t.errors?.[t.name] !== undefined ? 'field has-error' : 'field'}>
    <label for={`f-${t.name}`}>{t.label}</label>
    {t.hint !== undefined && <p class="hint" id={`f-${t.name}-hint`}>{t.hint}</p>}
    <textarea id={`f-${t.name}`} name={t.name} rows={t.rows ?? 3} disabled={t.disabled} spellcheck={false}
      aria-describedby={[t.hint !== undefined ? `f-${t.name}-hint` : '', t.errors?.[t.name] !== undefined ? `f-${t.name}-error` : ''].filter(Boolean).join(' ') || undefined}
      aria-invalid={t.errors?.[t.name] !== undefined ? 'true' : undefined}>{t.value}</textarea>
    <ErrorFor errors={t.errors} name={t.name} />
  </div>
)

const TextInput: FC<{ name: string; label: string; value: string; hint?: string; disabled: boolean; errors: FieldErrors | undefined; type?: string; min?: number; max?: number }> = (t) => (
  <div class={t.errors?.[t.name] !== undefined ? 'field has-error' : 'field'}>
    <label for={`f-${t.name}`}>{t.label}</label>
    {t.hint !== undefined && <p class="hint" id={`f-${t.name}-hint`}>{t.hint}</p>}
    <input id={`f-${t.name}`} name={t.name} type={t.type ?? 'text'} value={t.value} disabled={t.disabled} min={t.min} max={t.max}
      aria-describedby={[t.hint !== undefined ? `f-${t.name}-hint` : '', t.errors?.[t.name] !== undefined ? `f-${t.name}-error` : ''].filter(Boolean).join(' ') || undefined}
      aria-invalid={t.errors?.[t.name] !== undefined ? 'true' : undefined} />
    <ErrorFor errors={t.errors} name={t.name} />
  </div>
)

/** Blank rule rows offered after the existing ones. */
export const BLANK_RULE_ROWS = 3

export const SsoPolicyPage: FC<SsoPageBase & { values: PolicyFormValues; workspaces: readonly { slug: string; name: string }[]; workspaceRoles: readonly string[] }> = (p) => {
  const v = p.values
  const off = !p.canEdit
  const rules = [...v.roleMapping.rules, ...Array.from({ length: off ? 0 : BLANK_RULE_ROWS }, () => ({ idpRole: '', orgRole: 'member', workspaceRoles: {} }))]
  const delimiters = [[' ', 'space'], [',', 'comma'], [';', 'semicolon']] as const
  const customDelimiter = delimiters.some(([d]) => d === v.roleMapping.delimiter) ? '' : v.roleMapping.delimiter
  return (
    <Frame {...p} title="User management" step="/policy" configured>
      <form method="post" action={`${base(p.org.slug)}/policy`} novalidate>
        <Csrf token={p.csrf} />
        <fieldset aria-describedby={p.errors?.enforcement === undefined ? undefined : 'f-enforcement-error'}>
          <legend>Enforcement once SSO is enabled</legend>
          <Radio name="enforcement" value="optional" checked={v.enforcement === 'optional'} disabled={off} label="Optional" hint="Members may sign in with SSO or their password." />
          <Radio name="enforcement" value="exceptions" checked={v.enforcement === 'exceptions'} disabled={off} label="Required, with exceptions" hint='SSO required, except members marked "allow access without SSO" on the members page.' />
          <Radio name="enforcement" value="strict" checked={v.enforcement === 'strict'} disabled={off} label="Strict" hint="SSO only, no exceptions (the operator can still turn SSO off if the IdP breaks)." />
          <ErrorFor errors={p.errors} name="enforcement" />
        </fieldset>
        <fieldset>
          <legend>API access while SSO is required</legend>
          <TextArea name="apiAllowList" label="API email allow-list" value={v.apiAllowList} disabled={off} errors={p.errors}
            hint="One email per line. These members may still use personal API tokens and API password sign-in (never the password page); under strict nobody else may." />
        </fieldset>
        <fieldset>
          <legend>Sessions and sign-in</legend>
          <TextInput name="sessionTimeoutHours" label="SSO session timeout (hours)" type="number" min={1} max={24} value={v.sessionTimeoutHours} disabled={off} errors={p.errors} hint="1 to 24 hours; every SSO session of this organization ends by then." />
          <Check name="allowIdpInitiated" checked={v.allowIdpInitiated} disabled={off} label="Allow IdP-initiated sign-in" hint="Members may start from the IdP's dashboard tile (Okta, Entra My Apps)." />
          <Check name="requireEncryptedAssertions" checked={v.requireEncryptedAssertions} disabled={off} label="Require encrypted assertions" hint="The IdP must encrypt assertions to the SP certificate; plain ones are refused." />
        </fieldset>
        <fieldset>
          <legend>Provisioning</legend>
          <Radio name="provisioning" value="invite-only" checked={v.provisioning === 'invite-only'} disabled={off} label="Invite-only" hint="Only invited members may sign in." />
          <Radio name="provisioning" value="just-in-time" checked={v.provisioning === 'just-in-time'} disabled={off} label="Just-in-time" hint="Anyone the IdP signs in becomes a member (role member, no workspace roles, unless role mapping says otherwise)." />
          <ErrorFor errors={p.errors} name="provisioning" />
        </fieldset>
        <fieldset>
          <legend>Attribute mapping</legend>
          <p class="hint">Attribute names, one per line; the first present wins.</p>
          <div class="row">
            <TextArea name="attributeMapping.email" label="Email" value={v.attributeMapping.email} disabled={off} errors={p.errors} />
            <TextArea name="attributeMapping.firstName" label="First name" value={v.attributeMapping.firstName} disabled={off} errors={p.errors} />
            <TextArea name="attributeMapping.lastName" label="Last name" value={v.attributeMapping.lastName} disabled={off} errors={p.errors} />
            <TextArea name="attributeMapping.roles" label="Roles" value={v.attributeMapping.roles} disabled={off} errors={p.errors} />
          </div>
          <ErrorFor errors={p.errors} name="attributeMapping" />
        </fieldset>
        <fieldset>
          <legend>IdP role mapping (advanced)</legend>
          <Check name="roleMapping.enabled" checked={v.roleMapping.enabled} disabled={off} label="Roles come from the IdP"
            hint="Recomputed at every SSO sign-in; such members' roles cannot be edited here, and provisioning is just-in-time. The owner is never lowered." />
          <div class="row">
            <TextInput name="roleMapping.attribute" label="Roles attribute" value={v.roleMapping.attribute} disabled={off} errors={p.errors} hint="Multi-valued, or one value split by the delimiter." />
            <div class="field">
              <label for="f-roleMapping.delimiter">Role delimiter</label>
              <select id="f-roleMapping.delimiter" name="roleMapping.delimiter" disabled={off}>
                {delimiters.map(([d, name]) => <option value={d} selected={v.roleMapping.delimiter === d}>{name}</option>)}
                <option value="other" selected={customDelimiter !== ''}>another character…</option>
              </select>
            </div>
            <TextInput name="roleMapping.delimiterOther" label="Other delimiter" value={customDelimiter} disabled={off} errors={p.errors} hint="One character, used when “another character” is chosen." />
          </div>
          <div class="table-scroll">
            <table>
              <caption>Rules: IdP role → org role and workspace roles. Several matching rules combine to the highest roles.</caption>
              <thead><tr><th scope="col">IdP role</th><th scope="col">Org role</th>{p.workspaces.map((w) => <th scope="col">{w.name}</th>)}{!off && <th scope="col">Remove</th>}</tr></thead>
              <tbody>
                {rules.map((rule, i) => (
                  <tr>
                    <td><input name={`rule.${i}.idpRole`} value={rule.idpRole} aria-label={`IdP role of rule ${i + 1}`} disabled={off} /></td>
                    <td>
                      <select name={`rule.${i}.orgRole`} aria-label={`Org role of rule ${i + 1}`} disabled={off}>
                        {['member', 'admin'].map((r) => <option value={r} selected={rule.orgRole === r}>{r}</option>)}
                      </select>
                    </td>
                    {p.workspaces.map((w) => (
                      <td>
                        <select name={`rule.${i}.ws.${w.slug}`} aria-label={`${w.name} role of rule ${i + 1}`} disabled={off}>
                          <option value="" selected={ownValue(rule.workspaceRoles, w.slug) === undefined}>no access</option>
                          {p.workspaceRoles.map((r) => <option value={r} selected={ownValue(rule.workspaceRoles, w.slug) === r}>{r}</option>)}
                        </select>
                      </td>
                    ))}
                    {!off && <td>{i < v.roleMapping.rules.length && <input type="checkbox" name={`rule.${i}.remove`} aria-label={`Remove rule ${i + 1}`} />}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="hint">To add a rule, fill in an empty row; to remove one, tick Remove (or clear its IdP role), then save.</p>
          <ErrorFor errors={p.errors} name="roleMapping" />
        </fieldset>
        <fieldset>
          <legend>Per-workspace role attributes</legend>
          <Check name="workspaceAttributes.enabled" checked={v.workspaceAttributes.enabled} disabled={off} label="Read one attribute per workspace"
            hint='Attribute "<prefix><workspace>" valued with a role name or {"role":"editor"}; {} or noaccess removes access.' />
          <TextInput name="workspaceAttributes.prefix" label="Attribute prefix" value={v.workspaceAttributes.prefix} disabled={off} errors={p.errors} />
          <ErrorFor errors={p.errors} name="workspaceAttributes" />
        </fieldset>
        {p.canEdit && <button type="submit" class="primary">Save user management</button>}
      </form>
    </Frame>
  )
}

export interface SsoTestPageProps extends SsoPageBase {
  readonly testId: string
  readonly ssoName: string
  readonly createdAt: string
  readonly current: boolean
  readonly enabled: boolean
  readonly loginUrl: string
  readonly result: {
    readonly passed: boolean
    readonly failure?: { readonly code: string; readonly hint: string; readonly fields: readonly [string, string][] } | undefined
    readonly nameId?: string | undefined
    readonly nameIdFormat?: string | undefined
    readonly email?: string | undefined
    readonly access?: string | undefined
    readonly attributes?: Readonly<Record<string, readonly string[]>> | undefined
    readonly signedParts?: string | undefined
    readonly signatureAlgorithm?: string | undefined
    readonly idpRoles: readonly string[]
    readonly rolesAttribute?: string | undefined
    readonly currentRoles?: { readonly orgRole: string; readonly workspaceRoles: Readonly<Record<string, string>> } | undefined
    readonly mappedRoles?: { readonly orgRole: string; readonly workspaceRoles: Readonly<Record<string, string>>; readonly matchedRules: readonly string[] } | undefined
    readonly warnings: readonly string[]
    readonly responseXml: readonly XmlLine[] | string
    readonly decryptedAssertionXml?: readonly XmlLine[] | string | undefined
    /** Elements whose lines the tracer marks as the failed check. */
    readonly mark: readonly string[]
    readonly markValue?: string | undefined
  } | undefined
}

const RolesText: FC<{ roles: { orgRole: string; workspaceRoles: Readonly<Record<string, string>> } }> = ({ roles }) => {
  const ws = Object.entries(roles.workspaceRoles)
  return <>org role <strong>{roles.orgRole}</strong>{'; '}{ws.length === 0 ? 'no workspace roles' : ws.map(([slug, role], i) => <>{i > 0 && ', '}<code>{slug}</code>: {role}</>)}</>
}

export const SsoTestPage: FC<SsoTestPageProps> = (p) => {
  const r = p.result
  return (
    <Frame {...p} title="SSO test result" step="test" configured>
      <p class="muted">Test of <code>{p.ssoName}</code> started {p.createdAt.replace('T', ' ').slice(0, 19)} UTC. Nobody was signed in or provisioned; only you can see this page.</p>
      {r === undefined && <section class="card"><p>Waiting for the identity provider's answer. If you closed the IdP's page, start a new test.</p></section>}
      {r !== undefined && (
        <section class={r.passed ? 'card result ok' : 'card result failed'} aria-labelledby="verdict">
          <h2 id="verdict">{r.passed ? 'Success: the IdP signed you in correctly' : `Failed: ${r.failure?.code ?? 'unknown'}`}</h2>
          {r.failure !== undefined && (
            <>
              <p><strong>How to fix it:</strong> {r.failure.hint}</p>
              {r.failure.fields.length > 0 && <dl class="details">{r.failure.fields.map(([k, val]) => <div class="copyable"><dt>{k}</dt><dd><code>{val}</code></dd></div>)}</dl>}
            </>
          )}
          {r.passed && !p.current && <p class="alert">The IdP configuration changed since this test: test again before enabling.</p>}
          {r.passed && p.current && !p.enabled && p.canEdit && (
            <form method="post" action={`${base(p.org.slug)}/enable`}>
              <Csrf token={p.csrf} />
              <button type="submit" class="primary">Enable SSO</button>
            </form>
          )}
          {p.enabled && <p>SSO is enabled. One-click sign-in URL: <code>{p.loginUrl}</code></p>}
        </section>
      )}
      {r !== undefined && r.warnings.length > 0 && (
        <section class="card" aria-labelledby="warnings-heading">
          <h2 id="warnings-heading">Warnings</h2>
          <ul class="warnings">{r.warnings.map((w) => <li>{w}</li>)}</ul>
        </section>
      )}
      {r?.nameId !== undefined && (
        <section class="card" aria-labelledby="who-heading">
          <h2 id="who-heading">Who the IdP said you are</h2>
          <dl class="details">
            <div class="copyable"><dt>NameID</dt><dd><code>{r.nameId}</code>{r.nameIdFormat !== undefined && <span class="muted"> ({r.nameIdFormat})</span>}</dd></div>
            {r.email !== undefined && <div class="copyable"><dt>Email used</dt><dd><code>{r.email}</code></dd></div>}
            {r.access !== undefined && <div class="copyable"><dt>A real sign-in would</dt><dd>{r.access === 'member' ? 'sign in this existing member' : r.access === 'provisioned' ? 'create this member (just-in-time provisioning)' : 'refuse this user (not a member; invite-only)'}</dd></div>}
            {r.signedParts !== undefined && <div class="copyable"><dt>Signed</dt><dd>{r.signedParts}, {r.signatureAlgorithm}</dd></div>}
          </dl>
        </section>
      )}
      {r?.attributes !== undefined && (
        <section class="card" aria-labelledby="attributes-heading">
          <h2 id="attributes-heading">Attributes received ({Object.keys(r.attributes).length})</h2>
          {Object.keys(r.attributes).length === 0 ? <p class="muted">None.</p> : (
            <div class="table-scroll">
              <table>
                <thead><tr><th scope="col">Name</th><th scope="col">Values</th></tr></thead>
                <tbody>{Object.entries(r.attributes).map(([name, values]) => <tr><td><code>{name}</code></td><td>{values.map((val, i) => <>{i > 0 && <br />}<code>{val}</code></>)}</td></tr>)}</tbody>
              </table>
            </div>
          )}
        </section>
      )}
      {r?.nameId !== undefined && (
        <section class="card" aria-labelledby="roles-heading">
          <h2 id="roles-heading">Roles</h2>
          <dl class="details">
            <div class="copyable"><dt>IdP roles received{r.rolesAttribute !== undefined && <> (attribute <code>{r.rolesAttribute}</code>)</>}</dt><dd>{r.idpRoles.length === 0 ? <span class="muted">none</span> : r.idpRoles.map((role, i) => <>{i > 0 && ', '}<code>{role}</code></>)}</dd></div>
            {r.currentRoles !== undefined && <div class="copyable"><dt>Roles in Gatehouse today</dt><dd><RolesText roles={r.currentRoles} /></dd></div>}
            {r.mappedRoles !== undefined
              ? <div class="copyable"><dt>Roles after this sign-in</dt><dd><RolesText roles={r.mappedRoles} />{r.mappedRoles.matchedRules.length > 0 && <span class="muted"> (rules matched: {r.mappedRoles.matchedRules.join(', ')})</span>}</dd></div>
              : <div class="copyable"><dt>Roles after this sign-in</dt><dd>unchanged: role mapping and workspace attributes are off{r.access === 'provisioned' && ' (a new member gets org role member and no workspace roles)'}</dd></div>}
          </dl>
        </section>
      )}
      {r !== undefined && r.responseXml !== '' && (
        <section class="card" aria-labelledby="xml-heading">
          <h2 id="xml-heading">The SAML response, decoded</h2>
          <XmlTrace lines={r.responseXml} mark={r.decryptedAssertionXml === undefined ? r.mark : r.mark.filter((m) => m === 'Response' || m === 'EncryptedAssertion')} markValue={r.markValue} label="The SAML response" />
          {r.decryptedAssertionXml !== undefined && (
            <>
              <h3>The encrypted assertion, decrypted</h3>
              <XmlTrace lines={r.decryptedAssertionXml} mark={r.mark} markValue={r.markValue} label="The decrypted assertion" />
            </>
          )}
        </section>
      )}
      <p class="row"><a class="button" href={base(p.org.slug)}>Back to single sign-on</a></p>
    </Frame>
  )
}
