/**
 * Sends the browser on to the IdP with a SAML message (an AuthnRequest, or a single logout message).
 * A plain redirect when it got here by a link; after one of our forms, a page that moves on by
 * itself (see IdpRedirectPage), since Chromium applies the form's page's CSP form-action to the
 * redirects that follow it. HTTP-POST binding: a form that may post to the IdP's origin, submitted
 * by a tiny same-origin script.
 */
import type { FastifyReply } from 'fastify'
import { IdpRedirectPage, PostBindingPage } from '../ui/pages/post-binding-page.js'
import { sendPage } from './pages/html.js'
import { CONTENT_SECURITY_POLICY } from './security-headers.js'

export type IdpBound =
  { readonly binding: 'redirect'; readonly url: string } | { readonly binding: 'post'; readonly url: string; readonly fields: Readonly<Record<string, string>> }

export function sendToIdp(reply: FastifyReply, next: IdpBound, options: { afterForm: boolean }): FastifyReply {
  if (next.binding === 'redirect') return options.afterForm ? sendPage(reply, <IdpRedirectPage url={next.url} />) : reply.redirect(next.url)
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY.replace("form-action 'self'", `form-action 'self' ${new URL(next.url).origin}`))
  return sendPage(reply, <PostBindingPage url={next.url} fields={next.fields} />)
}
