/**
 * The daily certificate check (issue 19 item 5): at 30, 7 and 1 days before an IdP signing
 * certificate's notAfter, one `sso.certificate_expiring` event, one audit entry and one mail per
 * owner, in the IdP's own terms; nothing more on a second run the same day or the next days; an
 * expired certificate that is still the only one is warned about (event with daysLeft ≤ 0, mail,
 * error banner on the owner's SSO page), and is not once a valid successor is configured.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { idpVendor } from '../../src/core/certificate-advice.js'
import { checkCertificateExpiry } from '../../src/core/certificate-expiry.js'
import { days } from '../../src/core/clock.js'
import { parseCertificate } from '../../src/saml/certificate.js'
import { createTestContext, type TestContext } from '../helpers/test-app.js'
import { ADMIN, OWNER, signedIn } from '../http/support.js'
import { acmeWithIdp, auditOf, eventsOf, expiringOn20270101, longLived, SECOND_OWNER } from './certificate-support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-11-23T12:00:00.000Z' })
})
afterEach(() => ctx.close())

const OWNERS = [OWNER, SECOND_OWNER].sort()

async function mailSince(count: number) {
  return (await ctx.sentMail()).slice(count)
}

describe('the daily certificate check', () => {
  it('tells the owners once at 30, 7 and 1 days before expiry and once when it expired, however often it runs', async () => {
    const pair = await expiringOn20270101()
    const cert = parseCertificate(pair.certificatePem)
    await acmeWithIdp(ctx, [pair.certificatePem])
    let mailed = (await ctx.sentMail()).length
    const steps = [
      { at: '2026-11-23T12:00:00.000Z', notice: undefined, daysLeft: 39 },
      { at: '2026-12-01T23:59:59.000Z', notice: undefined, daysLeft: 31 },
      { at: '2026-12-02T00:00:00.000Z', notice: '30d', daysLeft: 30 },
      { at: '2026-12-02T18:00:00.000Z', notice: undefined, daysLeft: 30 },
      { at: '2026-12-20T00:00:00.000Z', notice: undefined, daysLeft: 12 },
      { at: '2026-12-25T00:00:00.000Z', notice: '7d', daysLeft: 7 },
      { at: '2026-12-26T00:00:00.000Z', notice: undefined, daysLeft: 6 },
      { at: '2026-12-31T12:00:00.000Z', notice: '1d', daysLeft: 1 },
      { at: '2027-01-01T00:00:00.000Z', notice: 'expired', daysLeft: 0 },
      { at: '2027-01-05T00:00:00.000Z', notice: undefined, daysLeft: -4 },
    ] as const
    for (const step of steps) {
      ctx.clock.set(step.at)
      for (const run of [1, 2]) {
        const sent = await checkCertificateExpiry(ctx.deps)
        const expected =
          run === 1 && step.notice !== undefined ? [{ ssoName: 'acme', fingerprint: cert.fingerprint, notice: step.notice, daysLeft: step.daysLeft }] : []
        expect(sent, `${step.at} run ${run}`).toEqual(expected)
        const mail = await mailSince(mailed)
        mailed += mail.length
        expect(mail.map((m) => m.to).sort(), `${step.at} run ${run}`).toEqual(expected.length === 0 ? [] : OWNERS)
      }
    }
    const events = await eventsOf(ctx, 'sso.certificate_expiring')
    expect(events.map((e) => e.data)).toEqual(
      [30, 7, 1, 0].map((daysLeft) => ({ org: 'acme', ssoName: 'acme', fingerprint: cert.fingerprint, notAfter: '2027-01-01T00:00:00.000Z', daysLeft })),
    )
    const org = await ctx.deps.store.orgs.findBySlug('acme')
    expect(events.every((e) => e.orgId === org!.id)).toBe(true)
    expect((await auditOf(ctx, 'sso.certificate_expiring')).map((a) => [a.actor, a.target, a.detail.notice])).toEqual([
      ['system:certificate-check', 'acme', '30d'],
      ['system:certificate-check', 'acme', '7d'],
      ['system:certificate-check', 'acme', '1d'],
    ])
    expect((await auditOf(ctx, 'sso.certificate_expired')).map((a) => a.detail)).toEqual([
      { fingerprint: cert.fingerprint, subject: cert.subject, notAfter: '2027-01-01T00:00:00.000Z', daysLeft: 0, notice: 'expired' },
    ])
  })

  it("mails what to do in the IdP's own terms, the fingerprint and the date, and no secret anywhere", async () => {
    const pair = await expiringOn20270101()
    const cert = parseCertificate(pair.certificatePem)
    await acmeWithIdp(ctx, [pair.certificatePem])
    ctx.clock.set('2026-12-25T00:00:00.000Z')
    await checkCertificateExpiry(ctx.deps)
    const [mail] = (await ctx.sentMail()).filter((m) => m.to === OWNER)
    expect(mail!.subject).toBe('The IdP signing certificate of Acme expires in 7 days (2027-01-01)')
    for (const text of [
      'Applications → your app → Sign On → SAML Signing Certificates → Generate new certificate',
      `SHA-256 fingerprint: ${cert.fingerprint}`,
      'expires on 2027-01-01T00:00:00.000Z, in 7 days',
      'http://gatehouse.test/orgs/acme/sso/idp',
    ])
      expect(mail!.text).toContain(text)
    const stored = JSON.stringify([await eventsOf(ctx, 'sso.certificate_expiring'), await auditOf(ctx, 'sso.certificate_expiring')])
    for (const secret of ['PRIVATE KEY', 'BEGIN CERTIFICATE', pair.privateKeyPem.slice(40, 100)]) expect(stored).not.toContain(secret)
  })

  it('sends only the most urgent notice reached when it first sees a certificate, never an earlier one after it', async () => {
    const pair = await expiringOn20270101()
    ctx.clock.set('2026-12-27T00:00:00.000Z')
    await acmeWithIdp(ctx, [pair.certificatePem])
    expect((await checkCertificateExpiry(ctx.deps)).map((s) => s.notice)).toEqual(['7d'])
    ctx.clock.advance(days(1))
    expect(await checkCertificateExpiry(ctx.deps)).toEqual([])
    expect((await eventsOf(ctx, 'sso.certificate_expiring')).map((e) => e.data.daysLeft)).toEqual([5])
  })

  it('leaves connections alone whose certificates are far from expiry, and mails no admin or member', async () => {
    await acmeWithIdp(ctx, [(await longLived()).certificatePem, (await expiringOn20270101()).certificatePem])
    ctx.clock.set('2026-12-02T00:00:00.000Z')
    const sent = await checkCertificateExpiry(ctx.deps)
    expect(sent.map((s) => s.notice)).toEqual(['30d'])
    const recipients = (await ctx.sentMail()).filter((m) => /certificate/i.test(m.subject)).map((m) => m.to)
    expect(recipients.sort()).toEqual(OWNERS)
    expect(recipients).not.toContain(ADMIN)
  })
})

describe('an expired certificate', () => {
  it('that is still the only one is warned about on the owner’s SSO page as an error', async () => {
    const pair = await expiringOn20270101()
    await acmeWithIdp(ctx, [pair.certificatePem])
    ctx.clock.set('2027-01-03T00:00:00.000Z')
    const sent = await checkCertificateExpiry(ctx.deps)
    expect(sent.map((s) => [s.notice, s.daysLeft])).toEqual([['expired', -2]])
    const [mail] = (await ctx.sentMail()).filter((m) => m.to === OWNER)
    expect(mail!.subject).toBe('Action needed: the IdP signing certificate of Acme expired on 2027-01-01')
    const page = await (await signedIn(ctx, OWNER)).get('/orgs/acme/sso')
    expect(page.statusCode).toBe(200)
    expect(page.body).toMatch(/<div class="alert" role="alert" id="certificate-expired">/)
    expect(page.body).toContain('The IdP signing certificate has expired')
  })

  it('is not warned about once a valid successor is configured: no notice, no banner', async () => {
    const pair = await expiringOn20270101()
    await acmeWithIdp(ctx, [pair.certificatePem, (await longLived()).certificatePem])
    ctx.clock.set('2027-01-03T00:00:00.000Z')
    expect(await checkCertificateExpiry(ctx.deps)).toEqual([])
    const page = await (await signedIn(ctx, OWNER)).get('/orgs/acme/sso')
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toContain('certificate-expired')
  })
})

describe('the advice in the mail', () => {
  it("names the IdP's own console steps, recognised from the entity ID and SSO URL", () => {
    const cases = [
      ['http://www.okta.com/exk1', 'https://acme.okta.com/app/x/sso/saml', 'okta'],
      ['https://sts.windows.net/tenant/', 'https://login.microsoftonline.com/tenant/saml2', 'entra'],
      ['https://accounts.google.com/o/saml2?idpid=C01', 'https://accounts.google.com/o/saml2/idp?idpid=C01', 'google'],
      ['https://app.onelogin.com/saml/metadata/1', 'https://acme.onelogin.com/trust/saml2/http-redirect/sso/1', 'onelogin'],
      ['https://adfs.acme.test/adfs/services/trust', 'https://adfs.acme.test/adfs/ls/', 'other'],
      ['https://evil.test/okta.com', 'https://okta.com.evil.test/sso', 'other'],
    ] as const
    for (const [entityId, ssoUrl, vendor] of cases) expect(idpVendor({ entityId, ssoUrlRedirect: ssoUrl, ssoUrlPost: undefined }), entityId).toBe(vendor)
  })
})
