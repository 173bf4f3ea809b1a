/**
 * oidc-provider is a Koa app: it builds every URL it advertises (discovery endpoints, jwks_uri, the
 * logout form's action, redirects) from the request — `ctx.href`, whose host is the Host header (or
 * X-Forwarded-Host when `proxy` is on) — and sets its cookies Secure only when it sees https. Gatehouse
 * advertises GATEHOUSE_BASE_URL and nothing else (issue 14): a forged Host must not put an attacker's
 * address in the discovery document, and an https deployment behind a TLS-terminating proxy must get
 * Secure cookies whatever the proxy forwards. So the request handed to the provider says the base
 * URL's host and protocol, and the client address Fastify resolved under Gatehouse's own trust-proxy
 * rule; the provider runs with `proxy = true` to read exactly these headers, always overwritten here.
 */
import type { IncomingMessage } from 'node:http'

export function presentAtBaseUrl(raw: IncomingMessage, baseUrl: string, clientIp: string): void {
  const base = new URL(baseUrl)
  raw.headers.host = base.host
  raw.headers['x-forwarded-host'] = base.host
  raw.headers['x-forwarded-proto'] = base.protocol.slice(0, -1)
  raw.headers['x-forwarded-for'] = clientIp
  delete raw.headers.forwarded
}
