/**
 * The periodic metadata refresh (issue 19 item 5): when the IdP's metadata URL starts publishing a new
 * signing certificate, the refresh picks it up — a response signed with the new key is refused before
 * and accepted after — and the org's owners are told once (mail and audit "IdP published a new
 * signing certificate"), even when the certificate leaves the metadata and comes back.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hours } from '../../src/core/clock.js'
import { metadataRefresh, runDuePeriodicTasks } from '../../src/jobs/periodic.js'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { MEMBER, OWNER, refusalCode, seedAcme } from '../http/support.js'

let ctx: TestContext
let server: Server
let published: string[]
let current: TestIdp
let next: TestIdp
let org: SsoOrg

const ENTITY_ID = 'https://idp.rollover.test/metadata'

function metadata(certificates: readonly string[]): string {
  const descriptors = certificates
    .map((pem) => pem.replace(/-----[^-]+-----|\s/g, ''))
    .map(
      (b64) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
  return (
    `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${ENTITY_ID}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${descriptors.join('')}` +
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.rollover.test/sso"/>' +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  )
}

beforeEach(async () => {
  ctx = await createTestContext({ config: { production: false } })
  current = await createTestIdp('rollover-current', ENTITY_ID)
  next = await createTestIdp('rollover-next', ENTITY_ID)
  published = [current.certificatePem]
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' })
    res.end(metadata(published))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`
  await seedAcme(ctx)
  expect((await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBeLessThan(300)
  expect((await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataUrl })).status).toBe(200)
  expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })).status).toBe(200)
  org = { slug: 'acme', ssoName: 'acme', entityId: `${ctx.config.baseUrl}/saml/acme`, acsUrl: `${ctx.config.baseUrl}/saml/acme/acs` }
})
afterEach(async () => {
  server.close()
  await ctx.close()
})

const signInWith = (idp: TestIdp) => postAcs(browser(ctx.app), org, responseFor(ctx, idp, org, { nameId: MEMBER }))
const auditOf = async (action: string) =>
  (
    (await operator(ctx, 'GET', '/organizations/acme/audit-log?limit=100')).json.data as { action: string; actor: string; detail: Record<string, unknown> }[]
  ).filter((e) => e.action === action)
const certificateMail = async () => (await ctx.sentMail()).filter((m) => /published a new signing certificate/.test(m.subject))

describe('a metadata URL that starts publishing a new signing certificate', () => {
  it('is picked up by the periodic refresh: the new key signs members in from then on, the old one still does', async () => {
    const before = await signInWith(next)
    expect(before.statusCode).toBe(403)
    expect(refusalCode(ctx, before)).toBe('signature_invalid')

    published = [current.certificatePem, next.certificatePem]
    expect(await runDuePeriodicTasks(ctx.deps, [metadataRefresh])).toEqual(['metadata_refresh'])
    expect((await signInWith(next)).statusCode).toBe(303)
    expect((await signInWith(current)).statusCode).toBe(303)
    const sso = (await operator(ctx, 'GET', '/organizations/acme/sso')).json
    expect(sso.idp.certificates.map((c: { fingerprint: string }) => c.fingerprint)).toEqual([current.certificate.fingerprint, next.certificate.fingerprint])
    // Hourly: not again within the hour, again after it.
    ctx.clock.advance(hours(1) - 1)
    expect(await runDuePeriodicTasks(ctx.deps, [metadataRefresh])).toEqual([])
    ctx.clock.advance(1)
    expect(await runDuePeriodicTasks(ctx.deps, [metadataRefresh])).toEqual(['metadata_refresh'])
  })

  it('tells the owners once, by mail and in the audit log, naming the certificate', async () => {
    published = [current.certificatePem, next.certificatePem]
    await runDuePeriodicTasks(ctx.deps, [metadataRefresh])
    const mail = await certificateMail()
    expect(mail.map((m) => m.to)).toEqual([OWNER])
    expect(mail[0]!.subject).toBe('Acme: your IdP published a new signing certificate')
    expect(mail[0]!.text).toContain(`SHA-256 fingerprint: ${next.certificate.fingerprint}`)
    expect(mail[0]!.text).toContain('Gatehouse has picked it up')
    const [entry, ...more] = await auditOf('sso.idp_certificate_published')
    expect(more).toEqual([])
    expect(entry).toMatchObject({ actor: 'system:metadata-refresh', detail: { fingerprint: next.certificate.fingerprint } })
    expect(JSON.stringify(entry)).not.toContain('BEGIN CERTIFICATE')

    // The same metadata again, the new certificate alone, then both again: nothing new to tell.
    for (const certificates of [[current, next], [next], [current, next]]) {
      published = certificates.map((c) => c.certificatePem)
      ctx.clock.advance(hours(1))
      expect(await runDuePeriodicTasks(ctx.deps, [metadataRefresh])).toEqual(['metadata_refresh'])
    }
    expect(await certificateMail()).toHaveLength(1)
    expect(await auditOf('sso.idp_certificate_published')).toHaveLength(1)
    expect((await auditOf('sso.idp_refreshed')).length).toBe(3)
  })

  it('tells nobody when the metadata publishes the same certificates', async () => {
    await runDuePeriodicTasks(ctx.deps, [metadataRefresh])
    expect(await certificateMail()).toEqual([])
    expect(await auditOf('sso.idp_certificate_published')).toEqual([])
  })
})
