/**
 * OpenID Connect storage: oidc-provider's state (one table, its adapter contract), the signing keys
 * and the registered clients. The same SQL on SQLite and PostgreSQL, so a flow may start on one
 * process and finish on another.
 */
import type { OidcClientStore, OidcKeyAlgorithm, OidcKeyStore, OidcPayloadStore } from '../core/ports.js'
import type { ExpressionBuilder } from 'kysely'
import type { Db } from './database.js'
import { translateDuplicate } from './duplicate-key.js'
import type { Database, OidcClientTable } from './schema.js'

type Found = { payload: string; consumed_at: string | null } | undefined

const live = (row: Found) => row && { payload: JSON.parse(row.payload) as Record<string, unknown>, consumedAt: row.consumed_at ?? undefined }

export function oidcPayloadRepository(db: Db): OidcPayloadStore {
  const notExpired = (now: string) => (eb: ExpressionBuilder<Database, 'oidc_payloads'>) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])
  return {
    upsert: async (r) => {
      const values = {
        model: r.model,
        id: r.id,
        payload: JSON.stringify(r.payload),
        grant_id: r.grantId ?? null,
        uid: r.uid ?? null,
        user_code: r.userCode ?? null,
        expires_at: r.expiresAt ?? null,
        consumed_at: null,
        account_id: r.accountId ?? null,
        org_id: r.orgId ?? null,
      }
      // A re-save keeps consumed_at: consuming is its own, one-way write.
      const { model: _model, id: _id, consumed_at: _consumed, ...changes } = values
      await db
        .insertInto('oidc_payloads')
        .values(values)
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(changes))
        .execute()
    },
    find: async (model, id, now) =>
      live(
        await db
          .selectFrom('oidc_payloads')
          .select(['payload', 'consumed_at'])
          .where('model', '=', model)
          .where('id', '=', id)
          .where(notExpired(now))
          .executeTakeFirst(),
      ),
    findByUid: async (model, uid, now) =>
      live(
        await db
          .selectFrom('oidc_payloads')
          .select(['payload', 'consumed_at'])
          .where('model', '=', model)
          .where('uid', '=', uid)
          .where(notExpired(now))
          .executeTakeFirst(),
      ),
    findByUserCode: async (model, userCode, now) =>
      live(
        await db
          .selectFrom('oidc_payloads')
          .select(['payload', 'consumed_at'])
          .where('model', '=', model)
          .where('user_code', '=', userCode)
          .where(notExpired(now))
          .executeTakeFirst(),
      ),
    consume: async (model, id, now) => {
      await db.updateTable('oidc_payloads').set({ consumed_at: now }).where('model', '=', model).where('id', '=', id).execute()
    },
    destroy: async (model, id) => {
      await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute()
    },
    revokeByGrantId: async (grantId) => {
      await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute()
    },
    deleteExpired: async (now) => {
      await db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).execute()
    },
    deleteGrants: (grantIds) => deleteGrants(db, grantIds),
    revokeOrgLogins: async (userId, orgId, now) => {
      // Never moves back: a revocation recorded later (another process's clock) stays.
      await db
        .insertInto('oidc_revocations')
        .values({ user_id: userId, org_id: orgId, revoked_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'org_id']).doUpdateSet({ revoked_at: now }).where('oidc_revocations.revoked_at', '<', now))
        .execute()
      const logins = await db
        .selectFrom('oidc_payloads')
        .select('id')
        .where('model', '=', ORG_LOGIN)
        .where('org_id', '=', orgId)
        .where('account_id', '=', userId)
        .execute()
      await deleteGrants(
        db,
        logins.map((l) => l.id),
      )
    },
    findRevocation: async (userId, orgId) =>
      (await db.selectFrom('oidc_revocations').select('revoked_at').where('user_id', '=', userId).where('org_id', '=', orgId).executeTakeFirst())?.revoked_at,
    listOrgLogins: async (orgId, userId) =>
      (
        await db
          .selectFrom('oidc_payloads')
          .select(['id', 'payload'])
          .where('model', '=', ORG_LOGIN)
          .where('org_id', '=', orgId)
          .$if(userId !== undefined, (q) => q.where('account_id', '=', userId!))
          .orderBy('id')
          .execute()
      ).map((r) => ({ grantId: r.id, payload: JSON.parse(r.payload) as Record<string, unknown> })),
  }
}

/** Gatehouse's record of a grant's user and org (core/oidc-login.ts), stored under the grant's id. */
const ORG_LOGIN = 'OrgLogin'

async function deleteGrants(db: Db, grantIds: readonly string[]): Promise<void> {
  // Chunks keep the statement under SQLite's bound-parameter limit for a user with many grants.
  for (let i = 0; i < grantIds.length; i += 200) {
    const ids = grantIds.slice(i, i + 200)
    await db
      .deleteFrom('oidc_payloads')
      // An interaction in progress names the grant it found, but is no credential: a sign-out that ends
      // the grant must not end the sign-in the user is doing (prompt=login's "sign in again").
      .where((eb) => eb.or([eb.and([eb('grant_id', 'in', ids), eb('model', '!=', 'Interaction')]), eb.and([eb('model', '=', 'Grant'), eb('id', 'in', ids)])]))
      .execute()
  }
}

export function oidcKeyRepository(db: Db): OidcKeyStore {
  return {
    listActive: async () =>
      (await db.selectFrom('oidc_signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(
        (r) => ({
          id: r.id,
          alg: r.alg as OidcKeyAlgorithm,
          privateJwkEncrypted: r.private_jwk_encrypted,
          publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
          createdAt: r.created_at,
        }),
      ),
    insert: async (k) => {
      await db
        .insertInto('oidc_signing_keys')
        .values({
          id: k.id,
          alg: k.alg,
          private_jwk_encrypted: k.privateJwkEncrypted,
          public_jwk: JSON.stringify(k.publicJwk),
          created_at: k.createdAt,
          retired_at: null,
        })
        .execute()
    },
    retire: async (id, now) => {
      const result = await db.updateTable('oidc_signing_keys').set({ retired_at: now }).where('id', '=', id).where('retired_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
  }
}

const toClient = (r: OidcClientTable) => ({
  id: r.id,
  name: r.name,
  public: r.public === 1,
  secretEncrypted: r.secret_encrypted ?? undefined,
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
  backchannelLogoutUri: r.backchannel_logout_uri ?? undefined,
  backchannelLogoutSessionRequired: r.backchannel_logout_session_required !== 0,
  createdAt: r.created_at,
})

export function oidcClientRepository(db: Db): OidcClientStore {
  return {
    insert: async (c) => {
      await translateDuplicate(
        db
          .insertInto('oidc_clients')
          .values({
            id: c.id,
            name: c.name,
            public: c.public ? 1 : 0,
            secret_encrypted: c.secretEncrypted ?? null,
            redirect_uris: JSON.stringify(c.redirectUris),
            post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
            backchannel_logout_uri: c.backchannelLogoutUri ?? null,
            backchannel_logout_session_required: c.backchannelLogoutSessionRequired ? 1 : 0,
            created_at: c.createdAt,
          })
          .execute(),
      )
    },
    find: async (id) => {
      const row = await db.selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toClient(row)
    },
    update: async (id, c) => {
      const result = await db
        .updateTable('oidc_clients')
        .set({
          ...(c.name === undefined ? {} : { name: c.name }),
          ...(c.redirectUris === undefined ? {} : { redirect_uris: JSON.stringify(c.redirectUris) }),
          ...(c.postLogoutRedirectUris === undefined ? {} : { post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris) }),
          // undefined in the changes means "unchanged", so clearing the URI is an explicit key with undefined.
          ...('backchannelLogoutUri' in c ? { backchannel_logout_uri: c.backchannelLogoutUri ?? null } : {}),
          ...(c.backchannelLogoutSessionRequired === undefined ? {} : { backchannel_logout_session_required: c.backchannelLogoutSessionRequired ? 1 : 0 }),
        })
        .where('id', '=', id)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    list: async () => (await db.selectFrom('oidc_clients').selectAll().orderBy('created_at').orderBy('id').execute()).map(toClient),
    delete: async (id) => {
      const result = await db.deleteFrom('oidc_clients').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
  }
}
