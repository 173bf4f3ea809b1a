/** The page frame: header, optional signed-in nav, main column. No inline script or style (strict CSP). */
import type { Child, FC, PropsWithChildren } from 'hono/jsx'

export interface Viewer {
  readonly email: string
  readonly name: string
}

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
}

export const Layout: FC<PropsWithChildren<LayoutProps>> = ({ title, viewer, csrf, wide, notice, scripts, refreshTo, children }) => (
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
        {viewer !== undefined && (
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
