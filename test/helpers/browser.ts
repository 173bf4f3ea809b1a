/** A cookie-keeping client over inject(), with form posts that carry the page's CSRF token. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export interface Browser {
  readonly cookies: Map<string, string>
  get(url: string): Promise<LightMyRequestResponse>
  /** Posts a form; `_csrf` is taken from the last page fetched unless given. */
  post(url: string, form: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>
  /** GET a page then submit `form` to `action` with that page's CSRF token. */
  submit(pageUrl: string, action: string, form: Record<string, string>): Promise<LightMyRequestResponse>
  csrf(): string
}

export function csrfFrom(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
}

export function browser(app: FastifyInstance, options: { ip?: string } = {}): Browser {
  const cookies = new Map<string, string>()
  let lastCsrf = ''
  const remember = (res: LightMyRequestResponse) => {
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      if (c.value === '' || (c.expires !== undefined && c.expires.getTime() <= 0) || c.maxAge === 0) cookies.delete(c.name)
      else cookies.set(c.name, c.value)
    }
    const token = csrfFrom(res.body)
    if (token !== undefined) lastCsrf = token
    return res
  }
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const self: Browser = {
    cookies,
    get: async (url) => remember(await app.inject({ method: 'GET', url, headers: { cookie: cookieHeader() }, remoteAddress: options.ip ?? '127.0.0.1' })),
    post: async (url, form, headers = {}) =>
      remember(
        await app.inject({
          method: 'POST',
          url,
          remoteAddress: options.ip ?? '127.0.0.1',
          headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
          payload: new URLSearchParams({ _csrf: lastCsrf, ...form }).toString(),
        }),
      ),
    submit: async (pageUrl, action, form) => {
      await self.get(pageUrl)
      return self.post(action, form)
    },
    csrf: () => lastCsrf,
  }
  return self
}
