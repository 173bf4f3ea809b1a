/**
 * The development IdP exists only when configured (on by default outside production; 404 when off),
 * serves metadata Gatehouse's own parser reads, and has one key pair per deployment, made on first
 * use, sealed at rest, the same for two processes that make it at once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { devIdpKeyPair, devIdpMetadata } from '../../src/core/dev-idp.js'
import { parseCertificate } from '../../src/saml/certificate.js'
import { parseIdpMetadata } from '../../src/saml/idp-metadata.js'
import { createStore } from '../../src/store/index.js'
import { browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { OWNER, seedAcme, signedIn } from '../http/support.js'
import { BANNER } from './support.js'

let ctx: TestContext | undefined
afterEach(async () => {
  await ctx?.close()
  ctx = undefined
})

describe('switched off (GATEHOUSE_DEV_IDP=off, and always in production)', () => {
  it('has no dev IdP URL and no button in step 3', async () => {
    ctx = await createTestContext({ env: { GATEHOUSE_DEV_IDP: 'off' } })
    expect(ctx.config.devIdp.enabled).toBe(false)
    await seedAcme(ctx)
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    const b = browser(ctx.app)
    for (const url of ['/dev/idp', '/dev/idp/metadata', '/dev/idp/sso?SAMLRequest=x', '/dev/idp/start?sso_name=acme']) {
      expect((await b.get(url)).statusCode, url).toBe(404)
    }
    expect((await ctx.app.inject({ method: 'POST', url: '/dev/idp/sso', payload: { SAMLRequest: 'x' } })).statusCode).toBe(404)
    const owner = await signedIn(ctx, OWNER)
    const step3 = await owner.get('/orgs/acme/sso/idp')
    expect(step3.statusCode).toBe(200)
    expect(step3.body).not.toContain('development IdP')
    expect((await owner.post('/orgs/acme/sso/idp/dev', {})).statusCode).toBe(404)
    expect((await owner.post('/dev/idp/respond', { ssoName: 'acme', email: 'x@acme.test' })).statusCode).toBe(404)
    expect(await ctx.runtime.db.selectFrom('dev_idp_keys').selectAll().execute()).toEqual([])
  })
})

describe('switched on (the default outside production)', () => {
  it("has a clearly marked home page and metadata that Gatehouse's IdP metadata parser reads", async () => {
    ctx = await createTestContext()
    expect(ctx.config.devIdp.enabled).toBe(true)
    const home = await browser(ctx.app).get('/dev/idp')
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain(BANNER)
    expect(home.body).toContain('http://gatehouse.test/dev/idp/metadata')

    const res = await ctx.app.inject({ method: 'GET', url: '/dev/idp/metadata' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/samlmetadata\+xml/)
    const parsed = parseIdpMetadata(res.body, { now: ctx.clock.now() })
    expect(parsed.entityId).toBe('http://gatehouse.test/dev/idp')
    expect(parsed.ssoUrls).toEqual({ redirect: 'http://gatehouse.test/dev/idp/sso', post: 'http://gatehouse.test/dev/idp/sso' })
    const pair = await devIdpKeyPair(ctx.deps)
    expect(parsed.signingCertificates[0]!.fingerprint).toBe(parseCertificate(pair.certificatePem).fingerprint)
    expect(parsed.signingCertificates[0]!.keyBits).toBe(2048)
    expect(parsed.warnings).toEqual([])
  })

  it('makes its key pair once, sealed at rest; two processes making it at once end with the same one', async () => {
    ctx = await createTestContext()
    // Two "processes": separate stores over the same database, so neither sees the other's cache.
    const a = { ...ctx.deps, store: createStore(ctx.runtime.db) }
    const b = { ...ctx.deps, store: createStore(ctx.runtime.db) }
    const [first, second] = await Promise.all([devIdpKeyPair(a), devIdpKeyPair(b)])
    expect(second.certificatePem).toBe(first.certificatePem)
    expect(second.privateKeyPem).toBe(first.privateKeyPem)
    const rows = await ctx.runtime.db.selectFrom('dev_idp_keys').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.certificate_pem).toBe(first.certificatePem)
    expect(rows[0]!.private_key_encrypted).not.toContain('PRIVATE KEY')
    // A later start reads the stored pair rather than making another.
    expect(await devIdpMetadata({ ...ctx.deps, store: createStore(ctx.runtime.db) })).toContain(parseCertificate(first.certificatePem).base64)
  })
})
