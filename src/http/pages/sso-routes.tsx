/**
 * The owner's SSO pages (DESIGN §2): the four steps, test, enable, disable, bind-users download.
 * Owners change; admins see read-only; members get `not_allowed`. Every change goes through the
 * same core functions as the operator API, so the same checks and audit entries apply.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AccountError } from '../../core/account-error.js'
import { bindUsersCsv } from '../../core/bind-users.js'
import { devIdpEndpoints, devIdpMetadata } from '../../core/dev-idp.js'
import { verificationRecord } from '../../core/domain-name.js'
import { addEmailDomain, listEmailDomains, removeEmailDomain, verifyEmailDomain } from '../../core/email-domains.js'
import type { Actor, CoreDeps } from '../../core/deps.js'
import { configureIdp, disableSso, isValidSsoName, enableSso, setSsoName, updateSsoPolicy, type IdpInput } from '../../core/sso-admin.js'
import { spEndpoints, type SsoConnection } from '../../core/sso-connection.js'
import { SsoError } from '../../core/sso-error.js'
import { cachedCertificate } from '../../saml/certificate.js'
import type { FieldErrors } from '../../ui/form.js'
import { idpGuides } from '../../ui/pages/idp-guides.js'
import type { IdpSummary, SpDetails } from '../../ui/pages/sso-details.js'
import { SsoGuidePage } from '../../ui/pages/sso-guide-page.js'
import { SsoIdpPage, type IdpFormValues } from '../../ui/pages/sso-idp-page.js'
import { SsoOverviewPage } from '../../ui/pages/sso-overview-page.js'
import { SsoPolicyPage } from '../../ui/pages/sso-policy-page.js'
import { statusOf } from '../error-handler.js'
import { sendPage } from './html.js'
import { field } from './page-context.js'
import { NOTICES, requireSsoConnection, ssoPageViewer } from './sso-viewer.js'
import { ssoTestPageRoutes } from './sso-test-routes.js'
import { expiredCertificatesInUse } from '../../core/certificate-expiry.js'
import { idpFieldOf, policyFromForm, policyValues, splitCertificates } from './sso-forms.js'

/** Metadata pasted or uploaded into a page form can be far larger than any other page post. */
const IDP_FORM_LIMIT = 2 * 1024 * 1024

function spDetails(deps: CoreDeps, ssoName: string): SpDetails {
  const sp = spEndpoints(deps.settings.baseUrl, ssoName)
  return { ...sp, certificateUrl: `/saml/${ssoName}/certificate` }
}

function idpSummary(connection: SsoConnection): IdpSummary | undefined {
  const idp = connection.idp
  if (idp === undefined) return undefined
  return {
    entityId: idp.entityId,
    ssoUrl: idp.ssoUrlRedirect ?? idp.ssoUrlPost ?? '',
    binding: idp.ssoUrlRedirect !== undefined ? 'HTTP-Redirect' : 'HTTP-POST',
    slo: idp.singleLogout && { url: idp.singleLogout.url, binding: idp.singleLogout.binding === 'redirect' ? 'HTTP-Redirect' : 'HTTP-POST' },
    certificates: idp.certificates.map((pem) => {
      const c = cachedCertificate(pem)
      return { fingerprint: c.fingerprint, notAfter: c.notAfter.toISOString(), subject: c.subject }
    }),
    signatureAlgorithm: idp.signatureAlgorithm,
    source: idp.source === 'metadata' ? (idp.metadataFrom ?? 'metadata') : idp.source,
    metadataUrl: connection.metadataUrl,
    metadataRefreshedAt: connection.metadataRefreshedAt,
    metadataRefreshError: connection.metadataRefreshError,
  }
}

export function ssoPageRoutes(app: FastifyInstance, deps: CoreDeps, workspaceRoles: readonly string[], options: { devIdp: boolean } = { devIdp: false }): void {
  const devIdp = options.devIdp ? { entityId: devIdpEndpoints(deps.settings.baseUrl).entityId } : undefined
  // Owners change, admins look; a set-up link only on the routes setup-link-access.ts opens to it.
  const ssoViewer = (request: FastifyRequest) => ssoPageViewer(deps, request)
  const requireConnection = (request: FastifyRequest) => requireSsoConnection(deps, request)

  const refused = (request: FastifyRequest, error: { code: string }) => request.log.info({ code: error.code }, 'request refused')

  async function overview(request: FastifyRequest, reply: FastifyReply, extra: Partial<Parameters<typeof SsoOverviewPage>[0]> = {}, status = 200) {
    const { base, connection } = await ssoViewer(request)
    let view: Parameters<typeof SsoOverviewPage>[0]['connection']
    if (connection !== undefined) {
      const members = await deps.store.members.listByOrg(connection.orgId)
      view = {
        ssoName: connection.ssoName,
        enabled: connection.enabled,
        sp: spDetails(deps, connection.ssoName),
        idp: idpSummary(connection),
        enforcement: connection.policy.enforcement,
        tested: base.progress?.tested === true,
        membersWithoutPassword: members.filter((m) => !m.user.hasPassword).length,
        expiredCertificates: expiredCertificatesInUse(connection, deps.clock.now()).map((c) => ({ ...c, notAfter: c.notAfter.toISOString() })),
      }
    }
    const domains = (await listEmailDomains(deps, base.org.slug, { kind: 'operator' })).map((d) => {
      const record = verificationRecord(d)
      return { domain: d.domain, verified: d.verifiedAt !== undefined, verifiedBy: d.verifiedBy, recordName: record.name, recordValue: record.value }
    })
    const suggestedSsoName = connection === undefined && isValidSsoName(base.org.slug) ? base.org.slug : undefined
    return sendPage(reply, <SsoOverviewPage {...base} connection={view} domains={domains} suggestedSsoName={suggestedSsoName} {...extra} />, status)
  }

  app.get('/orgs/:org/sso', async (request, reply) => overview(request, reply))
  ssoTestPageRoutes(app, deps)

  app.post('/orgs/:org/sso/name', async (request, reply) => {
    const { actor, slug, base } = await ssoViewer(request)
    const ssoName = field(request.body, 'ssoName').trim().toLowerCase()
    try {
      const { created } = await setSsoName(deps, slug, ssoName, actor)
      return reply.redirect(`/orgs/${slug}/sso?notice=${created ? 'created' : 'renamed'}`, 303)
    } catch (error) {
      if (!(error instanceof SsoError || error instanceof AccountError)) throw error
      refused(request, error)
      const errors: FieldErrors | undefined = error instanceof SsoError && error.field === 'ssoName' ? { ssoName: error.message } : undefined
      return overview(
        request,
        reply,
        { errors, error: errors === undefined ? error.message : undefined, ssoNameValue: ssoName, notice: base.notice },
        statusOf(error),
      )
    }
  })

  app.get('/orgs/:org/sso/guide', async (request, reply) => {
    const { base, connection } = await requireConnection(request)
    const sp = spDetails(deps, connection.ssoName)
    const chosen = (request.query as Record<string, unknown>).idp
    const [firstWorkspace] = await deps.store.workspaces.listByOrg(connection.orgId)
    return sendPage(
      reply,
      <SsoGuidePage {...base} sp={sp} guides={idpGuides(sp, firstWorkspace?.slug)} chosen={typeof chosen === 'string' ? chosen : 'okta'} />,
    )
  })

  app.get('/orgs/:org/sso/idp', async (request, reply) => {
    const { base, connection } = await requireConnection(request)
    return sendPage(reply, <SsoIdpPage {...base} idp={idpSummary(connection)} values={{ mode: 'metadata' }} devIdp={devIdp} />)
  })

  if (devIdp !== undefined) {
    /**
     * "Use the development IdP": its metadata through configureIdp, like a pasted one, so the owner-only
     * rule, the checks and the audit entry are the same as for any other IdP.
     */
    app.post('/orgs/:org/sso/idp/dev', async (request, reply) => {
      const { actor, slug } = await requireConnection(request)
      await configureIdp(deps, slug, { metadataXml: await devIdpMetadata(deps), from: 'dev-idp' }, actor)
      return reply.redirect(`/orgs/${slug}/sso?notice=dev-idp`, 303)
    })
  }

  app.post('/orgs/:org/sso/idp', { bodyLimit: IDP_FORM_LIMIT }, async (request, reply) => {
    const { base, connection, actor, slug } = await requireConnection(request)
    const mode = field(request.body, 'mode')
    const values: IdpFormValues = {
      mode: mode === 'url' || mode === 'manual' ? mode : 'metadata',
      metadataXml: field(request.body, 'metadataXml'),
      metadataUrl: field(request.body, 'metadataUrl').trim(),
      ssoUrl: field(request.body, 'ssoUrl'),
      entityId: field(request.body, 'entityId'),
      certificates: field(request.body, 'certificates'),
      signatureAlgorithm: field(request.body, 'signatureAlgorithm'),
      sloUrl: field(request.body, 'sloUrl'),
    }
    try {
      let input: IdpInput
      if (values.mode === 'metadata') {
        if (values.metadataXml!.trim() === '') throw new SsoError('metadata_not_xml', 'Paste the IdP metadata XML, or choose its file.', undefined, 'metadata')
        input = { metadataXml: values.metadataXml!, from: field(request.body, 'metadataFrom') === 'upload' ? 'upload' : 'paste' }
      } else if (values.mode === 'url') {
        if (values.metadataUrl === '') throw new SsoError('metadata_fetch_failed', 'Give the IdP metadata URL.', undefined, 'metadataUrl')
        input = { metadataUrl: values.metadataUrl! }
      } else {
        input = {
          ssoUrl: values.ssoUrl!,
          entityId: values.entityId!,
          certificates: splitCertificates(values.certificates!),
          signatureAlgorithm: values.signatureAlgorithm === 'rsa-sha1' ? 'rsa-sha1' : 'rsa-sha256',
          sloUrl: values.sloUrl,
        }
      }
      const result = await configureIdp(deps, slug, input, actor)
      if (result.warnings.length === 0) return reply.redirect(`/orgs/${slug}/sso?notice=idp`, 303)
      return sendPage(
        reply,
        <SsoIdpPage
          {...base}
          notice={NOTICES.idp}
          idp={idpSummary(result.connection)}
          values={{ mode: 'metadata' }}
          warnings={result.warnings}
          devIdp={devIdp}
        />,
      )
    } catch (error) {
      if (!(error instanceof SsoError || error instanceof AccountError)) throw error
      refused(request, error)
      const name = error instanceof SsoError ? idpFieldOf(error.field, values.mode) : undefined
      return sendPage(
        reply,
        <SsoIdpPage
          {...base}
          idp={idpSummary(connection)}
          values={values}
          devIdp={devIdp}
          errors={name === undefined ? undefined : { [name]: error.message }}
          error={name === undefined ? error.message : 'The identity provider was not saved: see the message next to the field.'}
        />,
        statusOf(error),
      )
    }
  })

  app.get('/orgs/:org/sso/policy', async (request, reply) => {
    const { base, connection } = await requireConnection(request)
    const workspaces = await deps.store.workspaces.listByOrg(connection.orgId)
    return sendPage(reply, <SsoPolicyPage {...base} values={policyValues(connection.policy)} workspaces={workspaces} workspaceRoles={workspaceRoles} />)
  })

  app.post('/orgs/:org/sso/policy', async (request, reply) => {
    const { base, connection, actor, slug } = await requireConnection(request)
    const workspaces = await deps.store.workspaces.listByOrg(connection.orgId)
    const { patch, values } = policyFromForm(
      request.body,
      workspaces.map((w) => w.slug),
    )
    try {
      await updateSsoPolicy(deps, slug, patch, actor)
    } catch (error) {
      if (!(error instanceof SsoError || error instanceof AccountError)) throw error
      refused(request, error)
      const name = error instanceof SsoError ? error.field : undefined
      return sendPage(
        reply,
        <SsoPolicyPage
          {...base}
          values={values}
          workspaces={workspaces}
          workspaceRoles={workspaceRoles}
          errors={name === undefined ? undefined : { [name]: error.message }}
          error={name === undefined ? error.message : 'Nothing was saved: see the message next to the field.'}
        />,
        statusOf(error),
      )
    }
    return reply.redirect(`/orgs/${slug}/sso/policy?notice=policy`, 303)
  })

  /** A one-button change: done → back to the overview with a notice; refused → the overview with the reason. */
  async function change(request: FastifyRequest, reply: FastifyReply, work: (actor: Actor, slug: string) => Promise<unknown>, notice: string) {
    const { actor, slug } = await ssoViewer(request)
    try {
      await work(actor, slug)
    } catch (error) {
      if (!(error instanceof SsoError || error instanceof AccountError)) throw error
      refused(request, error)
      return overview(request, reply, { error: error.message }, statusOf(error))
    }
    return reply.redirect(`/orgs/${slug}/sso?notice=${notice}`, 303)
  }

  app.post('/orgs/:org/sso/enable', async (request, reply) =>
    change(request, reply, (actor, slug) => enableSso(deps, slug, { skipTest: false }, actor), 'enabled'),
  )

  app.post('/orgs/:org/sso/disable', async (request, reply) => change(request, reply, (actor, slug) => disableSso(deps, slug, actor), 'disabled'))

  app.post('/orgs/:org/sso/domains', async (request, reply) => {
    const { actor, slug } = await ssoViewer(request)
    const domain = field(request.body, 'domain')
    try {
      await addEmailDomain(deps, slug, domain, actor)
    } catch (error) {
      if (!(error instanceof SsoError || error instanceof AccountError)) throw error
      refused(request, error)
      const errors = error instanceof SsoError && error.field === 'domain' ? { domain: error.message } : undefined
      return overview(request, reply, { errors, error: errors === undefined ? error.message : undefined, domainValue: domain }, statusOf(error))
    }
    return reply.redirect(`/orgs/${slug}/sso?notice=domain-added`, 303)
  })

  app.post('/orgs/:org/sso/domains/:domain/verify', async (request, reply) =>
    change(request, reply, (actor, slug) => verifyEmailDomain(deps, slug, (request.params as { domain: string }).domain, actor), 'domain-verified'),
  )

  app.post('/orgs/:org/sso/domains/:domain/remove', async (request, reply) =>
    change(request, reply, (actor, slug) => removeEmailDomain(deps, slug, (request.params as { domain: string }).domain, actor), 'domain-removed'),
  )

  app.get('/orgs/:org/sso/bind-users.csv', async (request, reply) => {
    const { actor, slug } = await ssoViewer(request)
    const csv = await bindUsersCsv(deps, slug, actor)
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${slug}-bind-users.csv"`)
      .send(csv)
  })
}
