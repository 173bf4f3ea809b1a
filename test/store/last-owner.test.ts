/**
 * "An org always keeps at least one owner" must hold when two owners are demoted or removed at the
 * same moment: each transaction alone sees two owners. On PostgreSQL (read committed) this needs the
 * owner rows locked while they are counted; SQLite runs one writer at a time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AccountError } from '../../src/core/account-error.js'
import type { CoreDeps } from '../../src/core/deps.js'
import { addMember, listMembers, removeMember, updateMember } from '../../src/core/members.js'
import { createOrganization } from '../../src/core/orgs.js'
import { DIALECTS, openTestStore, type TestStore } from './dialects.js'

const operator = { kind: 'operator' } as const

type Change = (deps: CoreDeps, org: string, email: string) => Promise<unknown>
const demote: Change = (deps, org, email) => updateMember(deps, org, email, { role: 'admin' }, operator)
const remove: Change = (deps, org, email) => removeMember(deps, org, email, operator)

const RACES: [string, Change, Change][] = [
  ['one owner demoted while the other is removed', demote, remove],
  ['both owners demoted', demote, demote],
  ['both owners removed', remove, remove],
]

for (const dialect of DIALECTS) {
  describe(`the last owner under concurrency on ${dialect}`, () => {
    let t: TestStore
    beforeEach(async () => {
      t = await openTestStore(dialect)
    })
    afterEach(() => t?.close())

    for (const [what, first, second] of RACES) {
      it(`keeps exactly one owner when ${what} at once (5 orgs)`, async () => {
        for (let i = 0; i < 5; i++) {
          const org = `org-${i}`
          await createOrganization(t.deps, { name: org, slug: org }, operator)
          for (const email of ['a@x.test', 'b@x.test']) await addMember(t.deps, org, { email, firstName: '', lastName: '', role: 'owner' }, operator)
          const results = await Promise.allSettled([first(t.deps, org, 'a@x.test'), second(t.deps, org, 'b@x.test')])
          const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
          expect(refused, org).toHaveLength(1)
          expect(refused[0]!.reason).toBeInstanceOf(AccountError)
          expect((refused[0]!.reason as AccountError).code).toBe('last_owner')
          const owners = (await listMembers(t.deps, org)).filter((m) => m.role === 'owner')
          expect(owners, org).toHaveLength(1)
        }
      })
    }
  })
}
