/**
 * Fills a Gatehouse database with `count` other organizations, for DESIGN §6's "10,000 orgs in the
 * database make no measurable difference to the ACS". Each org gets what a real one has: an enabled
 * SSO connection (IdP certificate, default policy), a workspace, `membersPerOrg` members (users with
 * a workspace role, a remembered NameID and a session each) and an audit entry. Rows are written
 * through Gatehouse's own stores, one transaction per 100 orgs.
 */
import { DEFAULT_POLICY } from '../../src/core/sso-connection.js'
import { hashSecretToken, newId, newSecretToken } from '../../src/core/secret-token.js'
import type { Store } from '../../src/core/ports.js'

export interface SeedOptions {
  readonly count: number
  readonly membersPerOrg?: number
  /** An IdP certificate (PEM) for the seeded connections; any valid one will do. */
  readonly certificatePem: string
  readonly now: Date
}

export async function seedOrgs(store: Store, options: SeedOptions): Promise<{ orgs: number; users: number }> {
  const members = options.membersPerOrg ?? 5
  const at = options.now.toISOString()
  const later = new Date(options.now.getTime() + 12 * 3_600_000).toISOString()
  for (let start = 0; start < options.count; start += 100) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(options.count, start + 100); i++) {
        const slug = `seeded-${String(i).padStart(5, '0')}`
        const orgId = newId()
        await tx.orgs.insert({ id: orgId, name: `Seeded org ${i}`, slug, createdAt: at })
        const connectionId = newId()
        await tx.ssoConnections.insert({
          id: connectionId,
          orgId,
          ssoName: slug,
          enabled: true,
          idp: {
            entityId: `https://idp.${slug}.test/metadata`,
            ssoUrlRedirect: `https://idp.${slug}.test/sso`,
            ssoUrlPost: undefined,
            certificates: [options.certificatePem],
            signatureAlgorithm: 'rsa-sha256',
            source: 'manual',
            nameIdFormats: [],
          },
          policy: DEFAULT_POLICY,
          metadataUrl: undefined,
          metadataRefreshedAt: undefined,
          metadataRefreshError: undefined,
          createdAt: at,
          updatedAt: at,
        })
        const workspaceId = newId()
        await tx.workspaces.insert({ id: workspaceId, orgId, name: 'Production', slug: 'production', createdAt: at })
        for (let m = 0; m < members; m++) {
          const userId = newId()
          const email = `user${m}@${slug}.test`
          await tx.users.insert({ id: userId, email, firstName: 'Seeded', lastName: `User ${m}`, passwordHash: null, createdAt: at })
          const memberId = newId()
          await tx.members.insert({ id: memberId, orgId, userId, role: m === 0 ? 'owner' : 'member', allowWithoutSso: false, createdAt: at })
          await tx.members.setWorkspaceRoles(memberId, { [workspaceId]: m === 0 ? 'admin' : 'viewer' })
          await tx.saml.rememberIdentity(connectionId, email, userId, at)
          await tx.sessions.insert({
            idHash: hashSecretToken(newSecretToken()),
            userId,
            orgId,
            kind: 'browser',
            authMethod: 'saml',
            createdAt: at,
            idleExpiresAt: later,
            expiresAt: later,
          })
        }
        await tx.audit.insert({ id: newId(), orgId, actor: 'operator', action: 'sso.enabled', target: null, detail: {}, createdAt: at })
      }
    })
  }
  return { orgs: options.count, users: options.count * members }
}
