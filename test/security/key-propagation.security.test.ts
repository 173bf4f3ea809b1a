/**
 * Key changes reach every process within the stated bound (KEY_REFRESH_MS, docs/architecture.md):
 * two Gatehouse instances — each its own runtime, app, caches and clock — on one database (a shared
 * SQLite file, or one PostgreSQL schema). A rotation or retirement made through instance A is used by
 * instance B once B's clock has moved KEY_REFRESH_MS past the change, and not necessarily before.
 * A retired key (perhaps compromised) stops decrypting in B: the attack is an assertion encrypted
 * to it, refused after the bound, while the same assertion encrypted to the current key is accepted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KEY_REFRESH_MS } from '../../src/core/key-refresh.js'
import { retireOidcKey, rotateOidcKeys } from '../../src/core/oidc-keys.js'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, startSso, type SsoOrg } from '../helpers/sso.js'
import { operator, type TestContext } from '../helpers/test-app.js'
import { encryptAssertion, type TestIdp } from '../helpers/test-idp.js'
import { certificateBody, redirectSignedBy, twoInstances } from '../helpers/two-instances.js'
import { refusalCode } from '../http/support.js'

let a: TestContext
let b: TestContext
let idp: TestIdp
let org: SsoOrg
let close: (() => Promise<void>) | undefined

beforeEach(async () => {
  ;({ a, b, idp, org, close } = await twoInstances('key-propagation'))
}, 30_000)
afterEach(() => close?.())

const b64 = certificateBody
const metadataOf = async (ctx: TestContext) => (await ctx.app.inject({ method: 'GET', url: `/saml/${org.ssoName}/metadata` })).body
const signingCertificateOf = async (ctx: TestContext) => (await ctx.app.inject({ method: 'GET', url: `/saml/${org.ssoName}/certificate` })).body
const kidsOf = async (ctx: TestContext) =>
  (await ctx.app.inject({ method: 'GET', url: '/oidc/jwks' }))
    .json<{ keys: { kid: string }[] }>()
    .keys.map((k) => k.kid)
    .sort()

/** An IdP-initiated response to B, its assertion encrypted to `certificatePem`. */
async function postEncryptedToB(certificatePem: string) {
  const xml = await encryptAssertion(responseFor(b, idp, org, { nameId: 'alice@acme.test' }), certificatePem)
  return postAcs(browser(b.app), org, xml)
}

describe('a SAML SP key rotation made in one process', () => {
  it('is used by another process for signing and metadata once the bound has passed, not necessarily before', async () => {
    const [old] = (await operator(a, 'GET', '/sp-keys')).json.data
    expect(await signingCertificateOf(b)).toBe(old.certificatePem)

    // Signing at once (a compromised key): the staged default is in test/api/sp-key-rotation.test.ts.
    const rotated = await operator(a, 'POST', '/sp-keys', { activate: true })
    expect(rotated.status).toBe(201)
    const fresh = rotated.json
    // A uses it at once; B still has its copy of the keys.
    expect(await signingCertificateOf(a)).toBe(fresh.certificatePem)
    b.clock.advance(KEY_REFRESH_MS - 1)
    expect(await signingCertificateOf(b)).toBe(old.certificatePem)
    expect(await metadataOf(b)).not.toContain(b64(fresh.certificatePem))

    b.clock.advance(1)
    expect(await signingCertificateOf(b)).toBe(fresh.certificatePem)
    const metadata = await metadataOf(b)
    expect(metadata).toContain(b64(fresh.certificatePem))
    expect(metadata).toContain(b64(old.certificatePem))
    const { location } = await startSso(browser(b.app), org.ssoName)
    expect(redirectSignedBy(location, fresh.certificatePem)).toBe(true)
    expect(redirectSignedBy(location, old.certificatePem)).toBe(false)
    // The older key still decrypts until it is retired: IdPs may not have the new certificate yet.
    expect((await postEncryptedToB(old.certificatePem)).statusCode).toBe(303)
    expect((await postEncryptedToB(fresh.certificatePem)).statusCode).toBe(303)
  })
})

describe('a SAML SP key retirement made in one process', () => {
  it('stops another process decrypting with the retired key once the bound has passed, while the current key still decrypts', async () => {
    const [old] = (await operator(a, 'GET', '/sp-keys')).json.data
    const fresh = (await operator(a, 'POST', '/sp-keys', { activate: true })).json
    b.clock.advance(KEY_REFRESH_MS)
    expect((await postEncryptedToB(old.certificatePem)).statusCode).toBe(303)

    expect((await operator(a, 'POST', `/sp-keys/${old.id}/retire`)).status).toBe(200)
    b.clock.advance(KEY_REFRESH_MS)
    expect(await metadataOf(b)).not.toContain(b64(old.certificatePem))
    const refused = await postEncryptedToB(old.certificatePem)
    expect(refused.statusCode).toBe(403)
    expect(refusalCode(b, refused)).toBe('decryption_failed')
    expect((await postEncryptedToB(fresh.certificatePem)).statusCode).toBe(303)
  })
})

describe('an OpenID Connect key rotation made in one process', () => {
  it("reaches another process's JWKS once the bound has passed, and a retirement leaves it the same way", async () => {
    const before = await kidsOf(b)
    expect(before).toHaveLength(2)
    const added = (await rotateOidcKeys(a.deps, { kind: 'operator' })).map((k) => k.id)
    b.clock.advance(KEY_REFRESH_MS - 1)
    expect(await kidsOf(b)).toEqual(before)
    b.clock.advance(1)
    expect(await kidsOf(b)).toEqual([...before, ...added].sort())

    const retired = before[0]!
    expect(await retireOidcKey(a.deps, retired, { kind: 'operator' })).toBe('retired')
    b.clock.advance(KEY_REFRESH_MS)
    const after = await kidsOf(b)
    expect(after).not.toContain(retired)
    expect(after).toHaveLength(3)
  })
})
