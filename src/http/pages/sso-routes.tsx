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
import { configureIdp, disableSso, isValidSsoName, enableSso, findSsoConnection, setSsoName, updateSsoPolicy, type IdpInput } from '../../core/sso-admin.js'
import { spEndpoints, type SsoConnection } from '../../core/sso-connection.js'
import { ssoProgress } from '../../core/sso-progress.js'
import { SsoError } from '../../core/sso-error.js'
import { getSsoTest, startSsoTest } from '../../core/sso-test.js'
import { failureElements, fixItHint } from '../../core/sso-test-hints.js'
import { xmlLines } from '../../saml/pretty-xml.js'
import { cachedCertificate } from '../../saml/certificate.js'
import type { FieldErrors } from '../../ui/form.js'
import { idpGuides } from '../../ui/pages/idp-guides.js'
import type { IdpSummary, SpDetails } from '../../ui/pages/sso-details.js'
import type { SsoPageBase } from '../../ui/pages/sso-frame.js'
import { SsoGuidePage } from '../../ui/pages/sso-guide-page.js'
import { SsoIdpPage, type IdpFormValues } from '../../ui/pages/sso-idp-page.js'
import { SsoOverviewPage } from '../../ui/pages/sso-overview-page.js'
import { SsoPolicyPage } from '../../ui/pages/sso-policy-page.js'
import { SsoTestPage } from '../../ui/pages/sso-test-page.js'
import { statusOf } from '../error-handler.js'
import { sendSamlStart } from '../saml-routes.js'
import { sendPage } from './html.js'
import { orgManager } from './org-access.js'
import { field } from './page-context.js'
import { ownValue } from '../../core/keyed-record.js'
import { expiredCertificatesInUse } from '../../core/certificate-expiry.js'
import { idpFieldOf, policyFromForm, policyValues, splitCertificates } from './sso-forms.js'

const NOTICES: Record<string, string> = {
  created: 'SSO name saved. Next, set up the app in your IdP.',
  renamed: 'SSO name changed: update the SP Entity ID and ACS URL in your IdP.',
  idp: 'Identity provider saved. Test SSO before enabling it.',
  'dev-idp': "The development IdP is now this organization's identity provider. Press Test SSO: it opens the development IdP's sign-in page.",
  policy: 'User management saved.',
  enabled: 'Single sign-on is enabled.',
  'domain-added': 'Domain added. Publish its TXT record, then press Verify.',
  'domain-verified': 'Domain verified.',
  'domain-removed': 'Domain removed.',
  disabled: 'Single sign-on is disabled. Members sign in with their passwords again; those without one have been emailed to use "Forgot password".',
}

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
  /** The viewer as owner (may change) or admin (may look) of the org; members get `not_allowed`. */
  async function ssoViewer(request: FastifyRequest) {
    const { signedIn, membership, actor, slug } = await orgManager(deps, request, 'Only owners and admins of this organization can see its single sign-on.')
    const { connection } = await findSsoConnection(deps, slug)
    const notice = (request.query as Record<string, unknown>).notice
    const base: SsoPageBase = {
      viewer: signedIn.viewer,
      csrf: request.page.csrf,
      org: { name: membership.org.name, slug },
      canEdit: membership.member.role === 'owner',
      notice: typeof notice === 'string' ? ownValue(NOTICES, notice) : undefined,
      progress: await ssoProgress(deps, connection),
    }
    return { signedIn, membership, actor, slug, connection, base }
  }

  async function requireConnection(request: FastifyRequest) {
    const viewer = await ssoViewer(request)
    if (viewer.connection === undefined) throw new SsoError('sso_not_configured', 'Choose an SSO name first.')
    return { ...viewer, connection: viewer.connection }
  }

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

  app.post('/orgs/:org/sso/test', async (request, reply) => {
    const { actor, slug, signedIn } = await requireConnection(request)
    const { start } = await startSsoTest(deps, slug, actor, signedIn.session.idHash)
    return sendSamlStart(reply, start, { afterForm: true })
  })

  app.get('/orgs/:org/sso/tests/:test', async (request, reply) => {
    const { signedIn, base, slug } = await ssoViewer(request)
    const { test } = request.params as { test: string }
    const view = await getSsoTest(deps, slug, test, { userId: signedIn.user.id, sessionHash: signedIn.session.idHash })
    const r = view.result
    reply.header('cache-control', 'no-store')
    return sendPage(
      reply,
      <SsoTestPage
        {...base}
        testId={view.id}
        ssoName={view.connection.ssoName}
        createdAt={view.createdAt}
        current={view.current}
        enabled={view.connection.enabled}
        loginUrl={spEndpoints(deps.settings.baseUrl, view.connection.ssoName).loginUrl}
        result={
          r === undefined
            ? undefined
            : {
                passed: r.passed,
                failure:
                  r.failure === undefined
                    ? undefined
                    : {
                        code: r.failure.code,
                        hint: fixItHint(r.failure.code),
                        fields: Object.entries(r.failure)
                          .filter(([k]) => k !== 'code')
                          .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string]),
                      },
                nameId: r.nameId,
                nameIdFormat: r.nameIdFormat,
                email: r.email,
                access: r.access,
                attributes: r.attributes,
                signedParts:
                  r.signed === undefined
                    ? undefined
                    : [r.signed.response && 'Response', r.signed.assertion && 'Assertion'].filter(Boolean).join(' and ') +
                      (r.encrypted ? ' (assertion encrypted)' : ''),
                signatureAlgorithm: r.signatureAlgorithm,
                idpRoles: r.idpRoles,
                rolesAttribute: r.rolesAttribute,
                directoryRoles: r.directoryRoles,
                currentRoles: r.currentRoles,
                mappedRoles: r.mappedRoles,
                warnings: r.warnings,
                responseXml: xmlLines(r.responseXml) ?? r.responseXml,
                decryptedAssertionXml: r.decryptedAssertionXml === undefined ? undefined : (xmlLines(r.decryptedAssertionXml) ?? r.decryptedAssertionXml),
                mark: r.failure === undefined ? [] : failureElements(r.failure.code),
                markValue: r.failure?.code === 'workspace_attribute_invalid' ? String(r.failure.attribute) : undefined,
              }
        }
      />,
    )
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
