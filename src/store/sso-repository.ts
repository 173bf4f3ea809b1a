import type { Selectable } from 'kysely'
import type { SamlStateStore, SpKeyStore, SsoConnectionStore, SsoFailedResponse, SsoFailedResponseStore, SsoTestRecord, SsoTestStore } from '../core/ports.js'
import type { IdpConfig, SsoConnection, SsoPolicy } from '../core/sso-connection.js'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import { preparedQuery } from './prepared-query.js'
import { toUser } from './user-repository.js'
import type { SpKeyTable, SsoConnectionTable, SsoTestTable } from './schema.js'

const toConnection = (row: SsoConnectionTable): SsoConnection => ({
  id: row.id,
  orgId: row.org_id,
  ssoName: row.sso_name,
  enabled: row.enabled === 1,
  idp: row.idp === null ? undefined : (JSON.parse(row.idp) as IdpConfig),
  policy: JSON.parse(row.policy) as SsoPolicy,
  metadataUrl: row.metadata_url ?? undefined,
  metadataRefreshedAt: row.metadata_refreshed_at ?? undefined,
  metadataRefreshError: row.metadata_refresh_error ?? undefined,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

// The ACS's statements (every post reads the connection; a returning user's adds the other three):
// compiled once, run with fresh values (store/prepared-query.ts).
const findConnectionWithOrg = preparedQuery((db, slot: (name: 'ssoName') => string) =>
  db
    .selectFrom('sso_connections')
    .innerJoin('organizations', 'organizations.id', 'sso_connections.org_id')
    .selectAll('sso_connections')
    .select(['organizations.name as org_name', 'organizations.slug as org_slug', 'organizations.created_at as org_created_at'])
    .where('sso_connections.sso_name', '=', slot('ssoName')),
)

// The primary key decides: of two concurrent posts of one assertion, exactly one inserts.
const insertAssertionId = preparedQuery((db, slot: (name: 'connectionId' | 'assertionId' | 'expiresAt') => string) =>
  db
    .insertInto('saml_assertion_ids')
    .values({ connection_id: slot('connectionId'), assertion_id: slot('assertionId'), expires_at: slot('expiresAt') })
    .onConflict((oc) => oc.columns(['connection_id', 'assertion_id']).doNothing()),
)

const findLinkedUser = preparedQuery((db, slot: (name: 'connectionId' | 'nameId' | 'orgId') => string) =>
  db
    .selectFrom('saml_identities')
    .innerJoin('users', 'users.id', 'saml_identities.user_id')
    .leftJoin('members', (join) => join.onRef('members.user_id', '=', 'users.id').on('members.org_id', '=', slot('orgId')))
    .select([
      'users.id',
      'users.email',
      'users.first_name',
      'users.last_name',
      'users.password_hash',
      'users.created_at',
      'saml_identities.last_seen_at',
      'members.id as member_id',
      'members.deactivated_at',
    ])
    .where('saml_identities.connection_id', '=', slot('connectionId'))
    .where('saml_identities.name_id', '=', slot('nameId')),
)

export function ssoConnectionRepository(db: Db): SsoConnectionStore {
  return {
    insert: async (c) => {
      await translateDuplicate(
        db
          .insertInto('sso_connections')
          .values({
            id: c.id,
            org_id: c.orgId,
            sso_name: c.ssoName,
            enabled: c.enabled ? 1 : 0,
            idp: c.idp === undefined ? null : JSON.stringify(c.idp),
            policy: JSON.stringify(c.policy),
            metadata_url: c.metadataUrl ?? null,
            metadata_refreshed_at: null,
            metadata_refresh_error: null,
            created_at: c.createdAt,
            updated_at: c.updatedAt,
          })
          .execute(),
      )
    },
    findByOrg: async (orgId) => {
      const row = await db.selectFrom('sso_connections').selectAll().where('org_id', '=', orgId).executeTakeFirst()
      return row && toConnection(row)
    },
    findBySsoName: async (ssoName) => {
      const row = await db.selectFrom('sso_connections').selectAll().where('sso_name', '=', ssoName).executeTakeFirst()
      return row && toConnection(row)
    },
    findWithOrgBySsoName: async (ssoName) => {
      const [row] = (await findConnectionWithOrg(db, { ssoName })).rows
      return (
        row && {
          connection: toConnection(row),
          org: { id: row.org_id, name: row.org_name, slug: row.org_slug, createdAt: row.org_created_at },
        }
      )
    },
    update: async (id, changes, now) => {
      const set: Partial<SsoConnectionTable> = { updated_at: now }
      if (changes.ssoName !== undefined) set.sso_name = changes.ssoName
      if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0
      if ('idp' in changes) set.idp = changes.idp === undefined ? null : JSON.stringify(changes.idp)
      if (changes.policy !== undefined) set.policy = JSON.stringify(changes.policy)
      if ('metadataUrl' in changes) set.metadata_url = changes.metadataUrl ?? null
      if ('metadataRefreshedAt' in changes) set.metadata_refreshed_at = changes.metadataRefreshedAt ?? null
      if ('metadataRefreshError' in changes) set.metadata_refresh_error = changes.metadataRefreshError ?? null
      await translateDuplicate(db.updateTable('sso_connections').set(set).where('id', '=', id).execute())
    },
    listWithMetadataUrl: async () => (await db.selectFrom('sso_connections').selectAll().where('metadata_url', 'is not', null).execute()).map(toConnection),
    listWithIdp: async () => (await db.selectFrom('sso_connections').selectAll().where('idp', 'is not', null).orderBy('id').execute()).map(toConnection),
  }
}

export function spKeyRepository(db: Db): SpKeyStore {
  const toKey = (r: Selectable<SpKeyTable>) => ({
    id: r.id,
    privateKeyEncrypted: r.private_key_encrypted,
    certificatePem: r.certificate_pem,
    createdAt: r.created_at,
    activatesAt: r.activates_at,
  })
  return {
    listActive: async () =>
      (await db.selectFrom('sp_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toKey),
    listAll: async () =>
      (await db.selectFrom('sp_keys').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map((r) => ({
        ...toKey(r),
        retiredAt: r.retired_at,
      })),
    insert: async (k) => {
      await db
        .insertInto('sp_keys')
        .values({
          id: k.id,
          private_key_encrypted: k.privateKeyEncrypted,
          certificate_pem: k.certificatePem,
          created_at: k.createdAt,
          retired_at: null,
          activates_at: k.activatesAt ?? null,
        })
        .execute()
    },
    retire: async (id, now) => {
      const result = await db.updateTable('sp_keys').set({ retired_at: now }).where('id', '=', id).where('retired_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    activate: async (id, now) => {
      const result = await db
        .updateTable('sp_keys')
        .set({ activates_at: now })
        .where('id', '=', id)
        .where('retired_at', 'is', null)
        .where('activates_at', '>', now)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
  }
}

export function samlStateRepository(db: Db): SamlStateStore {
  return {
    insertRequest: async (r) => {
      await db
        .insertInto('saml_requests')
        .values({
          id: r.id,
          relay_token_hash: r.relayTokenHash,
          connection_id: r.connectionId,
          return_to: r.returnTo ?? null,
          test_by_user_id: r.testByUserId ?? null,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
        })
        .execute()
    },
    consumeRequest: async (id, connectionId, now) => {
      const row = await db
        .deleteFrom('saml_requests')
        .where('id', '=', id)
        .where('connection_id', '=', connectionId)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      return (
        row && {
          id: row.id,
          relayTokenHash: row.relay_token_hash,
          connectionId: row.connection_id,
          returnTo: row.return_to ?? undefined,
          testByUserId: row.test_by_user_id ?? undefined,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      )
    },
    consumeTestRequestByRelay: async (relayTokenHash, connectionId, now) => {
      const row = await db
        .deleteFrom('saml_requests')
        .where('relay_token_hash', '=', relayTokenHash)
        .where('connection_id', '=', connectionId)
        .where('test_by_user_id', 'is not', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      return (
        row && {
          id: row.id,
          relayTokenHash: row.relay_token_hash,
          connectionId: row.connection_id,
          returnTo: row.return_to ?? undefined,
          testByUserId: row.test_by_user_id ?? undefined,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      )
    },
    rememberAssertion: async (connectionId, assertionId, expiresAt) => {
      const result = await insertAssertionId(db, { connectionId, assertionId, expiresAt })
      return Number(result.numAffectedRows ?? 0n) > 0
    },
    findIdentity: async (connectionId, nameId) => {
      const row = await db
        .selectFrom('saml_identities')
        .select('user_id')
        .where('connection_id', '=', connectionId)
        .where('name_id', '=', nameId)
        .executeTakeFirst()
      return row?.user_id
    },
    findLinkedUser: async (connectionId, nameId, orgId) => {
      const [row] = (await findLinkedUser(db, { connectionId, nameId, orgId })).rows
      return row && { user: toUser(row), identitySeenAt: row.last_seen_at, memberId: row.member_id ?? undefined, memberDeactivated: row.deactivated_at != null }
    },
    rememberIdentity: async (connectionId, nameId, userId, now) => {
      await db
        .insertInto('saml_identities')
        .values({ connection_id: connectionId, name_id: nameId, user_id: userId, last_seen_at: now })
        .onConflict((oc) => oc.columns(['connection_id', 'name_id']).doUpdateSet({ user_id: userId, last_seen_at: now }))
        .execute()
    },
    deleteExpired: async (now) => {
      await db.deleteFrom('saml_requests').where('expires_at', '<=', now).execute()
      await db.deleteFrom('saml_assertion_ids').where('expires_at', '<=', now).execute()
    },
  }
}

export function ssoTestRepository(db: Db): SsoTestStore {
  const toRecord = (row: Selectable<SsoTestTable>): SsoTestRecord => ({
    id: row.id,
    connectionId: row.connection_id,
    userId: row.user_id ?? undefined,
    setupLinkId: row.setup_link_id ?? undefined,
    sessionHash: row.session_hash,
    requestId: row.request_id,
    idpFingerprint: row.idp_fingerprint,
    passed: row.passed === null ? undefined : row.passed === 1,
    result: row.result ?? undefined,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? undefined,
    expiresAt: row.expires_at,
  })
  return {
    insert: async (t) => {
      await db
        .insertInto('sso_tests')
        .values({
          id: t.id,
          connection_id: t.connectionId,
          user_id: t.userId ?? null,
          setup_link_id: t.setupLinkId ?? null,
          session_hash: t.sessionHash,
          request_id: t.requestId,
          idp_fingerprint: t.idpFingerprint,
          passed: t.passed === undefined ? null : t.passed ? 1 : 0,
          result: t.result ?? null,
          created_at: t.createdAt,
          finished_at: t.finishedAt ?? null,
          expires_at: t.expiresAt,
        })
        .execute()
    },
    findById: async (id) => {
      const row = await db.selectFrom('sso_tests').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toRecord(row)
    },
    findByRequestId: async (requestId) => {
      const row = await db.selectFrom('sso_tests').selectAll().where('request_id', '=', requestId).executeTakeFirst()
      return row && toRecord(row)
    },
    finish: async (id, passed, result, now) => {
      const updated = await db
        .updateTable('sso_tests')
        .set({ passed: passed ? 1 : 0, result, finished_at: now })
        .where('id', '=', id)
        .where('finished_at', 'is', null)
        .executeTakeFirst()
      return Number(updated.numUpdatedRows) > 0
    },
    hasPassed: async (connectionId, idpFingerprint, now) => {
      const row = await db
        .selectFrom('sso_tests')
        .select('id')
        .where('connection_id', '=', connectionId)
        .where('idp_fingerprint', '=', idpFingerprint)
        .where('passed', '=', 1)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return row !== undefined
    },
    deleteExpired: async (now) => {
      await db.deleteFrom('sso_tests').where('expires_at', '<=', now).execute()
    },
  }
}

export function ssoFailedResponseRepository(db: Db): SsoFailedResponseStore {
  return {
    insert: async (r, keep) => {
      await db
        .insertInto('sso_failed_responses')
        .values({
          reference: r.reference,
          seq: r.seq,
          org_id: r.orgId,
          connection_id: r.connectionId,
          failure: JSON.stringify(r.failure),
          xml: r.xml,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
        })
        .execute()
      const newest = db.selectFrom('sso_failed_responses').select('reference').where('connection_id', '=', r.connectionId).orderBy('seq', 'desc').limit(keep)
      await db.deleteFrom('sso_failed_responses').where('connection_id', '=', r.connectionId).where('reference', 'not in', newest).execute()
    },
    find: async (orgId, reference) => {
      const row = await db.selectFrom('sso_failed_responses').selectAll().where('org_id', '=', orgId).where('reference', '=', reference).executeTakeFirst()
      return (
        row && {
          reference: row.reference,
          seq: row.seq,
          orgId: row.org_id,
          connectionId: row.connection_id,
          failure: JSON.parse(row.failure) as SsoFailedResponse['failure'],
          xml: row.xml,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      )
    },
    deleteExpired: async (now) => {
      await db.deleteFrom('sso_failed_responses').where('expires_at', '<=', now).execute()
    },
  }
}
