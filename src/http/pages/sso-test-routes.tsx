/**
 * Test SSO from the SSO pages (DESIGN §2 step 5): start the real SP-initiated flow in test mode, and
 * the result page the ACS sends the tester to. The result is the tester's session's (an owner's or a
 * set-up link's); owners also see the tests a link ran (core/sso-test.ts).
 */
import type { FastifyInstance } from 'fastify'
import type { CoreDeps } from '../../core/deps.js'
import { spEndpoints } from '../../core/sso-connection.js'
import { getSsoTest, startSsoTest } from '../../core/sso-test.js'
import { failureElements, fixItHint } from '../../core/sso-test-hints.js'
import { xmlLines } from '../../saml/pretty-xml.js'
import { SsoTestPage } from '../../ui/pages/sso-test-page.js'
import { sendSamlStart } from '../saml-routes.js'
import { sendPage } from './html.js'
import { requireSsoConnection, ssoPageViewer } from './sso-viewer.js'

export function ssoTestPageRoutes(app: FastifyInstance, deps: CoreDeps): void {
  app.post('/orgs/:org/sso/test', async (request, reply) => {
    const { actor, slug, sessionHash } = await requireSsoConnection(deps, request)
    const { start } = await startSsoTest(deps, slug, actor, sessionHash)
    return sendSamlStart(reply, start, { afterForm: true })
  })

  app.get('/orgs/:org/sso/tests/:test', async (request, reply) => {
    const { actor, sessionHash, base, slug } = await ssoPageViewer(deps, request)
    const { test } = request.params as { test: string }
    const view = await getSsoTest(deps, slug, test, { actor, sessionHash })
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
        ranBySetupLink={view.ranBySetupLink}
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
}
