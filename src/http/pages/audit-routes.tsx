/** The org's audit log page (owners and admins) and the SAML tracer of a failed sign-in (owners). */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import type { CoreDeps } from '../../core/deps.js'
import { SsoError } from '../../core/sso-error.js'
import { failureElements, fixItHint } from '../../core/sso-test-hints.js'
import type { AuditEvent } from '../../core/types.js'
import { xmlLines } from '../../saml/pretty-xml.js'
import { AUDIT_KINDS, AuditPage, FailedSignInPage, type AuditRow } from '../../ui/pages/audit-pages.js'
import { sendPage } from './html.js'
import { orgManager } from './org-access.js'

const PAGE_SIZE = 50

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value))

const MAX_VALUE = 300
const clip = (text: string): string => (text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text)

/**
 * The details a person reads, one field a line: why a sign-in failed (the code, then its fields), or
 * what changed from what to what, or the entry's other fields.
 */
export function auditDetails(event: AuditEvent): [string, string][] {
  const detail = event.detail as Record<string, unknown>
  if (event.action === 'sso.sign_in_failed') {
    const { code, reference: _reference, ssoName: _ssoName, response: _response, ...fields } = detail
    return [['reason', show(code)], ...Object.entries(fields).map(([k, v]): [string, string] => [k, clip(show(v))])]
  }
  const { before, after, ...rest } = detail as { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null }
  const lines: [string, string][] = []
  if (after !== undefined && after !== null && typeof after === 'object') {
    for (const k of Object.keys(after)) lines.push([k, clip(`${show(before?.[k] ?? '—')} → ${show(after[k])}`)])
  } else if (before !== undefined && before !== null && typeof before === 'object') {
    for (const k of Object.keys(before)) lines.push([k, clip(`${show(before[k])} → —`)])
  }
  for (const [k, v] of Object.entries(rest)) lines.push([k, clip(show(v))])
  return lines.slice(0, 20)
}

export function auditRoutes(app: FastifyInstance, deps: CoreDeps): void {
  const viewer = (request: FastifyRequest) => orgManager(deps, request, 'Only owners and admins of this organization can read its audit log.')

  app.get('/orgs/:org/audit', async (request, reply) => {
    const { signedIn, membership, slug, isOwner } = await viewer(request)
    const query = request.query as Record<string, unknown>
    const kind = typeof query.kind === 'string' && AUDIT_KINDS.some((k) => k.value === query.kind) ? query.kind : ''
    const after = typeof query.after === 'string' && query.after.length <= 200 ? query.after : undefined
    const { events, nextCursor } = await deps.store.audit.listByOrg(membership.org.id, { limit: PAGE_SIZE, after }, kind === '' ? undefined : `${kind}.`)
    const rows: AuditRow[] = events.map((e) => {
      const reference = e.action === 'sso.sign_in_failed' && typeof e.detail.reference === 'string' ? e.detail.reference : undefined
      return {
        at: e.createdAt,
        actor: e.actor,
        action: e.action,
        target: e.target,
        details: auditDetails(e),
        reference,
        traceHref:
          isOwner && reference !== undefined && e.detail.response === 'kept'
            ? `/orgs/${slug}/audit/sign-ins/${encodeURIComponent(reference)}`
            : // A test run through a set-up link is the owners' to see too (core/sso-test.ts getSsoTest).
              isOwner && e.action === 'sso.tested' && e.actor.startsWith('set-up link ') && typeof e.detail.testId === 'string'
              ? `/orgs/${slug}/sso/tests/${encodeURIComponent(e.detail.testId)}`
              : undefined,
      }
    })
    const base = `/orgs/${slug}/audit?kind=${encodeURIComponent(kind)}`
    reply.header('cache-control', 'no-store')
    return sendPage(
      reply,
      <AuditPage
        viewer={signedIn.viewer}
        csrf={request.page.csrf}
        org={{ name: membership.org.name, slug }}
        kind={kind}
        rows={rows}
        nextHref={nextCursor === null ? undefined : `${base}&after=${encodeURIComponent(nextCursor)}`}
        firstHref={after === undefined ? undefined : base}
      />,
    )
  })

  app.get('/orgs/:org/audit/sign-ins/:reference', async (request, reply) => {
    const { signedIn, membership, slug, isOwner } = await viewer(request)
    if (!isOwner) throw new AccountError('not_allowed', "Only the organization's owner can see refused SAML responses.")
    const { reference } = request.params as { reference: string }
    const kept = /^[A-Za-z0-9_-]{1,64}$/.test(reference) ? await deps.store.ssoFailedResponses.find(membership.org.id, reference) : undefined
    if (kept === undefined || kept.expiresAt <= deps.clock.now().toISOString()) {
      throw new SsoError('sso_response_not_found', 'There is no kept response with this reference: it expired (responses are kept 7 days) or was never kept.')
    }
    const { code, ...fields } = kept.failure
    reply.header('cache-control', 'no-store')
    return sendPage(
      reply,
      <FailedSignInPage
        viewer={signedIn.viewer}
        csrf={request.page.csrf}
        org={{ name: membership.org.name, slug }}
        reference={kept.reference}
        at={kept.createdAt}
        code={code}
        hint={fixItHint(code)}
        fields={Object.entries(fields).map(([k, v]) => [k, show(v)] as [string, string])}
        lines={xmlLines(kept.xml) ?? kept.xml}
        mark={failureElements(code)}
        markValue={code === 'workspace_attribute_invalid' ? show(kept.failure.attribute) : undefined}
      />,
    )
  })
}
