/** Operator API: an org's email domains (issue 5; DESIGN §3 routing by email). */
import type { CoreDeps } from '../../core/deps.js'
import { verificationRecord, type EmailDomain as Domain } from '../../core/domain-name.js'
import { addEmailDomain, getEmailDomain, listEmailDomains, markEmailDomainVerified, removeEmailDomain, verifyEmailDomain } from '../../core/email-domains.js'
import { route, type ApiRoute } from './route.js'
import { DomainParams, EmailDomain, EmailDomainInput, EmailDomainList, OrgParams, VerifyDomainInput } from './schemas.js'

const operator = { kind: 'operator' } as const

export function domainJson(domain: Domain) {
  return {
    domain: domain.domain,
    verified: domain.verifiedAt !== undefined,
    verifiedAt: domain.verifiedAt ?? null,
    verifiedBy: domain.verifiedBy ?? null,
    verification: verificationRecord(domain),
    createdAt: domain.createdAt,
  }
}

export function domainRoutes(deps: CoreDeps): ApiRoute[] {
  const tag = 'Email domains'
  return [
    route({
      method: 'GET',
      path: '/organizations/:org/domains',
      tag,
      security: 'operator',
      summary: "The org's email domains, verified or pending, with the TXT record to publish",
      params: OrgParams,
      response: EmailDomainList,
      errors: [404],
      handle: async ({ params }) => ({ data: (await listEmailDomains(deps, params.org, operator)).map(domainJson) }),
    }),
    route({
      method: 'POST',
      path: '/organizations/:org/domains',
      tag,
      security: 'operator',
      summary: 'Add an email domain, pending until verified',
      status: 201,
      params: OrgParams,
      body: EmailDomainInput,
      response: EmailDomain,
      errors: [404, 409, 422],
      handle: async ({ params, body }) => domainJson(await addEmailDomain(deps, params.org, body.domain, operator)),
    }),
    route({
      method: 'GET',
      path: '/organizations/:org/domains/:domain',
      tag,
      security: 'operator',
      summary: 'One email domain',
      params: DomainParams,
      response: EmailDomain,
      errors: [404],
      handle: async ({ params }) => domainJson(await getEmailDomain(deps, params.org, params.domain, operator)),
    }),
    route({
      method: 'POST',
      path: '/organizations/:org/domains/:domain/verify',
      tag,
      security: 'operator',
      summary: 'Verify by the DNS TXT record gatehouse-verification=<token> at the domain (the operator may pass {"skipDnsCheck": true})',
      params: DomainParams,
      body: VerifyDomainInput,
      response: EmailDomain,
      errors: [404, 409, 502],
      handle: async ({ params, body }) =>
        domainJson(
          body?.skipDnsCheck === true
            ? await markEmailDomainVerified(deps, params.org, params.domain, operator)
            : await verifyEmailDomain(deps, params.org, params.domain, operator),
        ),
    }),
    route({
      method: 'DELETE',
      path: '/organizations/:org/domains/:domain',
      tag,
      security: 'operator',
      summary: 'Remove an email domain (verified or not)',
      params: DomainParams,
      errors: [404],
      handle: async ({ params }) => {
        await removeEmailDomain(deps, params.org, params.domain, operator)
      },
    }),
  ]
}
