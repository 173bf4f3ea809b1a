import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../src/core/secret-token.js'
import { DIALECTS, openTestStore, org, T0, user, type TestStore } from './dialects.js'

const BEFORE_EXPIRY = '2026-11-23T13:00:00.000Z'
const EXPIRES = '2026-11-24T12:00:00.000Z'
const AFTER_EXPIRY = '2026-11-24T12:00:00.001Z'

for (const dialect of DIALECTS) {
  describe(`one-time tokens on ${dialect}`, () => {
    let t: TestStore
    let userId: string
    beforeEach(async () => {
      t = await openTestStore(dialect)
      const u = user('max@acme.test')
      await t.store.users.insert(u)
      userId = u.id
      await t.store.oneTimeTokens.insert({ tokenHash: 'reset-1', purpose: 'password_reset', userId, createdAt: T0, expiresAt: EXPIRES })
      await t.store.oneTimeTokens.insert({ tokenHash: 'setup-1', purpose: 'setup', userId: null, createdAt: T0, expiresAt: EXPIRES })
    })
    afterEach(() => t?.close())

    it('is consumed once: the first use returns its user, the second finds nothing', async () => {
      expect(await t.store.oneTimeTokens.isLive('reset-1', 'password_reset', BEFORE_EXPIRY)).toBe(true)
      expect(await t.store.oneTimeTokens.consume('reset-1', 'password_reset', BEFORE_EXPIRY)).toEqual({ userId })
      expect(await t.store.oneTimeTokens.consume('reset-1', 'password_reset', BEFORE_EXPIRY)).toBeUndefined()
      expect(await t.store.oneTimeTokens.isLive('reset-1', 'password_reset', BEFORE_EXPIRY)).toBe(false)
      expect(await t.store.oneTimeTokens.consume('setup-1', 'setup', BEFORE_EXPIRY)).toEqual({ userId: null })
    })

    it('lets exactly one of 10 concurrent consumes win', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => t.store.oneTimeTokens.consume('reset-1', 'password_reset', BEFORE_EXPIRY)))
      expect(results.filter((r) => r !== undefined)).toEqual([{ userId }])
      expect(results.filter((r) => r === undefined)).toHaveLength(9)
    })

    it('lets exactly one of 10 concurrent consumes win when each runs in its own transaction', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => t.store.transaction((tx) => tx.oneTimeTokens.consume('reset-1', 'password_reset', BEFORE_EXPIRY))),
      )
      expect(results.filter((r) => r !== undefined)).toHaveLength(1)
    })

    it('does not consume a token for another purpose, nor an expired one', async () => {
      expect(await t.store.oneTimeTokens.consume('reset-1', 'setup', BEFORE_EXPIRY)).toBeUndefined()
      expect(await t.store.oneTimeTokens.consume('reset-1', 'password_reset', EXPIRES)).toBeUndefined()
      expect(await t.store.oneTimeTokens.consume('reset-1', 'password_reset', AFTER_EXPIRY)).toBeUndefined()
      expect(await t.store.oneTimeTokens.isLive('reset-1', 'password_reset', AFTER_EXPIRY)).toBe(false)
      // Still there for its own purpose before expiry: the refusals above did not burn it.
      expect(await t.store.oneTimeTokens.consume('reset-1', 'password_reset', BEFORE_EXPIRY)).toEqual({ userId })
    })

    it("deletes a user's tokens of one purpose only", async () => {
      await t.store.oneTimeTokens.deleteForUser(userId, 'setup')
      expect(await t.store.oneTimeTokens.isLive('reset-1', 'password_reset', BEFORE_EXPIRY)).toBe(true)
      await t.store.oneTimeTokens.deleteForUser(userId, 'password_reset')
      expect(await t.store.oneTimeTokens.isLive('reset-1', 'password_reset', BEFORE_EXPIRY)).toBe(false)
      expect(await t.store.oneTimeTokens.isLive('setup-1', 'setup', BEFORE_EXPIRY)).toBe(true)
    })
  })

  describe(`invitations on ${dialect}`, () => {
    let t: TestStore
    let orgId: string
    const invitation = (overrides: Record<string, unknown> = {}) => ({
      id: newId(),
      orgId,
      email: 'Invited@Acme.test',
      role: 'admin' as const,
      workspaceRoles: { prod: 'editor' },
      createdAt: T0,
      expiresAt: EXPIRES,
      tokenHash: 'invite-1',
      invitedBy: null,
      ...overrides,
    })
    beforeEach(async () => {
      t = await openTestStore(dialect)
      const acme = org('acme')
      await t.store.orgs.insert(acme)
      orgId = acme.id
    })
    afterEach(() => t?.close())

    it('is consumed once and comes back whole', async () => {
      const inv = invitation()
      await t.store.invitations.insert(inv)
      const { tokenHash: _hash, invitedBy: _by, ...expected } = inv
      expect(await t.store.invitations.findByToken('invite-1', BEFORE_EXPIRY)).toEqual(expected)
      expect(await t.store.invitations.consume('invite-1', BEFORE_EXPIRY)).toEqual(expected)
      expect(await t.store.invitations.consume('invite-1', BEFORE_EXPIRY)).toBeUndefined()
      expect(await t.store.invitations.findByToken('invite-1', BEFORE_EXPIRY)).toBeUndefined()
      expect(await t.store.invitations.listByOrg(orgId, BEFORE_EXPIRY)).toEqual([])
    })

    it('lets exactly one of 10 concurrent consumes win', async () => {
      await t.store.invitations.insert(invitation())
      const results = await Promise.all(Array.from({ length: 10 }, () => t.store.invitations.consume('invite-1', BEFORE_EXPIRY)))
      expect(results.filter((r) => r !== undefined)).toHaveLength(1)
      expect(results.find((r) => r !== undefined)).toMatchObject({ email: 'Invited@Acme.test', role: 'admin' })
    })

    it('lets exactly one of 10 concurrent consumes win when each runs in its own transaction', async () => {
      await t.store.invitations.insert(invitation())
      const results = await Promise.all(Array.from({ length: 10 }, () => t.store.transaction((tx) => tx.invitations.consume('invite-1', BEFORE_EXPIRY))))
      expect(results.filter((r) => r !== undefined)).toHaveLength(1)
    })

    it('does not consume an expired invitation, nor list it', async () => {
      await t.store.invitations.insert(invitation())
      expect(await t.store.invitations.listByOrg(orgId, AFTER_EXPIRY)).toEqual([])
      expect(await t.store.invitations.consume('invite-1', EXPIRES)).toBeUndefined()
      expect(await t.store.invitations.consume('invite-1', AFTER_EXPIRY)).toBeUndefined()
    })

    it('gives the invitation back when the transaction that consumed it fails', async () => {
      await t.store.invitations.insert(invitation())
      await expect(
        t.store.transaction(async (tx) => {
          expect(await tx.invitations.consume('invite-1', BEFORE_EXPIRY)).toBeDefined()
          throw new Error('membership insert failed')
        }),
      ).rejects.toThrow('membership insert failed')
      expect(await t.store.invitations.consume('invite-1', BEFORE_EXPIRY)).toBeDefined()
    })

    it('deletes by email in any case, within the org only', async () => {
      const globex = org('globex')
      await t.store.orgs.insert(globex)
      await t.store.invitations.insert(invitation())
      await t.store.invitations.insert(invitation({ orgId: globex.id, tokenHash: 'invite-2' }))
      await t.store.invitations.deleteByEmail(orgId, 'INVITED@acme.TEST')
      expect(await t.store.invitations.findByToken('invite-1', BEFORE_EXPIRY)).toBeUndefined()
      expect(await t.store.invitations.findByToken('invite-2', BEFORE_EXPIRY)).toBeDefined()
    })
  })
}
