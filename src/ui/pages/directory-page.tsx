/**
 * The owner's Directory page (DESIGN §8), next to Single sign-on: create the org's SCIM directory,
 * see its base URL and a new token once, rotate and revoke tokens, turn sync off and on, the set-up
 * guide per IdP, and the IdP's last requests with each refusal explained. Admins see it read-only.
 */
import type { FC } from 'hono/jsx'
import { Crumbs } from '../crumbs.js'
import { Copyable, Csrf, FormError } from '../form.js'
import { Layout, type SetupLinkBanner, type Viewer } from '../layout.js'
import type { DirectoryGuide } from './directory-guides.js'
import { RequestLog, TokenTable, When, type DirectoryRequestRow, type DirectoryTokenRow } from './directory-tables.js'

export interface DirectoryView {
  readonly baseUrl: string
  readonly enabled: boolean
  readonly tokens: readonly DirectoryTokenRow[]
  readonly userCount: number
  readonly groupCount: number
  readonly lastRequestAt: string | null
}

export interface DirectoryPageProps {
  readonly viewer: Viewer
  readonly csrf: string
  readonly org: { readonly name: string; readonly slug: string }
  /** The owner: everything else is read-only. */
  readonly canEdit: boolean
  readonly directory?: DirectoryView | undefined
  readonly requests: readonly DirectoryRequestRow[]
  readonly guides: readonly DirectoryGuide[]
  /** The guide shown open (`?idp=`). */
  readonly chosen: string
  readonly maxTokens: number
  /** A token just created: its secret, in this answer only. */
  readonly created?: { readonly secret: string } | undefined
  readonly notice?: string | undefined
  readonly error?: string | undefined
  /** A set-up link's session: no crumbs to the org's other pages, and no "turn off" (it stays the owner's). */
  readonly setupLink?: SetupLinkBanner | undefined
}

const directoryPath = (slug: string) => `/orgs/${slug}/directory`

const NewToken: FC<{ baseUrl: string; secret: string }> = ({ baseUrl, secret }) => (
  <section class="card" aria-labelledby="created-heading">
    <h2 id="created-heading">Your new directory token</h2>
    <p class="warning" role="note">
      Copy the token now: it will not be shown again. Gatehouse keeps only a hash of it; if it is lost, create a new one.
    </p>
    <dl class="details">
      <Copyable label="Base URL" value={baseUrl} id="new-base-url" breakable />
      <Copyable label="Token" value={secret} id="new-token" />
    </dl>
    <p class="hint">Paste both into your identity provider: the guides below name its fields.</p>
  </section>
)

const Intro: FC<{ p: DirectoryPageProps }> = ({ p }) => (
  <section class="card" aria-labelledby="intro-heading">
    <h2 id="intro-heading">Connect your directory</h2>
    <p>
      Directory sync lets your identity provider (Okta, Entra ID, OneLogin, JumpCloud…) create {p.org.name}'s members before they first sign in and keep their
      names up to date over SCIM 2.0. When someone leaves, the IdP deactivates them here at once: their sessions and tokens end, and they cannot sign in again
      until reactivated.
    </p>
    {p.canEdit ? (
      <form method="post" action={directoryPath(p.org.slug)}>
        <Csrf token={p.csrf} />
        <button type="submit" class="primary">
          Create directory
        </button>
      </form>
    ) : (
      <p class="muted">Only the owner can create it.</p>
    )}
  </section>
)

const Status: FC<{ p: DirectoryPageProps; d: DirectoryView }> = ({ p, d }) => (
  <section class="card" aria-labelledby="status-heading">
    <h2 id="status-heading">Directory sync {d.enabled ? <span class="badge ok">on</span> : <span class="badge warn">off</span>}</h2>
    {!d.enabled && (
      <p>
        Sync is turned off: every token was revoked, so the IdP's requests get 401. Members stay as they are. Turning it on again keeps the same base URL and
        gives a new token.
      </p>
    )}
    <dl class="details">
      <Copyable label="Base URL" value={d.baseUrl} id="base-url" breakable />
      <div class="copyable">
        <dt>Users</dt>
        <dd id="user-count">{d.userCount}</dd>
      </div>
      <div class="copyable">
        <dt>Groups</dt>
        <dd id="group-count">{d.groupCount}</dd>
      </div>
      <div class="copyable">
        <dt>Last request</dt>
        <dd>
          <When iso={d.lastRequestAt} none="none yet" />
        </dd>
      </div>
    </dl>
    {!d.enabled && p.canEdit && (
      <form method="post" action={directoryPath(p.org.slug)}>
        <Csrf token={p.csrf} />
        <button type="submit" class="primary">
          Turn directory sync on again
        </button>
      </form>
    )}
  </section>
)

const Tokens: FC<{ p: DirectoryPageProps; d: DirectoryView }> = ({ p, d }) => {
  const full = d.tokens.length >= p.maxTokens
  return (
    <section class="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">{d.tokens.length === 0 ? 'No live token' : `${d.tokens.length} live token${d.tokens.length === 1 ? '' : 's'}`}</h2>
      {d.tokens.length > 0 && <TokenTable tokens={d.tokens} base={directoryPath(p.org.slug)} csrf={p.csrf} canEdit={p.canEdit} />}
      <p class="hint">
        To rotate without a gap: create a new token, paste it into the IdP, wait until its “Last used” shows the IdP uses it, then revoke the old one. At most{' '}
        {p.maxTokens} tokens are live.
      </p>
      {p.canEdit &&
        (full ? (
          <p class="notice-plain" id="token-limit">
            {p.maxTokens} tokens are live, the most a directory can have: revoke the one your IdP no longer uses before creating another.
          </p>
        ) : (
          <form method="post" action={`${directoryPath(p.org.slug)}/tokens`}>
            <Csrf token={p.csrf} />
            <button type="submit">Create a new token</button>
          </form>
        ))}
    </section>
  )
}

const Disable: FC<{ p: DirectoryPageProps }> = ({ p }) => (
  <section class="card" aria-labelledby="disable-heading">
    <h2 id="disable-heading">Turn directory sync off</h2>
    <details>
      <summary>What happens, and the button</summary>
      <p>
        Every token is revoked at once and the IdP's requests get 401. Members stay as they are: nobody is deactivated or removed, and nobody is reactivated.
        You can turn sync on again later with the same base URL and a new token.
      </p>
      <form method="post" action={`${directoryPath(p.org.slug)}/disable`}>
        <Csrf token={p.csrf} />
        <div class="choice">
          <input type="checkbox" id="f-confirm" name="confirm" value="yes" required />
          <label for="f-confirm">Yes, stop directory sync for {p.org.name}</label>
        </div>
        <button type="submit" class="danger">
          Turn directory sync off
        </button>
      </form>
    </details>
  </section>
)

const Guides: FC<{ p: DirectoryPageProps }> = ({ p }) => (
  <section class="card" aria-labelledby="guides-heading">
    <h2 id="guides-heading">Set it up in your IdP</h2>
    {p.guides.map((g) => (
      <details class="guide" id={`guide-${g.id}`} open={g.id === p.chosen}>
        <summary>{g.name}</summary>
        <ol class="guide">
          {g.steps.map((s) => (
            <li>{s}</li>
          ))}
        </ol>
      </details>
    ))}
  </section>
)

export const DirectoryPage: FC<DirectoryPageProps> = (p) => {
  const d = p.directory
  return (
    <Layout
      title={`Directory · ${p.org.name}`}
      viewer={p.viewer}
      csrf={p.csrf}
      wide
      notice={p.notice}
      scripts={['/static/sso-setup.js']}
      setupLink={p.setupLink}
    >
      {p.setupLink === undefined && <Crumbs org={p.org} trail={[['Directory']]} />}
      <h1>Directory sync</h1>
      {!p.canEdit && (
        <p class="notice" role="status">
          You are an admin of {p.org.name}: you can see its directory sync; only the owner can change it.
        </p>
      )}
      <FormError message={p.error} />
      {d !== undefined && p.created !== undefined && <NewToken baseUrl={d.baseUrl} secret={p.created.secret} />}
      {d === undefined ? (
        <Intro p={p} />
      ) : (
        <>
          <Status p={p} d={d} />
          {d.enabled && <Tokens p={p} d={d} />}
        </>
      )}
      {d !== undefined && <Guides p={p} />}
      {d !== undefined && (
        <section class="card" aria-labelledby="requests-heading">
          <h2 id="requests-heading">Last requests from the IdP</h2>
          {p.requests.length === 0 ? (
            <p class="muted">None yet. Once the IdP is connected, each of its requests shows here, newest first, with what went wrong if it was refused.</p>
          ) : (
            <RequestLog requests={p.requests} />
          )}
        </section>
      )}
      {d?.enabled === true && p.canEdit && p.setupLink === undefined && <Disable p={p} />}
      {p.canEdit && p.setupLink === undefined && (
        <section class="card" aria-labelledby="send-link-heading">
          <h2 id="send-link-heading">Someone else manages your IdP?</h2>
          <p>Send your IT admin a set-up link: it opens this page for them, with no Gatehouse account, until it expires or you revoke it.</p>
          <a class="button" href={`/orgs/${p.org.slug}/setup-links`}>
            Send a set-up link
          </a>
        </section>
      )}
    </Layout>
  )
}
