import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CoreDeps } from '../../src/core/deps.js'
import { addMember, removeMember, updateMember } from '../../src/core/members.js'
import { createOrganization, createWorkspace, deleteWorkspace, updateOrganization, updateWorkspace } from '../../src/core/orgs.js'
import type { Store } from '../../src/core/ports.js'
import { newId } from '../../src/core/secret-token.js'
import { DIALECTS, openTestStore, org, T0, user, withFailingInsert, type TestStore } from './dialects.js'

const operator = { kind: 'operator' } as const

class AuditDown extends Error {
  override name = 'AuditDown'
}

/** The same store, except that inside a transaction the audit insert fails: the last write of every change. */
const withFailingAudit = (store: Store) => withFailingInsert(store, 'audit', () => new AuditDown('audit insert failed'))

for (const dialect of DIALECTS) {
  describe(`transactions on ${dialect}`, () => {
    let t: TestStore
    beforeEach(async () => {
      t = await openTestStore(dialect)
    })
    afterEach(() => t?.close())

    it('commits every write of a transaction that succeeds and returns its value', async () => {
      const acme = org('acme')
      const result = await t.store.transaction(async (tx) => {
        await tx.orgs.insert(acme)
        await tx.users.insert(user('max@acme.test'))
        return 'done'
      })
      expect(result).toBe('done')
      expect(await t.store.orgs.findBySlug('acme')).toEqual(acme)
      expect(await t.store.users.findByEmail('max@acme.test')).toBeDefined()
    })

    it('leaves nothing written by a transaction that throws halfway, and passes the error on', async () => {
      const boom = new Error('halfway')
      await expect(
        t.store.transaction(async (tx) => {
          await tx.orgs.insert(org('acme'))
          await tx.users.insert(user('max@acme.test'))
          await tx.rateLimits.hit('k', T0)
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await t.store.orgs.findBySlug('acme')).toBeUndefined()
      expect(await t.store.users.findByEmail('max@acme.test')).toBeUndefined()
      expect(await t.store.rateLimits.peek('k', T0)).toBe(0)
      expect(await t.store.orgs.count()).toBe(0)
    })

    it('sees its own writes inside, and keeps working after a rolled-back transaction', async () => {
      await expect(
        t.store.transaction(async (tx) => {
          await tx.orgs.insert(org('acme'))
          expect(await tx.orgs.findBySlug('acme')).toBeDefined()
          throw new Error('no')
        }),
      ).rejects.toThrow('no')
      await t.store.transaction((tx) => tx.orgs.insert(org('acme')))
      expect(await t.store.orgs.count()).toBe(1)
    })

    it('keeps concurrent transactions apart: one failing does not undo the others', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          t.store.transaction(async (tx) => {
            await tx.orgs.insert(org(`org-${i}`))
            if (i % 2 === 1) throw new Error(`fail ${i}`)
          }),
        ),
      )
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected'])
      expect((await t.store.orgs.list({ limit: 10 })).map((o) => o.slug)).toEqual(['org-0', 'org-2', 'org-4'])
    })

    describe('a change whose audit entry cannot be written changes nothing', () => {
      let deps: CoreDeps
      let broken: CoreDeps
      beforeEach(async () => {
        deps = t.deps
        broken = { ...deps, store: withFailingAudit(t.store) }
        await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)
        await createWorkspace(deps, 'acme', { name: 'Production', slug: 'prod' }, operator)
        await addMember(deps, 'acme', { email: 'owner@acme.test', firstName: 'O', lastName: 'W', role: 'owner' }, operator)
        await addMember(deps, 'acme', { email: 'max@acme.test', firstName: 'Max', lastName: 'M', role: 'member', workspaceRoles: { prod: 'editor' } }, operator)
      })

      const snapshot = async () => {
        const acme = await t.store.orgs.findBySlug('acme')
        return {
          orgs: (await t.store.orgs.list({ limit: 50 })).map((o) => `${o.slug}:${o.name}`),
          users: (await t.db.selectFrom('users').select('email').orderBy('email').execute()).map((u) => u.email),
          workspaces: acme === undefined ? [] : (await t.store.workspaces.listByOrg(acme.id)).map((w) => `${w.slug}:${w.name}`),
          members:
            acme === undefined
              ? []
              : (await t.store.members.listByOrg(acme.id)).map((m) => `${m.user.email}:${m.role}:${m.allowWithoutSso}:${JSON.stringify(m.workspaceRoles)}`),
          audit: (await t.db.selectFrom('audit_events').select('id').execute()).length,
        }
      }

      const CHANGES: [string, (d: CoreDeps) => Promise<unknown>][] = [
        ['creating an organization', (d) => createOrganization(d, { name: 'Globex', slug: 'globex' }, operator)],
        ['renaming an organization', (d) => updateOrganization(d, 'acme', { name: 'Renamed', slug: 'renamed' }, operator)],
        ['creating a workspace', (d) => createWorkspace(d, 'acme', { name: 'Staging', slug: 'staging' }, operator)],
        ['renaming a workspace', (d) => updateWorkspace(d, 'acme', 'prod', { name: 'Live', slug: 'live' }, operator)],
        ['deleting a workspace', (d) => deleteWorkspace(d, 'acme', 'prod', operator)],
        [
          'adding a member who is a new user',
          (d) =>
            addMember(
              d,
              'acme',
              { email: 'new@acme.test', firstName: 'N', lastName: 'U', role: 'admin', password: 'a long enough password', workspaceRoles: { prod: 'viewer' } },
              operator,
            ),
        ],
        ['changing a member', (d) => updateMember(d, 'acme', 'max@acme.test', { role: 'admin', allowWithoutSso: true, workspaceRoles: {} }, operator)],
        ['removing a member', (d) => removeMember(d, 'acme', 'max@acme.test', operator)],
      ]
      for (const [what, change] of CHANGES) {
        it(what, async () => {
          const before = await snapshot()
          await expect(change(broken)).rejects.toBeInstanceOf(AuditDown)
          expect(await snapshot()).toEqual(before)
          // The same change goes through with a working audit log.
          await change(deps)
          const after = await snapshot()
          expect(after.audit).toBe(before.audit + 1)
        })
      }
    })

    it('rolls back a membership whose workspace roles cannot be written', async () => {
      const deps = t.deps
      await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)
      const acme = (await t.store.orgs.findBySlug('acme'))!
      const u = user('max@acme.test')
      const memberId = newId()
      await expect(
        t.store.transaction(async (tx) => {
          await tx.users.insert(u)
          await tx.members.insert({ id: memberId, orgId: acme.id, userId: u.id, role: 'member', allowWithoutSso: false, createdAt: T0 })
          await tx.members.setWorkspaceRoles(memberId, { 'no-such-workspace-id': 'editor' })
        }),
      ).rejects.toBeInstanceOf(Error)
      expect(await t.store.users.findByEmail('max@acme.test')).toBeUndefined()
      expect(await t.store.members.listByOrg(acme.id)).toEqual([])
    })
  })
}
