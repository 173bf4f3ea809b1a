/** The database itself holds "a verified domain belongs to at most one org", on every dialect. */
import { afterEach, describe, expect, it } from 'vitest'
import type { EmailDomain } from '../../src/core/domain-name.js'
import { DuplicateKeyError } from '../../src/core/ports.js'
import { newId } from '../../src/core/secret-token.js'
import { DIALECTS, openTestStore, org, T0, type TestStore } from './dialects.js'

const domain = (orgId: string, name: string): EmailDomain => ({
  id: newId(),
  orgId,
  domain: name,
  verificationToken: newId(),
  verifiedAt: undefined,
  verifiedBy: undefined,
  createdAt: T0,
})

describe.each(DIALECTS)('email_domains on %s', (dialect) => {
  let t: TestStore
  afterEach(() => t.close())

  it("keeps many pending claims of one domain, one verified holder, and the holder's removal frees it", async () => {
    t = await openTestStore(dialect)
    const [a, b, c] = [org('org-a'), org('org-b'), org('org-c')]
    for (const o of [a, b, c]) await t.store.orgs.insert(o)
    const [da, db, dc] = [domain(a.id, 'acme.test'), domain(b.id, 'acme.test'), domain(c.id, 'acme.test')]
    for (const d of [da, db, dc]) await t.store.emailDomains.insert(d)
    await expect(t.store.emailDomains.insert(domain(a.id, 'acme.test'))).rejects.toBeInstanceOf(DuplicateKeyError)

    await t.store.emailDomains.markVerified(da.id, T0, 'dns')
    await expect(t.store.emailDomains.markVerified(db.id, T0, 'operator')).rejects.toBeInstanceOf(DuplicateKeyError)
    expect((await t.store.emailDomains.findVerified('acme.test'))?.orgId).toBe(a.id)
    expect((await t.store.emailDomains.find(b.id, 'acme.test'))?.verifiedAt).toBeUndefined()

    await t.store.emailDomains.delete(da.id)
    await t.store.emailDomains.markVerified(dc.id, T0, 'dns')
    expect((await t.store.emailDomains.findVerified('acme.test'))?.orgId).toBe(c.id)
  })

  it('goes with its org', async () => {
    t = await openTestStore(dialect)
    const a = org('org-a')
    await t.store.orgs.insert(a)
    await t.store.emailDomains.insert(domain(a.id, 'acme.test'))
    await t.store.orgs.delete(a.id)
    expect(await t.store.emailDomains.listByOrg(a.id)).toEqual([])
  })
})
