/** Fixtures for the certificate lifecycle tests: IdP certificates with chosen dates, org acme with SSO on them. */
import { expect } from 'vitest'
import { generateKeyPair, type KeyPair } from '../../src/saml/key-pair.js'
import { operator, type TestContext } from '../helpers/test-app.js'
import { seedAcme } from '../http/support.js'

export const SECOND_OWNER = 'oscar@acme.test'

const pairs = new Map<string, Promise<KeyPair>>()

/** A key pair whose certificate is valid from `notBefore` for `years` (one per arguments per file: ~0.4 s each). */
export function certificateFrom(notBefore: string, years: number): Promise<KeyPair> {
  const key = `${notBefore}/${years}`
  let pair = pairs.get(key)
  if (pair === undefined) {
    pair = generateKeyPair({ commonName: `IdP signing ${notBefore.slice(0, 10)}`, notBefore: new Date(notBefore), years })
    pairs.set(key, pair)
  }
  return pair
}

/** Valid until 2027-01-01T00:00:00Z: 38.5 days after the test clock's start (2026-11-23T12:00Z). */
export const expiringOn20270101 = () => certificateFrom('2026-01-01T00:00:00Z', 1)
/** Valid until 2046. */
export const longLived = () => certificateFrom('2026-01-01T00:00:00Z', 20)

/** Org acme (owner, admin, member), a second owner, and its SSO connection `acme` on these IdP certificates. */
export async function acmeWithIdp(
  ctx: TestContext,
  certificates: readonly string[],
  idp: { ssoUrl: string; entityId: string } = { ssoUrl: 'https://acme.okta.com/app/acme/exk1/sso/saml', entityId: 'http://www.okta.com/exk1' },
): Promise<void> {
  await seedAcme(ctx)
  const owner = await operator(ctx, 'POST', '/organizations/acme/members', { email: SECOND_OWNER, firstName: 'Oscar', lastName: 'Owner', role: 'owner' })
  expect(owner.status).toBe(201)
  expect((await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBeLessThan(300)
  const configured = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { ...idp, certificates, signatureAlgorithm: 'rsa-sha256' })
  expect(configured.status, JSON.stringify(configured.json)).toBe(200)
}

/** The deployment's events of a type, oldest first. */
export async function eventsOf(ctx: TestContext, type: string) {
  return (await ctx.deps.store.events.list(undefined, 1000)).filter((e) => e.type === type)
}

export async function auditOf(ctx: TestContext, action: string) {
  return (await ctx.runtime.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute()).map((r) => ({
    ...r,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }))
}
