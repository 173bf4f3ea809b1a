/**
 * Fills a Gatehouse database with one org whose directory holds `users` SCIM users, the rows a
 * `POST /Users` of each would have written: an account, a membership, the SCIM user (its stored JSON
 * made by the scim/ module from an Okta-shaped body), an audit entry and an event, plus one SSO
 * browser session per member. Written through Gatehouse's own core and stores (not HTTP), one
 * transaction per 1,000 users, eight at a time (PostgreSQL overlaps their round trips). The org
 * verifies its email domain, so SCIM may create new accounts.
 *
 * The first `targets` members are the ones the bench deactivates: each also holds an API session
 * (`gha_…`), a personal API token (`ghpt_…`) and an OIDC grant with its refresh and access tokens,
 * so that a deactivation has real rows to revoke.
 */
import { API_TOKEN_PREFIX } from '../../src/core/api-tokens.js'
import { recordAudit } from '../../src/core/audit.js'
import type { Actor, CoreDeps } from '../../src/core/deps.js'
import { createDirectory } from '../../src/core/directory.js'
import { recordEvent } from '../../src/core/events.js'
import { createOrganization } from '../../src/core/orgs.js'
import type { Stores } from '../../src/core/ports.js'
import { hashSecretToken, newId, newSecretToken } from '../../src/core/secret-token.js'
import { foldCase } from '../../src/scim/filter.js'
import { parseUserBody, userDataToJson } from '../../src/scim/user.js'

export const BENCH_DOMAIN = 'bench-scim.example'
const OPERATOR: Actor = { kind: 'operator' }
const DIRECTORY: Actor = { kind: 'system', name: 'directory' }
const CHUNK = 1000
const CONCURRENT_TRANSACTIONS = 8

export const userNameOf = (i: number) => `user${String(i).padStart(6, '0')}@${BENCH_DOMAIN}`

/** The body Okta sends for a new user (its SPEC test's shape). */
export function oktaUserBody(userName: string, i: number): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Bench', familyName: `User ${i}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Bench User ${i}`,
    externalId: `00u${String(i).padStart(8, '0')}`,
    locale: 'en-US',
    active: true,
  }
}

export interface Target {
  readonly scimId: string
  readonly userId: string
  /** Secrets of the target's API session and personal API token (for the over-HTTP checks). */
  readonly apiSession: string
  readonly apiToken: string
  readonly grantId: string
}

export interface Seeded {
  readonly orgId: string
  readonly directoryId: string
  readonly token: string
  readonly targets: Target[]
  readonly seconds: number
}

export async function seedDirectory(deps: CoreDeps, options: { users: number; targets: number; now: Date }): Promise<Seeded> {
  const started = performance.now()
  const org = await createOrganization(deps, { name: 'Bench SCIM', slug: 'bench-scim' }, OPERATOR)
  const at = options.now.toISOString()
  await deps.store.transaction(async (tx) => {
    const id = newId()
    await tx.emailDomains.insert({
      id,
      orgId: org.id,
      domain: BENCH_DOMAIN,
      verificationToken: newSecretToken(),
      verifiedAt: undefined,
      verifiedBy: undefined,
      createdAt: at,
    })
    await tx.emailDomains.markVerified(id, at, 'operator')
  })
  const { directory, token } = await createDirectory(deps, OPERATOR, org.slug)
  const later = new Date(options.now.getTime() + 12 * 3_600_000).toISOString()

  const targets = new Array<Target>(options.targets)
  // Several transactions at once: PostgreSQL overlaps their round trips; SQLite runs them one after the other.
  let nextChunk = 0
  const worker = async () => {
    for (let start = nextChunk; start < options.users; start = nextChunk) {
      nextChunk += CHUNK
      await deps.store.transaction(async (tx) => {
        for (let i = start; i < Math.min(options.users, start + CHUNK); i++) {
          const { scimId, userId } = await user(tx, { i, orgId: org.id, directoryId: directory.id, now: options.now, later })
          // The owner (i = 0) is never deactivated: targets start at 1.
          if (i >= 1 && i <= options.targets) targets[i - 1] = await holdings(tx, { scimId, userId, orgId: org.id, at, later })
        }
      })
    }
  }
  await Promise.all(Array.from({ length: CONCURRENT_TRANSACTIONS }, worker))
  return { orgId: org.id, directoryId: directory.id, token: token.secret, targets, seconds: (performance.now() - started) / 1000 }
}

/** The rows a SCIM POST of user `i` writes (core/directory-users.ts), and an SSO session. */
async function user(tx: Stores, u: { i: number; orgId: string; directoryId: string; now: Date; later: string }): Promise<{ scimId: string; userId: string }> {
  const { i, orgId } = u
  const at = u.now.toISOString()
  const userName = userNameOf(i)
  const parsed = parseUserBody(oktaUserBody(userName, i))
  if (!parsed.ok) throw new Error(`the seed body is refused: ${parsed.error.message}`)
  const data = parsed.value
  const userId = newId()
  await tx.users.insert({ id: userId, email: userName, firstName: 'Bench', lastName: `User ${i}`, passwordHash: null, createdAt: at })
  const memberId = newId()
  await tx.members.insert({ id: memberId, orgId, userId, role: i === 0 ? 'owner' : 'member', allowWithoutSso: false, createdAt: at })
  const scimId = newId()
  await tx.scimUsers.insert({
    id: scimId,
    directoryId: u.directoryId,
    memberId,
    externalId: data.externalId ?? null,
    userName: data.userName,
    userNameFolded: foldCase(data.userName),
    active: true,
    attributes: JSON.stringify(userDataToJson(data)),
    createdAt: at,
    updatedAt: at,
  })
  await recordAudit(tx, { orgId, actor: DIRECTORY, action: 'member.provisioned', target: userName, detail: { role: 'member', via: 'directory' } }, u.now)
  await recordEvent(tx, { type: 'member.created', orgId, data: { memberId, email: userName, role: 'member' } }, u.now)
  await session(tx, { userId, orgId, kind: 'browser', at, later: u.later })
  return { scimId, userId }
}

async function session(tx: Stores, s: { userId: string; orgId: string; kind: 'browser' | 'api'; at: string; later: string }): Promise<string> {
  const secret = newSecretToken(s.kind === 'api' ? 'gha_' : '')
  await tx.sessions.insert({
    idHash: hashSecretToken(secret),
    userId: s.userId,
    orgId: s.orgId,
    kind: s.kind,
    authMethod: s.kind === 'api' ? 'password' : 'saml',
    createdAt: s.at,
    idleExpiresAt: s.later,
    expiresAt: s.later,
  })
  return secret
}

/** What a deactivation must take away: an API session, a personal API token, an OIDC grant with refresh and access tokens. */
async function holdings(tx: Stores, t: { scimId: string; userId: string; orgId: string; at: string; later: string }): Promise<Target> {
  const apiSession = await session(tx, { userId: t.userId, orgId: t.orgId, kind: 'api', at: t.at, later: t.later })
  const apiToken = newSecretToken(API_TOKEN_PREFIX)
  await tx.apiTokens.insert({
    id: newId(),
    tokenHash: hashSecretToken(apiToken),
    userId: t.userId,
    orgId: t.orgId,
    name: 'ci',
    createdAt: t.at,
    expiresAt: null,
    lastUsedAt: null,
  })
  // oidc-provider's rows for one grant (core/oidc-login.ts keeps the OrgLogin record under the grant's id).
  const grantId = newSecretToken()
  const clientId = 'bench-client'
  const exp = Math.floor(Date.parse(t.later) / 1000)
  const rows = [
    { model: 'Grant', id: grantId, payload: { jti: grantId, accountId: t.userId, clientId, exp }, grantId: undefined },
    {
      model: 'OrgLogin',
      id: grantId,
      payload: { userId: t.userId, orgId: t.orgId, authMethod: 'saml', authTime: t.at, notAfter: t.later, checkedAt: t.at },
      grantId,
    },
    { model: 'RefreshToken', id: newSecretToken(), payload: { accountId: t.userId, clientId, grantId, exp }, grantId },
    { model: 'AccessToken', id: newSecretToken(), payload: { accountId: t.userId, clientId, grantId, exp }, grantId },
  ]
  for (const row of rows) {
    await tx.oidcPayloads.upsert({
      ...row,
      uid: undefined,
      userCode: undefined,
      expiresAt: t.later,
      ...(row.model === 'OrgLogin' ? { accountId: t.userId, orgId: t.orgId } : {}),
    })
  }
  return { scimId: t.scimId, userId: t.userId, apiSession, apiToken, grantId }
}
