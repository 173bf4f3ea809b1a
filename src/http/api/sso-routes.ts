/** Operator API: an org's SSO connection (DESIGN §5). */
import type { CoreDeps } from '../../core/deps.js'
import { activeSpKeys } from '../../core/sp-keys.js'
import { configureIdp, disableSso, enableSso, getSsoConnection, setSsoName, updateSsoPolicy } from '../../core/sso-admin.js'
import { spEndpoints, type SsoConnection } from '../../core/sso-connection.js'
import { bindUsersCsv } from '../../core/bind-users.js'
import { cachedCertificate } from '../../saml/certificate.js'
import { route, type ApiRoute } from './route.js'
import { EnableInput, IdpInput, OrgParams, Sso, SsoNameInput, SsoPolicy, SsoPolicyPatch } from './schemas.js'
import { z } from 'zod'

const operator = { kind: 'operator' } as const

export async function ssoJson(deps: CoreDeps, connection: SsoConnection, warnings?: readonly string[]) {
  const sp = spEndpoints(deps.settings.baseUrl, connection.ssoName)
  const keys = await activeSpKeys(deps)
  const idp = connection.idp
  return {
    ssoName: connection.ssoName,
    enabled: connection.enabled,
    sp: { ...sp, certificate: keys[0]!.certificatePem, certificates: keys.map((k) => k.certificatePem) },
    idp:
      idp === undefined
        ? null
        : {
            entityId: idp.entityId,
            ssoUrl: idp.ssoUrlRedirect ?? idp.ssoUrlPost ?? null,
            ssoUrlRedirect: idp.ssoUrlRedirect ?? null,
            ssoUrlPost: idp.ssoUrlPost ?? null,
            certificates: idp.certificates.map((pem) => {
              const c = cachedCertificate(pem)
              return { fingerprint: c.fingerprint, subject: c.subject, notAfter: c.notAfter.toISOString(), pem: c.pem }
            }),
            signatureAlgorithm: idp.signatureAlgorithm,
            source: idp.source,
            metadataUrl: connection.metadataUrl ?? null,
            metadataRefreshedAt: connection.metadataRefreshedAt ?? null,
            metadataRefreshError: connection.metadataRefreshError ?? null,
            sloUrl: idp.singleLogout?.url ?? null,
            sloBinding: idp.singleLogout?.binding ?? null,
            sloResponseUrl: idp.singleLogout?.responseUrl ?? null,
          },
    policy: connection.policy,
    ...(warnings === undefined ? {} : { warnings: [...warnings] }),
  }
}

export function ssoRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'SSO'
  return [
    route({
      method: 'GET',
      path: '/organizations/:org/sso',
      tag,
      security: 'operator',
      summary: "The org's SSO connection: SP details, IdP side, policy",
      params: OrgParams,
      response: Sso,
      errors: [404],
      handle: async ({ params }) => ssoJson(deps, (await getSsoConnection(deps, params.org, operator)).connection),
    }),
    route({
      method: 'PUT',
      path: '/organizations/:org/sso',
      tag,
      security: 'operator',
      summary: 'Create the SSO connection with this SSO name, or rename it',
      params: OrgParams,
      body: SsoNameInput,
      response: Sso,
      errors: [404, 409, 422],
      handle: async ({ params, body }, _request, reply) => {
        const { connection, created } = await setSsoName(deps, params.org, body.ssoName, operator)
        if (created) reply.code(201)
        const json = await ssoJson(deps, connection)
        return reply.send(Sso.parse(json))
      },
    }),
    route({
      method: 'PUT',
      path: '/organizations/:org/sso/idp',
      tag,
      security: 'operator',
      summary: 'Configure the IdP from metadata XML, a metadata URL (re-fetched periodically) or manual fields',
      params: OrgParams,
      body: IdpInput,
      response: Sso,
      errors: [404, 409, 413, 422, 429],
      handle: async ({ params, body }) => {
        const { connection, warnings } = await configureIdp(deps, params.org, body, operator)
        return ssoJson(deps, connection, warnings)
      },
    }),
    route({
      method: 'PATCH',
      path: '/organizations/:org/sso/policy',
      tag,
      security: 'operator',
      summary: 'Change any subset of the SSO policy; answers the whole policy',
      params: OrgParams,
      body: SsoPolicyPatch,
      response: SsoPolicy,
      errors: [404, 422],
      handle: async ({ params, body }) => updateSsoPolicy(deps, params.org, body as Record<string, unknown>, operator),
    }),
    route({
      method: 'POST',
      path: '/organizations/:org/sso/enable',
      tag,
      security: 'operator',
      summary: 'Enable SSO (requires a passing SSO test; the operator may pass {"skipTest": true})',
      params: OrgParams,
      body: EnableInput,
      response: Sso,
      errors: [404, 409],
      handle: async ({ params, body }) => ssoJson(deps, await enableSso(deps, params.org, { skipTest: body?.skipTest === true }, operator)),
    }),
    route({
      method: 'POST',
      path: '/organizations/:org/sso/disable',
      tag,
      security: 'operator',
      summary: 'Disable SSO: members go back to passwords; configuration, members and roles stay',
      params: OrgParams,
      body: EnableInput,
      response: Sso,
      errors: [404],
      handle: async ({ params }) => ssoJson(deps, await disableSso(deps, params.org, operator)),
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/sso/bind-users.csv',
      tag,
      security: 'operator',
      summary: 'Bind existing users: one row per member with the attribute values to enter in the IdP',
      params: OrgParams,
      response: z.string(),
      produces: 'text/csv; charset=utf-8',
      errors: [404],
      handle: async ({ params }) => bindUsersCsv(deps, params.org, operator),
    }),
  ]
}
