/**
 * `fetch` answered by a Fastify app's inject(): lets openid-client and the HTTP browser talk to a
 * Gatehouse whose base URL is not a listening address (https://gatehouse.test, as behind a TLS proxy),
 * with the Host header taken from the URL, so what the app sees is what a proxy would pass on.
 */
import type { FastifyInstance } from 'fastify'

export function injectFetch(app: FastifyInstance, options: { headers?: Record<string, string> } = {}): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const headers: Record<string, string> = { host: url.host }
    request.headers.forEach((value, name) => {
      headers[name] = value
    })
    Object.assign(headers, options.headers)
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer())
    const res = await app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers,
      ...(body === undefined ? {} : { payload: body }),
      remoteAddress: '127.0.0.1',
    })
    const out = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      if (Array.isArray(value)) for (const v of value) out.append(name, String(v))
      else if (value !== undefined) out.append(name, String(value))
    }
    return new Response(res.statusCode === 204 || res.statusCode === 304 ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers: out })
  }
}
