/**
 * Email domains over the operator API and the core functions the owner pages call: add, verify by
 * DNS (a local responder on loopback), operator mark-verified, remove; who may do what; the audit
 * log; bad input changes nothing.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Actor } from '../../src/core/deps.js'
import { addEmailDomain, listEmailDomains, markEmailDomainVerified, removeEmailDomain, verifyEmailDomain } from '../../src/core/email-domains.js'
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js'
import { addMember } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

let dns: TestDnsServer
let ctx: TestContext

beforeAll(async () => {
  dns = await startDnsServer()
})
afterAll(() => dns.close())
beforeEach(async () => {
  ctx = await createTestContext({ env: { GATEHOUSE_DNS_SERVERS: dns.address } })
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
})
afterEach(async () => {
  await ctx.close()
  for (const name of ['acme.test', 'xn--bcher-kva.example']) dns.clear(name)
})

const domains = async () => (await operator(ctx, 'GET', '/organizations/acme/domains')).json.data
const auditActions = async () =>
  (await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data.map((e: { action: string; target: string; detail: unknown }) => e)

describe('the operator API', () => {
  it('adds a domain pending with the TXT record to publish, verifies it once published, and removes it', async () => {
    const added = await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'Acme.TEST' })
    expect(added.status).toBe(201)
    expect(added.json).toMatchObject({ domain: 'acme.test', verified: false, verifiedAt: null, verifiedBy: null })
    const { name, value, type } = added.json.verification
    expect({ name, type }).toEqual({ name: 'acme.test', type: 'TXT' })
    expect(value).toMatch(/^gatehouse-verification=[A-Za-z0-9_-]{43}$/)
    expect(await domains()).toEqual([added.json])

    dns.setTxt('acme.test', [value])
    const verified = await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify', {})
    expect(verified.status).toBe(200)
    expect(verified.json).toMatchObject({ domain: 'acme.test', verified: true, verifiedAt: ctx.clock.now().toISOString(), verifiedBy: 'dns' })
    expect((await operator(ctx, 'GET', '/organizations/acme/domains/ACME.test')).json.verified).toBe(true)
    // Verifying again changes nothing and needs no DNS.
    dns.clear('acme.test')
    expect((await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify')).json.verifiedAt).toBe(verified.json.verifiedAt)

    expect((await operator(ctx, 'DELETE', '/organizations/acme/domains/acme.test')).status).toBe(204)
    expect(await domains()).toEqual([])
    expect((await operator(ctx, 'DELETE', '/organizations/acme/domains/acme.test')).json.error.code).toBe('domain_not_found')
  })

  it("writes every change to the org's audit log with a before and after", async () => {
    const { json } = await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
    dns.setTxt('acme.test', [json.verification.value])
    ctx.clock.advance(1000)
    await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify')
    ctx.clock.advance(1000)
    await operator(ctx, 'DELETE', '/organizations/acme/domains/acme.test')
    const events = (await auditActions()).filter((e: { action: string }) => e.action.startsWith('domain.')).reverse()
    expect(events).toMatchObject([
      { action: 'domain.added', target: 'acme.test', actor: 'operator', detail: { before: null, after: { domain: 'acme.test', verified: false } } },
      { action: 'domain.verified', target: 'acme.test', detail: { before: { verified: false }, after: { verified: true, verifiedBy: 'dns' } } },
      { action: 'domain.removed', target: 'acme.test', detail: { before: { domain: 'acme.test', verified: true }, after: null } },
    ])
    // The token is what the owner publishes, not a secret, but it has no place in the log either.
    expect(JSON.stringify(events)).not.toContain(json.verification.value)
  })

  it('stores an internationalized domain in its IDNA form and finds it by either spelling', async () => {
    const added = await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'Bücher.Example' })
    expect(added.json.domain).toBe('xn--bcher-kva.example')
    expect((await operator(ctx, 'GET', `/organizations/acme/domains/${encodeURIComponent('bücher.example')}`)).status).toBe(200)
    dns.setTxt('xn--bcher-kva.example', [added.json.verification.value])
    expect((await operator(ctx, 'POST', '/organizations/acme/domains/xn--bcher-kva.example/verify')).json.verified).toBe(true)
  })

  it('gives each domain of each org its own token', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
    const a = (await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })).json.verification.value
    const b = (await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme-mail.test' })).json.verification.value
    const c = (await operator(ctx, 'POST', '/organizations/globex/domains', { domain: 'acme.test' })).json.verification.value
    expect(new Set([a, b, c]).size).toBe(3)
  })

  it.each([
    ['an IP address', '192.0.2.1'],
    ['a wildcard', '*.acme.test'],
    ['a top-level domain', 'com'],
    ['a public suffix', 'co.uk'],
    ['a public email provider', 'gmail.com'],
    ['a name over 253 characters', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.test`],
    ['an email address', 'jo@acme.test'],
  ])('refuses %s with 422 domain_invalid naming the field, and adds nothing', async (_what, domain) => {
    const r = await operator(ctx, 'POST', '/organizations/acme/domains', { domain })
    expect(r.status).toBe(422)
    expect(r.json.error.code).toBe('domain_invalid')
    expect(Object.keys(r.json.error.fields)).toEqual(['domain'])
    expect(await domains()).toEqual([])
  })

  it('refuses a domain the org has already, in any spelling (409 domain_exists), and keeps the first token', async () => {
    const first = (await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })).json
    const again = await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'ACME.test.' })
    expect(again.status).toBe(409)
    expect(again.json.error.code).toBe('domain_exists')
    expect(await domains()).toEqual([first])
  })

  it('answers 404 for an unknown org or domain', async () => {
    expect((await operator(ctx, 'GET', '/organizations/nope/domains')).json.error.code).toBe('org_not_found')
    expect((await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify')).json.error.code).toBe('domain_not_found')
    expect((await operator(ctx, 'GET', '/organizations/acme/domains/not a domain')).json.error.code).toBe('domain_not_found')
  })

  it('lets the operator mark a domain verified without DNS (skipDnsCheck), recorded as such', async () => {
    await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
    const asked = dns.queries.length
    const r = await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify', { skipDnsCheck: true })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ verified: true, verifiedBy: 'operator' })
    expect(dns.queries.length).toBe(asked)
    expect((await auditActions()).find((e: { action: string }) => e.action === 'domain.verified').detail.after.verifiedBy).toBe('operator')
  })

  it('says 502 dns_lookup_failed when the resolver fails, and verifies once it answers', async () => {
    const { json } = await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
    dns.fail('acme.test')
    const failed = await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify')
    expect(failed.status).toBe(502)
    expect(failed.json.error.code).toBe('dns_lookup_failed')
    dns.clear('acme.test')
    dns.setTxt('acme.test', [json.verification.value])
    expect((await operator(ctx, 'POST', '/organizations/acme/domains/acme.test/verify')).json.verified).toBe(true)
  })
})

describe('who may change email domains (core functions, as the owner pages call them)', () => {
  const userActor = async (email: string): Promise<Actor> => {
    const user = (await ctx.deps.store.users.findByEmail(email))!
    return { kind: 'user', userId: user.id, email }
  }
  const code = (work: Promise<unknown>) =>
    work.then(
      () => 'ok',
      (error: Error & { code?: string }) => error.code ?? error.message,
    )

  beforeEach(async () => {
    await addMember(ctx, 'acme', 'owner@acme.test', { role: 'owner' })
    await addMember(ctx, 'acme', 'admin@acme.test', { role: 'admin' })
    await addMember(ctx, 'acme', 'member@acme.test', { role: 'member' })
    await operator(ctx, 'POST', '/organizations', { name: 'Globex', slug: 'globex' })
    await addMember(ctx, 'globex', 'owner@globex.test', { role: 'owner' })
  })

  it('refuses an admin every change (403 not_allowed) and lets the owner make the same ones', async () => {
    const admin = await userActor('admin@acme.test')
    const owner = await userActor('owner@acme.test')
    expect(await code(addEmailDomain(ctx.deps, 'acme', 'acme.test', admin))).toBe('not_allowed')
    expect(await domains()).toEqual([])
    const added = await addEmailDomain(ctx.deps, 'acme', 'acme.test', owner)
    dns.setTxt('acme.test', [`gatehouse-verification=${added.verificationToken}`])
    expect(await code(verifyEmailDomain(ctx.deps, 'acme', 'acme.test', admin))).toBe('not_allowed')
    expect((await verifyEmailDomain(ctx.deps, 'acme', 'acme.test', owner)).verifiedBy).toBe('dns')
    expect(await code(removeEmailDomain(ctx.deps, 'acme', 'acme.test', admin))).toBe('not_allowed')
    expect(await domains()).toHaveLength(1)
    ctx.clock.advance(1000)
    await removeEmailDomain(ctx.deps, 'acme', 'acme.test', owner)
    expect(await domains()).toEqual([])
    const events = (await auditActions()).filter((e: { action: string }) => e.action.startsWith('domain.'))
    expect(events.map((e: { actor: string }) => e.actor)).toEqual(['user:owner@acme.test', 'user:owner@acme.test', 'user:owner@acme.test'])
  })

  it("lets admins read the domains, and shows a plain member or another org's owner nothing", async () => {
    await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
    expect((await listEmailDomains(ctx.deps, 'acme', await userActor('admin@acme.test'))).map((d) => d.domain)).toEqual(['acme.test'])
    expect(await code(listEmailDomains(ctx.deps, 'acme', await userActor('member@acme.test')))).toBe('not_allowed')
    expect(await code(listEmailDomains(ctx.deps, 'acme', await userActor('owner@globex.test')))).toBe('not_allowed')
    expect(await code(addEmailDomain(ctx.deps, 'acme', 'evil.test', await userActor('owner@globex.test')))).toBe('not_allowed')
  })

  it('keeps skipping the DNS check to the operator: the owner is refused, the operator is not', async () => {
    await operator(ctx, 'POST', '/organizations/acme/domains', { domain: 'acme.test' })
    expect(await code(markEmailDomainVerified(ctx.deps, 'acme', 'acme.test', await userActor('owner@acme.test')))).toBe('not_allowed')
    expect((await domains())[0].verified).toBe(false)
    expect((await markEmailDomainVerified(ctx.deps, 'acme', 'acme.test', { kind: 'operator' })).verifiedBy).toBe('operator')
  })
})
