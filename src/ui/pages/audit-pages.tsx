/**
 * The org's audit log for owners and admins: newest first, filtered by kind, paged; failed SSO
 * sign-ins show their reason, and (for the owner) a link to the SAML tracer of the refused response.
 */
import type { FC } from 'hono/jsx'
import type { XmlLine } from '../../saml/pretty-xml.js'
import { Breakable } from '../breakable.js'
import { Layout, type Viewer } from '../layout.js'
import { XmlTrace } from '../xml-trace.js'
import { auditEventName } from './audit-event-names.js'
import { Crumbs } from '../crumbs.js'

export const AUDIT_KINDS: readonly { readonly value: string; readonly label: string }[] = [
  { value: '', label: 'Everything' },
  { value: 'sso', label: 'Single sign-on' },
  { value: 'member', label: 'Members' },
  { value: 'invitation', label: 'Invitations' },
  { value: 'domain', label: 'Email domains' },
  { value: 'token', label: 'API tokens' },
  { value: 'directory', label: 'Directory sync' },
  { value: 'workspace', label: 'Workspaces' },
  { value: 'org', label: 'Organization' },
]

export interface AuditRow {
  readonly at: string
  /** As stored: `operator`, `user:<email>` or `system:<name>`. */
  readonly actor: string
  readonly action: string
  readonly target: string | null
  /** One line per field: the field's name and what it became (or why a sign-in failed). */
  readonly details: readonly (readonly [string, string])[]
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

/** Who did it, as a person reads it: the user's email, "operator", or the part of Gatehouse (SAML sign-in, …). */
const Who: FC<{ actor: string }> = ({ actor }) => {
  if (actor.startsWith('user:')) return <Breakable text={actor.slice('user:'.length)} />
  if (actor.startsWith('system:'))
    return (
      <>
        Gatehouse <span class="muted">({actor.slice('system:'.length)})</span>
      </>
    )
  return <>{actor}</>
}

const What: FC<{ action: string; target: string | null }> = ({ action, target }) => {
  const name = auditEventName(action)
  return (
    <>
      {name !== undefined && <span class="event">{name}</span>} <code class="event-code">{action}</code>
      {target !== null && (
        <span class="target muted">
          <Breakable text={target} />
        </span>
      )}
    </>
  )
}

export const AuditPage: FC<AuditPageProps> = (p) => (
  <Layout title={`Audit log · ${p.org.name}`} viewer={p.viewer} csrf={p.csrf} wide>
    <Crumbs org={p.org} trail={[['Audit log']]} />
    <h1>Audit log</h1>
    <form method="get" action={`/orgs/${p.org.slug}/audit`} class="filter">
      <label for="f-kind">Show</label>
      <select id="f-kind" name="kind">
        {AUDIT_KINDS.map((k) => (
          <option value={k.value} selected={k.value === p.kind}>
            {k.label}
          </option>
        ))}
      </select>
      <button type="submit">Filter</button>
    </form>
    <section class="card" aria-labelledby="events-heading">
      <h2 id="events-heading" class="visually-hidden">
        Events
      </h2>
      {p.rows.length === 0 ? (
        <p class="muted">No events.</p>
      ) : (
        <table class="audit stack">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => (
              <tr class={r.action === 'sso.sign_in_failed' ? 'failed-row' : undefined}>
                <td data-label="When">
                  <time datetime={r.at}>{r.at.replace('T', ' ').slice(0, 19)}</time>
                </td>
                <td data-label="Who" class="who">
                  <Who actor={r.actor} />
                </td>
                <td data-label="What" class="what">
                  <What action={r.action} target={r.target} />
                </td>
                <td data-label="Details">
                  {r.details.length > 0 && (
                    <dl class="changes">
                      {r.details.map(([k, v]) => (
                        <>
                          <dt>{k}</dt>
                          <dd>
                            <Breakable text={v} />
                          </dd>
                        </>
                      ))}
                    </dl>
                  )}
                  {(r.reference !== undefined || r.traceHref !== undefined) && (
                    <p class="trace">
                      {r.reference !== undefined && (
                        <>
                          Reference <code>{r.reference}</code>
                        </>
                      )}
                      {r.traceHref !== undefined && (
                        <>
                          {' '}
                          · <a href={r.traceHref}>Show the response</a>
                        </>
                      )}
                    </p>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="row pager" aria-label="Pages">
        {p.firstHref !== undefined && (
          <a class="button" href={p.firstHref}>
            Newest
          </a>
        )}
        {p.nextHref !== undefined && (
          <a class="button" href={p.nextHref}>
            Older
          </a>
        )}
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
    <Crumbs org={p.org} trail={[['Audit log', `/orgs/${p.org.slug}/audit?kind=sso`], [p.reference]]} />
    <h1>Failed SSO sign-in</h1>
    <section class="card result failed" aria-labelledby="verdict">
      <h2 id="verdict">Failed: {p.code}</h2>
      <p class="muted">
        Reference <code>{p.reference}</code>, <time datetime={p.at}>{p.at.replace('T', ' ').slice(0, 19)} UTC</time>. The response below was refused and is
        shown as it arrived (never trusted).
      </p>
      <p>
        <strong>How to fix it:</strong> {p.hint}
      </p>
      {p.fields.length > 0 && (
        <dl class="details">
          {p.fields.map(([k, v]) => (
            <div class="copyable">
              <dt>{k}</dt>
              <dd>
                <code>{v}</code>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
    <section class="card" aria-labelledby="xml-heading">
      <h2 id="xml-heading">The SAML response, decoded</h2>
      <XmlTrace lines={p.lines} mark={p.mark} markValue={p.markValue} label="The refused SAML response" />
    </section>
  </Layout>
)
