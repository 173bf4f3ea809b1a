/** The two reads a returning user's ACS post makes (connection with org; linked user with membership), on each dialect. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../src/core/secret-token.js'
import { DEFAULT_POLICY } from '../../src/core/sso-connection.js'
import { DIALECTS, openTestStore, org, T0, user, type TestStore } from './dialects.js'

for (const dialect of DIALECTS) {
  describe(`ACS reads on ${dialect}`, () => {
    let t: TestStore
    const acme = org('acme')
    const other = org('other')
    const alice = user('alice@acme.test')
    const connectionId = newId()
    beforeEach(async () => {
      t = await openTestStore(dialect)
      for (const o of [acme, other]) await t.store.orgs.insert(o)
      await t.store.users.insert(alice)
      await t.store.ssoConnections.insert({
        id: connectionId,
        orgId: acme.id,
        ssoName: 'acme-sso',
        enabled: true,
        idp: undefined,
        policy: DEFAULT_POLICY,
        metadataUrl: undefined,
        metadataRefreshedAt: undefined,
        metadataRefreshError: undefined,
        createdAt: T0,
        updatedAt: T0,
      })
    })
    afterEach(() => t?.close())

    it('finds the connection and its org by SSO name in one read, and nothing for an unknown name', async () => {
      const found = await t.store.ssoConnections.findWithOrgBySsoName('acme-sso')
      expect(found?.org).toEqual(acme)
      expect(found?.connection).toEqual(await t.store.ssoConnections.findBySsoName('acme-sso'))
      expect(await t.store.ssoConnections.findWithOrgBySsoName('acme')).toBeUndefined()
    })

    it('finds the user linked to a NameID with their membership of that org only', async () => {
      expect(await t.store.saml.findLinkedUser(connectionId, 'alice@acme.test', acme.id)).toBeUndefined()
      await t.store.saml.rememberIdentity(connectionId, 'alice@acme.test', alice.id, T0)
      expect(await t.store.saml.findLinkedUser(connectionId, 'alice@acme.test', acme.id)).toEqual({
        user: { id: alice.id, email: alice.email, firstName: 'First', lastName: 'Last', hasPassword: false, createdAt: T0 },
        identitySeenAt: T0,
        memberId: undefined,
      })
      const memberId = newId()
      const acmeMemberId = newId()
      await t.store.members.insert({ id: memberId, orgId: other.id, userId: alice.id, role: 'member', allowWithoutSso: false, createdAt: T0 })
      expect((await t.store.saml.findLinkedUser(connectionId, 'alice@acme.test', acme.id))?.memberId).toBeUndefined()
      await t.store.members.insert({ id: acmeMemberId, orgId: acme.id, userId: alice.id, role: 'member', allowWithoutSso: false, createdAt: T0 })
      expect((await t.store.saml.findLinkedUser(connectionId, 'alice@acme.test', acme.id))?.memberId).toBe(acmeMemberId)
      expect(await t.store.saml.findLinkedUser(connectionId, 'bob@acme.test', acme.id)).toBeUndefined()
    })
  })
}
