/**
 * A cookie-keeping browser over real HTTP (fetch, redirects followed by hand), for flows that cross
 * origins: Gatehouse on a loopback port, an app's redirect URI elsewhere. Cookies are kept per name
 * (paths ignored: the flows here run one interaction at a time); forms carry the page's CSRF token.
 */
import { csrfFrom } from './browser.js'

export interface HttpPage {
  readonly url: string
  readonly status: number
  readonly headers: Headers
  readonly body: string
}

export interface HttpBrowser {
  readonly cookies: Map<string, string>
  /** One request, no redirect followed. */
  request(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<HttpPage>
  /**
   * GET `url` and follow redirects while they stay on Gatehouse's origin; stops at a page, or at the
   * first redirect elsewhere (an app's redirect URI, an IdP), returned as `leftTo`.
   */
  navigate(url: string): Promise<HttpPage & { leftTo?: string }>
  /** POST a form (with the last page's CSRF token) and follow the redirects as navigate does. */
  submit(url: string, form: Record<string, string>): Promise<HttpPage & { leftTo?: string }>
  /** Every URL visited, for checks on what reached the address bar. */
  readonly visited: string[]
}

/** `fetchImpl`: another transport (test/helpers/inject-fetch.ts) for a base URL nothing listens on. */
export function httpBrowser(origin: string, fetchImpl: typeof fetch = fetch): HttpBrowser {
  const cookies = new Map<string, string>()
  const visited: string[] = []
  let csrf = ''
  const remember = (headers: Headers) => {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attributes.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a))
      if (value === '' || expired) cookies.delete(name)
      else cookies.set(name, value)
    }
  }
  const self: HttpBrowser = {
    cookies,
    visited,
    request: async (method, url, form) => {
      const absolute = new URL(url, origin).toString()
      visited.push(absolute)
      const res = await fetchImpl(absolute, {
        method,
        redirect: 'manual',
        headers: {
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', origin }),
        },
        ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
      })
      remember(res.headers)
      const body = await res.text()
      const token = csrfFrom(body)
      if (token !== undefined) csrf = token
      return { url: absolute, status: res.status, headers: res.headers, body }
    },
    navigate: async (url) => follow(await self.request('GET', url)),
    submit: async (url, form) => follow(await self.request('POST', url, { _csrf: csrf, ...form })),
  }
  async function follow(first: HttpPage): Promise<HttpPage & { leftTo?: string }> {
    let page = first
    for (let hops = 0; hops < 20; hops++) {
      const location = page.headers.get('location')
      if (page.status < 300 || page.status >= 400 || location === null) return page
      const next = new URL(location, page.url)
      if (next.origin !== new URL(origin).origin) return { ...page, leftTo: next.toString() }
      page = await self.request('GET', next.toString())
    }
    throw new Error(`too many redirects from ${first.url}`)
  }
  return self
}
