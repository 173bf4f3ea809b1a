/**
 * Configuring the IdP side through the operator API: metadata XML, metadata URL (fetched now and
 * refreshed later, keeping the last good configuration when a refresh fails), manual fields; bad
 * input names the problem and changes nothing; the SSRF rules of the fetcher.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { refreshIdpMetadata } from '../../src/core/metadata-refresh.js'
import { createMetadataFetcher } from '../../src/net/metadata-fetcher.js'
import { isAllowedAddress } from '../../src/net/outbound-address.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'

let ctx: TestContext
let idp: TestIdp
let server: Server
let served: { status: number; body: string }
let metadataUrl: string

function idpMetadata(entityId: string, certificatePem: string, ssoUrl = 'https://idp.test/sso'): string {
  const b64 = certificatePem.replace(/-----[^-]+-----|\s/g, '')
  return (
    `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">` +
    '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>` +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  )
}

beforeEach(async () => {
  ctx = await createTestContext({ config: { production: false } })
  idp = await createTestIdp('cfg')
  served = { status: 200, body: idpMetadata(idp.entityId, idp.certificatePem) }
  server = createServer((_req, res) => {
    res.writeHead(served.status, { 'content-type': 'application/xml' })
    res.end(served.body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
})
afterEach(async () => {
  server.close()
  await ctx.close()
})

const sso = async () => (await operator(ctx, 'GET', '/organizations/acme/sso')).json

describe('IdP configuration', () => {
  it('takes metadata XML and shows the IdP with certificate fingerprints', async () => {
    const res = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: served.body })
    expect(res.status).toBe(200)
    expect(res.json.idp).toMatchObject({
      entityId: idp.entityId,
      ssoUrl: 'https://idp.test/sso',
      source: 'metadata',
      certificates: [{ fingerprint: idp.certificate.fingerprint }],
    })
  })

  it('refuses bad metadata with its code and changes nothing', async () => {
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: served.body })
    for (const [metadataXml, code] of [
      ['not xml', 'metadata_not_xml'],
      ['<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 'metadata_dtd_forbidden'],
      [idpMetadata(idp.entityId, 'MIIBroken'), 'certificate_unreadable'],
      [served.body.replace('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP'), 'metadata_no_binding'],
    ] as const) {
      const res = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml })
      expect(res.status).toBe(422)
      expect(res.json.error.code).toBe(code)
    }
    expect((await sso()).idp.entityId).toBe(idp.entityId)
  })

  it('takes manual fields, several certificates for a rollover, bare base64 too', async () => {
    const other = await createTestIdp('cfg-2')
    const res = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', {
      ssoUrl: 'https://idp.test/sso',
      entityId: 'urn:idp',
      certificates: [idp.certificatePem, other.certificatePem.replace(/-----[^-]+-----|\s/g, '')],
      signatureAlgorithm: 'rsa-sha256',
    })
    expect(res.status).toBe(200)
    expect(res.json.idp.certificates.map((c: { fingerprint: string }) => c.fingerprint)).toEqual([idp.certificate.fingerprint, other.certificate.fingerprint])
  })

  it('fetches a metadata URL now and records before/after by fingerprint in the audit log', async () => {
    const res = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataUrl })
    expect(res.status).toBe(200)
    expect(res.json.idp).toMatchObject({ entityId: idp.entityId, source: 'metadata-url', metadataUrl })
    const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    const entry = log.json.data.find((e: { action: string }) => e.action === 'sso.idp_configured')
    expect(entry.detail.after.certificates).toEqual([idp.certificate.fingerprint])
    expect(JSON.stringify(entry)).not.toContain('BEGIN CERTIFICATE')
  })

  it('refreshes from the URL on schedule and keeps the last good configuration when a refresh fails', async () => {
    await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataUrl })
    const rolled = await createTestIdp('cfg-rolled')
    served = { status: 200, body: idpMetadata(idp.entityId, rolled.certificatePem, 'https://idp.test/new-sso') }
    expect(await refreshIdpMetadata(ctx.deps)).toEqual([{ ssoName: 'acme', ok: true, changed: true }])
    expect((await sso()).idp).toMatchObject({ ssoUrl: 'https://idp.test/new-sso', certificates: [{ fingerprint: rolled.certificate.fingerprint }] })

    served = { status: 500, body: 'down' }
    const [outcome] = await refreshIdpMetadata(ctx.deps)
    expect(outcome).toMatchObject({ ok: false })
    const after = await sso()
    expect(after.idp).toMatchObject({ ssoUrl: 'https://idp.test/new-sso', metadataRefreshError: expect.stringContaining('500') })
    const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(log.json.data.find((e: { action: string }) => e.action === 'sso.idp_refresh_failed')).toMatchObject({ detail: { keptConfiguration: true } })
  })
})

describe('metadata fetcher SSRF rules', () => {
  it('classifies internal addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '100.64.0.1',
    ]) {
      expect(isAllowedAddress(address), address).toBe(false)
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isAllowedAddress(address), address).toBe(true)
  })

  it('refuses http and loopback in production, and fetches them outside production', async () => {
    const production = createMetadataFetcher({ production: true })
    await expect(production(metadataUrl)).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
    await expect(production(metadataUrl.replace('http:', 'https:'))).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
    await expect(production('https://[::1]/metadata')).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
    await expect(production('file:///etc/passwd')).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
    const development = createMetadataFetcher({ production: false })
    expect(await development(metadataUrl)).toContain(idp.entityId)
  })

  it('checks the address it connects to, resolving once: DNS rebinding cannot slip an internal address in', async () => {
    // A rebinding resolver: the local server the first time, another address after. The fetch reaches
    // the first answer and never asks again (no test connects anywhere but 127.0.0.1).
    const answers = [[{ address: '127.0.0.1', family: 4 }], [{ address: '10.0.0.8', family: 4 }]]
    let calls = 0
    const rebinding = createMetadataFetcher({ production: false, timeoutMs: 2000, resolve: async () => answers[Math.min(calls++, 1)]! })
    expect(await rebinding(metadataUrl.replace('127.0.0.1', 'rebind.example.test'))).toContain(idp.entityId)
    expect(calls).toBe(1)
    // Resolving to an internal address at connect time is refused as such.
    const internalOnly = createMetadataFetcher({ production: true, resolve: async () => [{ address: '10.0.0.8', family: 4 }] })
    await expect(internalOnly('https://intranet.example.test/metadata')).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
    const mixed = createMetadataFetcher({
      production: true,
      resolve: async () => [
        { address: '203.0.113.7', family: 4 },
        { address: '::1', family: 6 },
      ],
    })
    await expect(mixed('https://mixed.example.test/metadata')).rejects.toMatchObject({ code: 'metadata_url_forbidden' })
    // Outside production the same resolver is followed to the local server.
    const local = createMetadataFetcher({ production: false, resolve: async () => [{ address: '127.0.0.1', family: 4 }] })
    expect(await local(metadataUrl.replace('127.0.0.1', 'idp.localtest.example'))).toContain(idp.entityId)
  })

  it('does not follow redirects', async () => {
    served = { status: 302, body: '' }
    await expect(createMetadataFetcher({ production: false })(metadataUrl)).rejects.toMatchObject({
      code: 'metadata_fetch_failed',
      message: expect.stringContaining('redirects'),
    })
  })

  it('gives up on a slow server and on an oversized document', async () => {
    const slow = createServer(() => {})
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r))
    const fetcher = createMetadataFetcher({ production: false, timeoutMs: 200 })
    await expect(fetcher(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/`)).rejects.toMatchObject({ code: 'metadata_fetch_failed' })
    slow.closeAllConnections()
    slow.close()
    served = { status: 200, body: 'x'.repeat(11 * 1024 * 1024) }
    await expect(fetcher(metadataUrl)).rejects.toMatchObject({ code: 'metadata_fetch_failed' })
  })
})
