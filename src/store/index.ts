/** Builds the stores core asks for (core/ports.ts) over one Kysely instance or transaction. */
import { samlLogoutRepository } from './saml-logout-repository.js'
import type { Store, Stores } from '../core/ports.js'
import { apiTokenRepository } from './api-token-repository.js'
import { auditRepository } from './audit-repository.js'
import { certificateNoticeRepository } from './certificate-notice-repository.js'
import { settleWrites, type Db } from './database.js'
import { emailDomainRepository } from './email-domain-repository.js'
import { jobRepository } from './job-repository.js'
import { invitationRepository } from './invitation-repository.js'
import { memberRepository } from './member-repository.js'
import { oneTimeTokenRepository } from './one-time-token-repository.js'
import { oidcClientRepository, oidcKeyRepository, oidcPayloadRepository } from './oidc-repository.js'
import { oidcSessionGrantRepository } from './oidc-session-grant-repository.js'
import { orgRepository } from './org-repository.js'
import { outboxRepository } from './outbox-repository.js'
import { rateLimitRepository } from './rate-limit-repository.js'
import { scheduledRunRepository } from './scheduled-run-repository.js'
import { sessionRepository } from './session-repository.js'
import { setupLinkRepository } from './setup-link-repository.js'
import { devIdpKeyRepository } from './dev-idp-key-repository.js'
import { scimGroupRepository } from './scim-group-repository.js'
import { directoryRepository } from './directory-repository.js'
import { eventRepository } from './event-repository.js'
import { scimUserRepository } from './scim-user-repository.js'
import { samlStateRepository, spKeyRepository, ssoConnectionRepository, ssoFailedResponseRepository, ssoTestRepository } from './sso-repository.js'
import { userRepository } from './user-repository.js'
import { webhookRepository } from './webhook-repository.js'
import { workspaceRepository } from './workspace-repository.js'

function stores(db: Db): Stores {
  return {
    orgs: orgRepository(db),
    workspaces: workspaceRepository(db),
    users: userRepository(db),
    members: memberRepository(db),
    invitations: invitationRepository(db),
    oneTimeTokens: oneTimeTokenRepository(db),
    sessions: sessionRepository(db),
    apiTokens: apiTokenRepository(db),
    rateLimits: rateLimitRepository(db),
    outbox: outboxRepository(db),
    jobs: jobRepository(db),
    audit: auditRepository(db),
    spKeys: spKeyRepository(db),
    scheduledRuns: scheduledRunRepository(db),
    certificateNotices: certificateNoticeRepository(db),
    ssoConnections: ssoConnectionRepository(db),
    saml: samlStateRepository(db),
    samlLogout: samlLogoutRepository(db),
    ssoTests: ssoTestRepository(db),
    ssoFailedResponses: ssoFailedResponseRepository(db),
    emailDomains: emailDomainRepository(db),
    oidcPayloads: oidcPayloadRepository(db),
    oidcKeys: oidcKeyRepository(db),
    oidcClients: oidcClientRepository(db),
    oidcSessionGrants: oidcSessionGrantRepository(db),
    devIdpKeys: devIdpKeyRepository(db),
    directories: directoryRepository(db),
    events: eventRepository(db),
    scimUsers: scimUserRepository(db),
    scimGroups: scimGroupRepository(db),
    webhooks: webhookRepository(db),
    setupLinks: setupLinkRepository(db),
  }
}

export function createStore(db: Db): Store {
  return {
    ...stores(db),
    transaction: (work) => db.transaction().execute((trx) => work(stores(trx))),
    settleWrites: () => settleWrites(db),
  }
}
