/**
 * The org's audit log for owners and admins: newest first, filtered by kind, paged; failed SSO
 * sign-ins show their reason, and (for the owner) a link to the SAML tracer of the refused response.
 */
import type { FC } from 'hono/jsx'
import type { XmlLine } from '../../saml/pretty-xml.js'
import { Select } from '../form.js'
import { Layout, type Viewer } from '../layout.js'
import { XmlTrace } from '../xml-trace.js'

export const AUDIT_KINDS: readonly { readonly value: string; readonly label: string }[] = [
  { value: '', label: 'Everything' },
  { value: 'sso', label: 'Single sign-on' },
  { value: 'member', label: 'Members' },
  { value: 'invitation', label: 'Invitations' },
  { value: 'domain', label: 'Email domains' },
  { value: 'token', label: 'API tokens' },
  { value: 'workspace', label: 'Workspaces' },
  { value: 'organization', label: 'Organization' },
]

export interface AuditRow {
  readonly at: string
  readonly actor: string
  readonly action: string
  readonly target: string | null
  readonly summary: string
  /** For failed SSO sign-ins whose response was kept: the tracer link (owners only). */
  readonly traceHref?: string | undefined
  readonly reference?: string | undefined
}

export interface AuditPageProps {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { readonly name: string; readonly slug: string }
  readonly kind: string
  readonly rows: readonly AuditRow[]
  readonly nextHref: string | undefined
  readonly firstHref: string | undefined
}

export const AuditPage: FC<AuditPageProps> = (p) => (
  <Layout title={`Audit log · ${p.org.name}`} viewer={p.viewer} csrf={p.csrf} wide>
    <p class="crumbs"><a href="/dashboard">Dashboard</a> / <a href={`/orgs/${p.org.slug}/members`}>{p.org.name}</a> / Audit log</p>
    <h1>Audit log</h1>
    <form method="get" action={`/orgs/${p.org.slug}/audit`} class="row filter">
      <Select name="kind" label="Show">
        {AUDIT_KINDS.map((k) => <option value={k.value} selected={k.value === p.kind}>{k.label}</option>)}
      </Select>
      <div><button type="submit">Filter</button></div>
    </form>
    <section class="card" aria-labelledby="events-heading">
      <h2 id="events-heading" class="visually-hidden">Events</h2>
      {p.rows.length === 0 ? <p class="muted">No events.</p> : (
        <div class="table-scroll">
          <table class="audit">
            <thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Details</th></tr></thead>
            <tbody>
              {p.rows.map((r) => (
                <tr class={r.action === 'sso.sign_in_failed' ? 'failed-row' : undefined}>
                  <td><time datetime={r.at}>{r.at.replace('T', ' ').slice(0, 19)}</time></td>
                  <td>{r.actor}</td>
                  <td><code>{r.action}</code>{r.target !== null && <><br /><span class="muted">{r.target}</span></>}</td>
                  <td>
                    <span class="summary">{r.summary}</span>
                    {r.reference !== undefined && <><br />Reference <code>{r.reference}</code></>}
                    {r.traceHref !== undefined && <> · <a href={r.traceHref}>Show the response</a></>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="row pager" aria-label="Pages">
        {p.firstHref !== undefined && <a class="button" href={p.firstHref}>Newest</a>}
        {p.nextHref !== undefined && <a class="button" href={p.nextHref}>Older</a>}
      </nav>
    </section>
  </Layout>
)

export interface FailedSignInPageProps {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { readonly name: string; readonly slug: string }
  readonly reference: string
  readonly at: string
  readonly code: string
  readonly hint: string
  readonly fields: readonly [string, string][]
  readonly lines: readonly XmlLine[] | string
  readonly mark: readonly string[]
  readonly markValue: string | undefined
}

export const FailedSignInPage: FC<FailedSignInPageProps> = (p) => (
  <Layout title={`Failed sign-in ${p.reference} · ${p.org.name}`} viewer={p.viewer} csrf={p.csrf} wide>
    <p class="crumbs"><a href="/dashboard">Dashboard</a> / <a href={`/orgs/${p.org.slug}/audit?kind=sso`}>Audit log</a> / {p.reference}</p>
    <h1>Failed SSO sign-in</h1>
    <section class="card result failed" aria-labelledby="verdict">
      <h2 id="verdict">Failed: {p.code}</h2>
      <p class="muted">Reference <code>{p.reference}</code>, <time datetime={p.at}>{p.at.replace('T', ' ').slice(0, 19)} UTC</time>. The response below was refused and is shown as it arrived (never trusted).</p>
      <p><strong>How to fix it:</strong> {p.hint}</p>
      {p.fields.length > 0 && <dl class="details">{p.fields.map(([k, v]) => <div class="copyable"><dt>{k}</dt><dd><code>{v}</code></dd></div>)}</dl>}
    </section>
    <section class="card" aria-labelledby="xml-heading">
      <h2 id="xml-heading">The SAML response, decoded</h2>
      <XmlTrace lines={p.lines} mark={p.mark} markValue={p.markValue} label="The refused SAML response" />
    </section>
  </Layout>
)
