/** The page frame: header, optional signed-in nav, main column. No inline script or style (strict CSP). */
import type { Child, FC, PropsWithChildren } from 'hono/jsx'

export interface Viewer {
  readonly email: string
  readonly name: string
}

/** A set-up link's session (DESIGN §2): whose organization this is, who sent the link, until when. */
export interface SetupLinkBanner {
  readonly orgName: string
  readonly sentBy: string
  readonly expiresAt: string
  readonly scopes: readonly string[]
  readonly csrf: string
}

const SCOPE_NAMES: Record<string, string> = { sso: 'single sign-on', directory: 'directory sync', policy: 'SSO user management' }

const LinkBar: FC<{ link: SetupLinkBanner }> = ({ link }) => (
  <nav class="topnav" aria-label="Set-up link">
    <a href="/setup-link">Set-up home</a>
    <form method="post" action="/setup-link/leave" class="inline">
      <input type="hidden" name="_csrf" value={link.csrf} />
      <button type="submit" class="link">
        Leave
      </button>
    </form>
  </nav>
)

/** Said on every page a link opens: no one should mistake whose organization they are changing. */
export const LinkNotice: FC<{ link: SetupLinkBanner }> = ({ link }) => (
  <p class="notice setup-link" role="note">
    You are setting up <strong>{link.orgName}</strong>’s {link.scopes.map((s) => SCOPE_NAMES[s] ?? s).join(', ')} through a set-up link sent by{' '}
    <strong>{link.sentBy}</strong>. Everything you do is recorded in {link.orgName}’s audit log. This session ends at{' '}
    <time datetime={link.expiresAt}>{link.expiresAt.replace('T', ' ').slice(0, 16)} UTC</time>.
  </p>
)

export interface LayoutProps {
  readonly title: string
  /** Scripts of our own origin (the CSP allows no inline script). */
  readonly scripts?: readonly string[]
  /** Navigate there at once (a meta refresh: a new navigation, not a redirect of a form submission). */
  readonly refreshTo?: string
  readonly viewer?: Viewer | undefined
  readonly csrf?: string | undefined
  readonly wide?: boolean
  readonly notice?: string | undefined
  /** A set-up link's session: its bar replaces the account nav, and every page says whose org this is. */
  readonly setupLink?: SetupLinkBanner | undefined
}

export const Layout: FC<PropsWithChildren<LayoutProps>> = ({ title, viewer, csrf, wide, notice, scripts, refreshTo, setupLink, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {refreshTo !== undefined && <meta http-equiv="refresh" content={`0;url=${refreshTo}`} />}
      <title>{`${title} · Gatehouse`}</title>
      <link rel="stylesheet" href="/static/app.css" />
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      {scripts?.map((src) => (
        <script src={src} defer></script>
      ))}
    </head>
    <body>
      <header class="topbar">
        <a class="brand" href="/">
          Gatehouse
        </a>
        {setupLink !== undefined && <LinkBar link={setupLink} />}
        {setupLink === undefined && viewer !== undefined && (
          <nav class="topnav" aria-label="Account">
            <a href="/dashboard">Dashboard</a>
            <span class="who" title={viewer.email}>
              {viewer.name}
            </span>
            <form method="post" action="/logout" class="inline">
              <input type="hidden" name="_csrf" value={csrf ?? ''} />
              <button type="submit" class="link">
                Sign out
              </button>
            </form>
          </nav>
        )}
      </header>
      <main class={wide ? 'page wide' : 'page'}>
        {setupLink !== undefined && <LinkNotice link={setupLink} />}
        {notice !== undefined && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {children}
      </main>
    </body>
  </html>
)

export function renderPage(node: Child): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- hono's JSX nodes render themselves in toString()
  return '<!doctype html>' + String(node)
}
