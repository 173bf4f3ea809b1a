/** The signed-in user's organizations, workspaces and roles. */
import type { FC } from 'hono/jsx'
import { Layout, type Viewer } from '../layout.js'

export interface DashboardOrg {
  readonly name: string
  readonly slug: string
  readonly role: string
  readonly current: boolean
  readonly workspaces: readonly { name: string; slug: string; role: string | undefined }[]
  readonly canManage: boolean
}

export const DashboardPage: FC<{ viewer: Viewer; csrf: string; orgs: readonly DashboardOrg[]; authMethod: string; sessionEndsAt: string }> = (p) => (
  <Layout title="Dashboard" viewer={p.viewer} csrf={p.csrf} wide>
    <h1>Welcome, {p.viewer.name}</h1>
    <p class="muted">
      Signed in as {p.viewer.email} with {p.authMethod === 'saml' ? 'single sign-on' : 'a password'}; this session ends by{' '}
      <time datetime={p.sessionEndsAt}>{p.sessionEndsAt.replace('T', ' ').slice(0, 16)} UTC</time>.
    </p>
    {p.orgs.length === 0 && <p class="card">You are not a member of any organization yet. Ask an owner to invite you.</p>}
    {p.orgs.map((org) => (
      <section class="card" aria-labelledby={`org-${org.slug}`}>
        <div class="card-head">
          <h2 id={`org-${org.slug}`}>
            {org.name} <span class="badge">{org.role}</span>
            {org.current && <span class="badge subtle">this session</span>}
          </h2>
          <div class="row">
            <a class="button" href={`/orgs/${org.slug}/tokens`}>
              API tokens
            </a>
            {org.canManage && (
              <a class="button" href={`/orgs/${org.slug}/members`}>
                Manage members
              </a>
            )}
            {org.canManage && (
              <a class="button" href={`/orgs/${org.slug}/sso`}>
                Single sign-on
              </a>
            )}
            {org.canManage && (
              <a class="button" href={`/orgs/${org.slug}/directory`}>
                Directory
              </a>
            )}
            {org.canManage && (
              <a class="button" href={`/orgs/${org.slug}/audit`}>
                Audit log
              </a>
            )}
          </div>
        </div>
        {org.workspaces.length === 0 ? (
          <p class="muted">This organization has no workspaces yet.</p>
        ) : (
          <table>
            <caption class="visually-hidden">Workspaces of {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col">Your role</th>
              </tr>
            </thead>
            <tbody>
              {org.workspaces.map((w) => (
                <tr>
                  <td>
                    {w.name} <span class="muted">({w.slug})</span>
                  </td>
                  <td>{w.role ?? <span class="muted">no access</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    ))}
  </Layout>
)
