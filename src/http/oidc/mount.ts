/**
 * Mounts oidc-provider at /oidc inside Fastify: its own encapsulated scope with no body parsing (the
 * provider reads the raw body itself) and none of the pages scope's hooks (no CSRF, no pre-session
 * cookie); the raw request and response go to the provider's Koa callback with `/oidc` stripped and
 * kept in `originalUrl`, which is how oidc-provider finds its mount path, and with the base URL's host
 * and protocol in place of whatever the request said (base-url-view.ts). The interaction page
 * (/oidc/interaction/:uid) is a page route of its own and wins over the wildcard here.
 *
 * Behind trusted proxies the provider (Koa, `proxy = true`) would believe X-Forwarded-* whole, the
 * client's own left-most entries included; so the mount rewrites them to Fastify's resolution from the
 * trusted hops (GATEHOUSE_TRUST_PROXY), and both see the same client address, protocol and host.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type Provider from 'oidc-provider'
import { presentAtBaseUrl } from './base-url-view.js'
import { OIDC_PREFIX, type OidcService } from './provider.js'

type Callback = (req: IncomingMessage, res: ServerResponse) => unknown

export async function oidcMount(app: FastifyInstance, options: { oidc: OidcService; baseUrl: string }): Promise<void> {
  const callbacks = new WeakMap<Provider, Callback>()
  const basePath = new URL(options.baseUrl).pathname.replace(/\/+$/, '')
  app.removeAllContentTypeParsers()
  // Leave the body unread: oidc-provider parses token and logout posts itself, with its own limit.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const provider = await options.oidc.provider()
    let callback = callbacks.get(provider)
    if (callback === undefined) {
      callback = provider.callback()
      callbacks.set(provider, callback)
    }
    const raw = request.raw as IncomingMessage & { originalUrl?: string; gatehouseRequestId?: string }
    // A base URL with a path (a proxy serving Gatehouse under /sso): the provider's URLs carry it, as the issuer does.
    raw.originalUrl = basePath + raw.url
    // `/oidc?x` is `/?x` to the provider (its router reads a path that starts with a slash).
    const rest = raw.url!.slice(OIDC_PREFIX.length)
    raw.url = rest.startsWith('/') ? rest : `/${rest}`
    raw.gatehouseRequestId = request.id
    // Host, X-Forwarded-Host and -Proto are the caller's to forge: the provider sees the base URL only.
    presentAtBaseUrl(raw, options.baseUrl, request.ip)
    reply.hijack()
    await callback(raw, reply.raw)
  }
  app.all(OIDC_PREFIX, handle)
  app.all(`${OIDC_PREFIX}/*`, handle)
}
