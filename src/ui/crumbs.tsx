/**
 * Breadcrumbs, one pattern on every org page: Dashboard / {organization} / {section} / {item}. The
 * organization links to its members page (the org's home); the last crumb is the page itself.
 */
import type { FC } from 'hono/jsx'

/** A crumb after the organization: a label, and a link unless it is the page itself. */
export type Crumb = readonly [label: string, href?: string]

export const Crumbs: FC<{ org: { readonly name: string; readonly slug: string }; trail: readonly Crumb[] }> = ({ org, trail }) => (
  <nav class="crumbs" aria-label="Breadcrumb">
    <a href="/dashboard">Dashboard</a> / <a href={`/orgs/${org.slug}/members`}>{org.name}</a>
    {trail.map(([label, href], i) => (
      <>
        {' / '}
        {href === undefined ? <span aria-current={i === trail.length - 1 ? 'page' : undefined}>{label}</span> : <a href={href}>{label}</a>}
      </>
    ))}
  </nav>
)
