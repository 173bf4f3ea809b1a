/**
 * Issue 21, in core: a set-up link's actor is never a member. Whatever the pages let through, core
 * refuses it everything that knows only users and the operator, and allows only its scopes in its
 * own org. Each refusal is paired with the same call accepted from a link that may, or the operator.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AccountError } from '../../src/core/account-error.js'
import { bindUsersCsv } from '../../src/core/bind-users.js'
import type { Actor } from '../../src/core/deps.js'
import { createDirectory, disableDirectory } from '../../src/core/directory.js'
import { addEmailDomain } from '../../src/core/email-domains.js'
import { addMember, removeMember, updateMember } from '../../src/core/members.js'
import { setMemberActive } from '../../src/core/member-status.js'
import type { SetupLinkScope } from '../../src/core/setup-link-ports.js'
import { createSetupLink, listSetupLinks, revokeSetupLink } from '../../src/core/setup-links.js'
import { configureIdp, disableSso, setSsoName, updateSsoPolicy } from '../../src/core/sso-admin.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { seedAcme, type Acme } from '../http/support.js'

let ctx: TestContext
let acme: Acme
let idp: TestIdp
let acmeId: string
beforeEach(async () => {
  ctx = await createTestContext()
  acme = await seedAcme(ctx)
  idp = await createTestIdp('core')
  expect((await operator(ctx, 'POST', '/organizations', { name: 'Beta', slug: 'beta' })).status).toBe(201)
  for (const slug of ['acme', 'beta']) expect((await operator(ctx, 'PUT', `/organizations/${slug}/sso`, { ssoName: `${slug}-sso` })).status).toBeLessThan(300)
  acmeId = (await ctx.deps.store.orgs.findBySlug('acme'))!.id
})
afterEach(() => ctx.close())

const OPERATOR: Actor = { kind: 'operator' }
const link = (scopes: SetupLinkScope[], orgId = acmeId): Actor => ({
  kind: 'setup-link',
  linkId: '00000000-0000-4000-8000-000000000001',
  orgId,
  scopes,
  createdBy: 'operator',
})
const IDP = () => ({
  ssoUrl: 'https://idp.example.test/sso',
  entityId: idp.entityId,
  certificates: [idp.certificatePem],
  signatureAlgorithm: 'rsa-sha256' as const,
})

async function refused(work: Promise<unknown>): Promise<void> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AccountError)
  expect((error as AccountError).code).toBe('not_allowed')
}

describe('a set-up link actor in core', () => {
  it('configures the IdP only in its own org with the sso scope', async () => {
    await refused(configureIdp(ctx.deps, 'beta', IDP(), link(['sso', 'directory', 'policy'])))
    await refused(configureIdp(ctx.deps, 'acme', IDP(), link(['directory', 'policy'])))
    await expect(configureIdp(ctx.deps, 'acme', IDP(), link(['sso']))).resolves.toBeDefined()
  })

  it('changes the SSO policy only with the policy scope', async () => {
    await refused(updateSsoPolicy(ctx.deps, 'acme', { enforcement: 'strict' }, link(['sso', 'directory'])))
    await refused(updateSsoPolicy(ctx.deps, 'acme', { enforcement: 'strict' }, link(['policy'], 'another-org')))
    expect((await updateSsoPolicy(ctx.deps, 'acme', { enforcement: 'exceptions' }, link(['sso', 'policy']))).enforcement).toBe('exceptions')
  })

  it('chooses the SSO name once, never renames it; the operator may', async () => {
    await refused(setSsoName(ctx.deps, 'acme', 'acme-renamed', link(['sso', 'policy'])))
    await expect(setSsoName(ctx.deps, 'acme', 'acme-renamed', OPERATOR)).resolves.toMatchObject({ created: false })
  })

  it('creates the directory only with the directory scope, and never turns it off', async () => {
    await refused(createDirectory(ctx.deps, link(['sso', 'policy']), 'acme'))
    await expect(createDirectory(ctx.deps, link(['directory']), 'acme')).resolves.toBeDefined()
    await refused(disableDirectory(ctx.deps, link(['sso', 'directory', 'policy']), 'acme'))
    await expect(disableDirectory(ctx.deps, OPERATOR, 'acme')).resolves.toBeUndefined()
  })

  it('never disables SSO, reads the members CSV, or touches members, domains or links, whatever its scopes', async () => {
    const all = link(['sso', 'directory', 'policy'])
    await configureIdp(ctx.deps, 'acme', IDP(), OPERATOR)
    const member = { email: 'eve@acme.test', firstName: 'Eve', lastName: 'E', role: 'owner' as const }
    const attempts: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
      ['disable SSO', () => disableSso(ctx.deps, 'acme', all), () => disableSso(ctx.deps, 'acme', OPERATOR)],
      ['bind-users CSV', () => bindUsersCsv(ctx.deps, 'acme', all), () => bindUsersCsv(ctx.deps, 'acme', OPERATOR)],
      ['add a member', () => addMember(ctx.deps, 'acme', member, all), () => addMember(ctx.deps, 'acme', member, OPERATOR)],
      [
        'change a member',
        () => updateMember(ctx.deps, 'acme', acme.memberId, { role: 'owner' }, all),
        () => updateMember(ctx.deps, 'acme', acme.memberId, { role: 'admin' }, OPERATOR),
      ],
      [
        'deactivate a member',
        () => setMemberActive(ctx.deps, 'acme', acme.adminId, false, all),
        () => setMemberActive(ctx.deps, 'acme', acme.adminId, false, OPERATOR),
      ],
      ['remove a member', () => removeMember(ctx.deps, 'acme', acme.memberId, all), () => removeMember(ctx.deps, 'acme', acme.memberId, OPERATOR)],
      ['add an email domain', () => addEmailDomain(ctx.deps, 'acme', 'acme.test', all), () => addEmailDomain(ctx.deps, 'acme', 'acme.test', OPERATOR)],
      [
        'make a set-up link',
        () => createSetupLink(ctx.deps, 'acme', { scope: ['sso'] }, all),
        () => createSetupLink(ctx.deps, 'acme', { scope: ['sso'] }, OPERATOR),
      ],
      ['list set-up links', () => listSetupLinks(ctx.deps, 'acme', all), () => listSetupLinks(ctx.deps, 'acme', OPERATOR)],
    ]
    for (const [what, attack, accepted] of attempts) {
      await refused(attack()).catch((e: unknown) => {
        throw new Error(`${what}: ${String(e)}`)
      })
      await expect(accepted(), what).resolves.not.toThrow()
    }
    const [made] = await listSetupLinks(ctx.deps, 'acme', OPERATOR)
    await refused(revokeSetupLink(ctx.deps, 'acme', made!.id, all))
    await expect(revokeSetupLink(ctx.deps, 'acme', made!.id, OPERATOR)).resolves.toBeUndefined()
  })
})
