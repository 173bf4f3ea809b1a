/**
 * Set-up links (DESIGN §2): the owner's page to send one, see the live ones and revoke them, and the
 * home page of the person who opened one (whose organization, who sent it, what it opens).
 */
import type { FC } from 'hono/jsx'
import { Crumbs } from '../crumbs.js'
import { Checkbox, Copyable, Csrf, FormError, GroupError, Select, type FieldErrors } from '../form.js'
import { Layout, type SetupLinkBanner, type Viewer } from '../layout.js'
import { When } from './directory-tables.js'

export interface SetupLinkRow {
  readonly id: string
  readonly scopes: readonly string[]
  readonly createdBy: string
  readonly createdAt: string
  readonly expiresAt: string
}

export interface SetupLinksPageProps {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { readonly name: string; readonly slug: string }
  readonly links: readonly SetupLinkRow[]
  /** A link just made: its URL, in this answer only. */
  readonly created?: { readonly url: string; readonly expiresAt: string } | undefined
  readonly notice?: string | undefined
  readonly error?: string | undefined
  readonly errors?: FieldErrors | undefined
}

const SCOPE_LABELS: Record<string, string> = {
  sso: 'Single sign-on set-up',
  directory: 'Directory sync',
  policy: 'SSO user management',
}

const SCOPE_HINTS: Record<string, string> = {
  sso: 'SSO name, service provider details, IdP guides, identity provider, test and enable.',
  directory: 'Create the SCIM directory, its tokens, and see the IdP’s requests.',
  policy: 'Enforcement, role mapping and the API allow-list. Leave unticked to keep them yours.',
}

const EXPIRY_DAYS = [1, 3, 7, 14, 30] as const

const Created: FC<{ url: string; expiresAt: string }> = ({ url, expiresAt }) => (
  <section class="card" aria-labelledby="created-heading">
    <h2 id="created-heading">Your new set-up link</h2>
    <p class="warning" role="note">
      Copy the link now: it will not be shown again. Send it to your IT admin only: anyone with it can change what it opens until it expires or you revoke it.
    </p>
    <dl class="details">
      <Copyable label="Set-up link" value={url} id="new-setup-link" breakable />
    </dl>
    <p class="hint">
      It expires <When iso={expiresAt} none="" />.
    </p>
  </section>
)

const CreateForm: FC<{ p: SetupLinksPageProps }> = ({ p }) => (
  <section class="card" aria-labelledby="create-heading">
    <h2 id="create-heading">Send your IT admin a link</h2>
    <p>
      The person who manages your identity provider does not need a Gatehouse account: a set-up link opens the set-up pages you choose, and nothing else (no
      members, tokens or audit log). Everything done through it is recorded in the audit log, and you get an email when they finish.
    </p>
    <form method="post" action={`/orgs/${p.org.slug}/setup-links`}>
      <Csrf token={p.csrf} />
      <fieldset aria-describedby={p.errors?.scope === undefined ? undefined : 'f-scope-error'}>
        <legend>What the link opens</legend>
        <GroupError errors={p.errors} name="scope" />
        {(['sso', 'directory', 'policy'] as const).map((scope) => (
          <Checkbox name={`scope_${scope}`} checked={scope !== 'policy'} label={SCOPE_LABELS[scope]!} hint={SCOPE_HINTS[scope]} />
        ))}
      </fieldset>
      <Select name="expiresInDays" label="Expires after">
        {EXPIRY_DAYS.map((d) => (
          <option value={String(d)} selected={d === 7}>
            {d === 1 ? '1 day' : `${d} days`}
          </option>
        ))}
      </Select>
      <button type="submit">Create link</button>
    </form>
  </section>
)

const LinkTable: FC<{ p: SetupLinksPageProps }> = ({ p }) => (
  <table class="stack">
    <thead>
      <tr>
        <th scope="col">Opens</th>
        <th scope="col">Created by</th>
        <th scope="col">Expires</th>
        <th scope="col">
          <span class="visually-hidden">Actions</span>
        </th>
      </tr>
    </thead>
    <tbody>
      {p.links.map((l) => (
        <tr>
          <td data-label="Opens">{l.scopes.map((s) => SCOPE_LABELS[s] ?? s).join(', ')}</td>
          <td data-label="Created by">{l.createdBy.replace(/^user:/, '')}</td>
          <td data-label="Expires">
            <When iso={l.expiresAt} none="" />
          </td>
          <td class="actions" data-label="">
            <form method="post" action={`/orgs/${p.org.slug}/setup-links/${l.id}/revoke`} class="inline">
              <Csrf token={p.csrf} />
              <button type="submit" class="danger" aria-label={`Revoke the set-up link created ${l.createdAt.replace('T', ' ').slice(0, 16)}`}>
                Revoke
              </button>
            </form>
          </td>
        </tr>
      ))}
    </tbody>
  </table>
)

export const SetupLinksPage: FC<SetupLinksPageProps> = (p) => (
  <Layout title={`Set-up links · ${p.org.name}`} viewer={p.viewer} csrf={p.csrf} wide notice={p.notice} scripts={['/static/sso-setup.js']}>
    <Crumbs org={p.org} trail={[['Set-up links']]} />
    <h1>Set-up links</h1>
    <FormError message={p.error} />
    {p.created !== undefined && <Created url={p.created.url} expiresAt={p.created.expiresAt} />}
    <CreateForm p={p} />
    <section class="card" aria-labelledby="live-heading">
      <h2 id="live-heading">Live links</h2>
      {p.links.length === 0 ? <p class="muted">None. Links drop out of this list when they expire or are revoked.</p> : <LinkTable p={p} />}
    </section>
  </Layout>
)

/** Where a link lands once its secret is out of the address bar. */
export const SetupLinkHomePage: FC<{ link: SetupLinkBanner; slug: string }> = ({ link, slug }) => (
  <Layout title={`Set up ${link.orgName}`} setupLink={link}>
    <h1>Set up {link.orgName}</h1>
    <p>
      {link.sentBy.charAt(0).toUpperCase() + link.sentBy.slice(1)} asked you to connect {link.orgName}’s identity provider to Gatehouse. You need no Gatehouse
      account: this browser stays signed in to these set-up pages until the time above, or until the link is revoked.
    </p>
    <ul class="link-list">
      {link.scopes.includes('sso') && (
        <li>
          <a href={`/orgs/${slug}/sso`}>Set up single sign-on</a> <span class="muted">— SAML: service provider details, guides, test and enable</span>
        </li>
      )}
      {link.scopes.includes('directory') && (
        <li>
          <a href={`/orgs/${slug}/directory`}>Set up directory sync</a> <span class="muted">— SCIM: base URL, token, the IdP’s requests</span>
        </li>
      )}
      {link.scopes.includes('policy') && (
        <li>
          <a href={`/orgs/${slug}/sso/policy`}>SSO user management</a> <span class="muted">— enforcement, role mapping, API allow-list</span>
        </li>
      )}
    </ul>
  </Layout>
)
