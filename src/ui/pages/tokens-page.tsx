/** The viewer's personal API tokens in one org: create (the secret shown once), list, revoke. */
import type { FC } from 'hono/jsx'
import { Copyable, Csrf, Field, FormError, Select, type FieldErrors } from '../form.js'
import { Layout, type Viewer } from '../layout.js'
import { Crumbs } from '../crumbs.js'

export interface TokenRow {
  readonly id: string
  readonly name: string
  readonly createdAt: string
  readonly lastUsedAt: string | null
  readonly expiresAt: string | null
  readonly expired: boolean
}

export interface TokensPageProps {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { name: string; slug: string }
  /** GATEHOUSE_BASE_URL, for the example request under a new token. */
  readonly baseUrl: string
  readonly tokens: readonly TokenRow[]
  /** False when the org's SSO policy does not let this member use personal tokens. */
  readonly allowed: boolean
  /** A token just created: its secret, shown on this page only. */
  readonly created?: { name: string; secret: string } | undefined
  readonly notice?: string | undefined
  readonly error?: string | undefined
  readonly fieldErrors?: FieldErrors | undefined
  readonly name?: string | undefined
}

export const EXPIRY_CHOICES: readonly { value: string; label: string }[] = [
  { value: '30', label: '30 days' },
  { value: '7', label: '7 days' },
  { value: '90', label: '90 days' },
  { value: '366', label: '1 year' },
  { value: '', label: 'No expiry' },
]

const When: FC<{ iso: string | null; none: string }> = ({ iso, none }) =>
  iso === null ? <span class="muted">{none}</span> : <time datetime={iso}>{iso.replace('T', ' ').slice(0, 16)} UTC</time>

export const TokensPage: FC<TokensPageProps> = (p) => {
  const base = `/orgs/${p.org.slug}/tokens`
  return (
    <Layout
      title={`API tokens · ${p.org.name}`}
      viewer={p.viewer}
      csrf={p.csrf}
      wide
      notice={p.notice}
      scripts={p.created === undefined ? undefined : ['/static/sso-setup.js']}
    >
      <Crumbs org={p.org} trail={[['Personal API tokens']]} />
      <h1>Personal API tokens</h1>
      <p class="muted">
        A token acts as you in {p.org.name} on Gatehouse's member API (<code>Authorization: Bearer …</code>). Treat it like a password.
      </p>
      <FormError message={p.error} />
      {p.created !== undefined && (
        <section class="card" aria-labelledby="created-heading">
          <h2 id="created-heading">Token “{p.created.name}” created</h2>
          <p>Copy it now: it will not be shown again.</p>
          <dl class="details">
            <Copyable label="Your new token" value={p.created.secret} id="new-token" />
            <Copyable label="Try it" value={`curl -H "Authorization: Bearer ${p.created.secret}" ${p.baseUrl}/api/v1/me`} id="new-token-curl" />
          </dl>
        </section>
      )}
      {!p.allowed && (
        <p class="alert" role="alert">
          {p.org.name} requires single sign-on: its policy does not allow you personal API tokens, so you cannot create any and those below do not work.
        </p>
      )}
      <section class="card" aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">{p.tokens.length === 0 ? 'No tokens yet' : `${p.tokens.length} token${p.tokens.length === 1 ? '' : 's'}`}</h2>
        {p.tokens.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.tokens.map((t) => (
                <tr>
                  <td>
                    {t.name}
                    {t.expired && <span class="badge subtle">expired</span>}
                  </td>
                  <td>
                    <When iso={t.createdAt} none="" />
                  </td>
                  <td>
                    <When iso={t.lastUsedAt} none="never" />
                  </td>
                  <td>
                    <When iso={t.expiresAt} none="never" />
                  </td>
                  <td class="actions">
                    <form method="post" action={`${base}/${t.id}/revoke`} class="inline">
                      <Csrf token={p.csrf} />
                      <button type="submit" class="danger" aria-label={`Revoke the token ${t.name}`}>
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {p.allowed && (
        <section class="card" aria-labelledby="create-heading">
          <h2 id="create-heading">Create a token</h2>
          <form method="post" action={base} novalidate>
            <Csrf token={p.csrf} />
            <div class="row">
              <Field
                name="name"
                label="Name"
                value={p.name}
                errors={p.fieldErrors}
                hint="What it is for, e.g. “CI deploys”: 1–100 characters."
                autocomplete="off"
              />
              <Select name="expiresInDays" label="Expires after">
                {EXPIRY_CHOICES.map((c) => (
                  <option value={c.value}>{c.label}</option>
                ))}
              </Select>
            </div>
            <button type="submit" class="primary">
              Create token
            </button>
          </form>
        </section>
      )}
    </Layout>
  )
}
