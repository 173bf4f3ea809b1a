/**
 * An event is written in the transaction of its change (DESIGN §9): a change that fails midway leaves
 * neither the change nor the event. Two injected failures: the event's insert fails (the change before
 * it must roll back), and the transaction fails after its last write (the event must roll back).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CoreDeps } from '../../src/core/deps.js'
import { addMember, removeMember, updateMember } from '../../src/core/members.js'
import { createOrganization, deleteOrganization } from '../../src/core/orgs.js'
import type { DomainEvent, Store } from '../../src/core/ports.js'
import { configureIdp, disableSso, enableSso, setSsoName } from '../../src/core/sso-admin.js'
import { createDirectory } from '../../src/core/directory.js'
import { createTestIdp } from '../helpers/test-idp.js'
import { DIALECTS, openTestStore, withFailingInsert, type TestStore } from '../store/dialects.js'
import { expectNoSecretsIn } from './secret-scan.js'
import { eventsVisible } from './visibility.js'

const operator = { kind: 'operator' } as const

class Injected extends Error {
  override name = 'Injected'
}

/** The event insert fails inside every transaction. */
const failingEventInsert = (store: Store) => withFailingInsert(store, 'events', () => new Injected('event insert failed'))

/** Every transaction fails after its last write, as a crash before the commit would. */
function failingBeforeCommit(store: Store): Store {
  return {
    ...store,
    transaction: (work) =>
      store.transaction(async (tx) => {
        await work(tx)
        throw new Injected('failed before commit')
      }),
  }
}

/** A change, and what the database looks like with and without it. */
interface Change {
  readonly name: string
  readonly type: string
  prepare?(deps: CoreDeps): Promise<void>
  run(deps: CoreDeps): Promise<unknown>
  state(deps: CoreDeps): Promise<unknown>
}

const CHANGES: Change[] = [
  {
    name: 'creating an organization',
    type: 'organization.created',
    run: (deps) => createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator),
    state: (deps) => deps.store.orgs.count(),
  },
  {
    name: 'deleting an organization',
    type: 'organization.deleted',
    prepare: async (deps) => void (await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)),
    run: (deps) => deleteOrganization(deps, 'acme'),
    state: (deps) => deps.store.orgs.count(),
  },
  {
    name: 'adding a member',
    type: 'member.created',
    prepare: async (deps) => void (await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)),
    run: (deps) => addMember(deps, 'acme', { email: 'max@acme.test', firstName: 'Max', lastName: 'M', role: 'member' }, operator),
    state: async (deps) => (await deps.store.members.listByOrg((await deps.store.orgs.findBySlug('acme'))!.id)).length,
  },
  {
    name: "changing a member's role",
    type: 'member.updated',
    prepare: async (deps) => {
      await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)
      await addMember(deps, 'acme', { email: 'max@acme.test', firstName: 'Max', lastName: 'M', role: 'member' }, operator)
    },
    run: (deps) => updateMember(deps, 'acme', 'max@acme.test', { role: 'admin' }, operator),
    state: async (deps) => (await deps.store.members.listByOrg((await deps.store.orgs.findBySlug('acme'))!.id)).map((m) => m.role),
  },
  {
    name: 'removing a member',
    type: 'member.removed',
    prepare: async (deps) => {
      await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)
      await addMember(deps, 'acme', { email: 'max@acme.test', firstName: 'Max', lastName: 'M', role: 'member' }, operator)
    },
    run: (deps) => removeMember(deps, 'acme', 'max@acme.test', operator),
    state: async (deps) => (await deps.store.members.listByOrg((await deps.store.orgs.findBySlug('acme'))!.id)).length,
  },
  {
    name: 'enabling SSO',
    type: 'sso.enabled',
    prepare: async (deps) => {
      const idp = await createTestIdp('events-atomic')
      await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)
      await setSsoName(deps, 'acme', 'acme', operator)
      await configureIdp(deps, 'acme', { ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] }, operator)
    },
    run: (deps) => enableSso(deps, 'acme', { skipTest: true }, operator),
    state: async (deps) => (await deps.store.ssoConnections.findBySsoName('acme'))?.enabled,
  },
  {
    name: 'disabling SSO (with its mails queued)',
    type: 'sso.disabled',
    prepare: async (deps) => {
      const idp = await createTestIdp('events-atomic')
      await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)
      await addMember(deps, 'acme', { email: 'max@acme.test', firstName: 'Max', lastName: 'M', role: 'member' }, operator)
      await setSsoName(deps, 'acme', 'acme', operator)
      await configureIdp(deps, 'acme', { ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] }, operator)
      await enableSso(deps, 'acme', { skipTest: true }, operator)
    },
    run: (deps) => disableSso(deps, 'acme', operator),
    state: async (deps) => [(await deps.store.ssoConnections.findBySsoName('acme'))?.enabled, await deps.store.jobs.countByState()],
  },
  {
    name: 'creating a directory',
    type: 'directory.enabled',
    prepare: async (deps) => void (await createOrganization(deps, { name: 'Acme', slug: 'acme' }, operator)),
    run: (deps) => createDirectory(deps, operator, 'acme'),
    state: async (deps) => (await deps.store.directories.findByOrg((await deps.store.orgs.findBySlug('acme'))!.id))?.enabled,
  },
]

for (const dialect of DIALECTS) {
  describe(`events and their changes commit together on ${dialect}`, () => {
    let t: TestStore
    beforeEach(async () => {
      t = await openTestStore(dialect)
    })
    afterEach(() => t?.close())

    const events = async (): Promise<DomainEvent[]> => {
      await eventsVisible(t.db)
      return t.store.events.list(undefined, 1000)
    }

    for (const change of CHANGES) {
      for (const [how, wrap] of [
        ['the event insert fails', failingEventInsert],
        ['the transaction fails after its last write', failingBeforeCommit],
      ] as const) {
        it(`${change.name}: when ${how}, neither the change nor the event; once it does not, both`, async () => {
          await change.prepare?.(t.deps)
          const before = await change.state(t.deps)
          const eventsBefore = await events()
          await expect(change.run({ ...t.deps, store: wrap(t.store) })).rejects.toBeInstanceOf(Injected)
          expect(await change.state(t.deps)).toEqual(before)
          expect(await events()).toEqual(eventsBefore)
          await change.run(t.deps)
          expect(await change.state(t.deps)).not.toEqual(before)
          expect((await events()).slice(eventsBefore.length).map((e) => e.type)).toEqual([change.type])
        })
      }
    }
  })
}

describe('the secret scan', () => {
  const event = (data: Record<string, unknown>): DomainEvent => ({ id: 'e', type: 'member.updated', orgId: null, orgSlug: null, createdAt: '', data })
  it('flags a secret by key, by shape and by value, and passes the same events without it', () => {
    for (const data of [{ member: { apiToken: 'x' } }, { note: 'ghsc_abc' }, { pem: '-----BEGIN PRIVATE KEY-----' }, { note: 'hunter2-secret' }]) {
      expect(() => expectNoSecretsIn([event(data)], ['hunter2-secret'])).toThrow()
    }
    expect(() => expectNoSecretsIn([event({ member: { email: 'max@acme.test', role: 'admin' } })], ['hunter2-secret'])).not.toThrow()
  })
})
