/**
 * The owner's SSO pages (issue 5 items 1, 2, 11): the four steps, with errors next to the field and
 * nothing changed on bad input. Who sees what, disabling and email domains are in sso-pages-access.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { OWNER, seedAcme, signedIn, withoutWordBreaks } from './support.js'
import { fieldError, idpMetadata, ssoPageHelpers } from './sso-pages-support.js'

let ctx: TestContext
let owner: Browser
let idp: TestIdp

beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  owner = await signedIn(ctx, OWNER)
  idp = await createTestIdp('pages')
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})
const { sso, createName } = ssoPageHelpers(() => ({ ctx, owner }))

describe('step 1: the SSO name and the SP details', () => {
  it('creates the connection and shows the SP details with copy buttons and downloads', async () => {
    const empty = await owner.get('/orgs/acme/sso')
    expect(empty.statusCode).toBe(200)
    expect(empty.body).toContain('not set up')
    const res = await createName('Acme-Corp')
    expect(res.statusCode).toBe(303)
    const page = await owner.get(String(res.headers.location))
    expect(page.body).toContain('SSO name saved')
    for (const value of [
      'http://gatehouse.test/saml/acme-corp',
      'http://gatehouse.test/saml/acme-corp/acs',
      'http://gatehouse.test/saml/acme-corp/metadata',
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    ]) {
      expect(withoutWordBreaks(page.body)).toContain(`>${value}</code>`)
    }
    expect(page.body.match(/<button type="button" class="copy" data-copy-target="sp-[a-z-]+"/g)?.length).toBeGreaterThanOrEqual(4)
    expect(page.body).toContain('<script src="/static/sso-setup.js" defer="">')
    expect(page.body).toContain('href="http://gatehouse.test/saml/acme-corp/metadata?download=1"')
    const certificate = await owner.get('/saml/acme-corp/certificate')
    expect(certificate.statusCode).toBe(200)
    expect(certificate.headers['content-disposition']).toBe('attachment; filename="acme-corp-sp-certificate.pem"')
    expect(certificate.body).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(certificate.body).not.toContain('PRIVATE')
    expect((await owner.get('/static/sso-setup.js')).statusCode).toBe(200)
    const audit = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    expect(audit.json.data[0]).toMatchObject({ action: 'sso.created', actor: `user:${OWNER}`, detail: { ssoName: 'acme-corp' } })
  })

  it('refuses a taken or malformed name next to the field, changing nothing', async () => {
    await operator(ctx, 'POST', '/organizations', { name: 'Other', slug: 'other' })
    await operator(ctx, 'PUT', '/organizations/other/sso', { ssoName: 'taken' })
    const taken = await createName('taken')
    expect(taken.statusCode).toBe(409)
    expect(fieldError(taken.body, 'ssoName')).toContain('is taken')
    expect(taken.body).toContain('aria-describedby="f-ssoName-error"')
    const bad = await createName('-bad-')
    expect(bad.statusCode).toBe(422)
    expect(fieldError(bad.body, 'ssoName')).toContain('3–63 characters')
    expect((await sso()).status).toBe(404)
  })
})

const label = (id: string) => id

describe('step 2: guides per IdP', () => {
  it("names each IdP's own field labels next to the values", async () => {
    await createName()
    const expectations: Record<string, string[]> = {
      okta: ['Single sign-on URL', 'Audience URI (SP Entity ID)', 'Attribute Statements', 'user.firstName', 'workspace.prod'],
      entra: ['Identifier (Entity ID)', 'Reply URL (Assertion Consumer Service URL)', 'Attributes &amp; Claims', 'Add a group claim'],
      google: ['ACS URL', 'Entity ID', 'Attribute mapping', 'Primary email'],
      onelogin: ['Audience (EntityID)', 'ACS (Consumer) URL', 'Parameters', 'User Roles'],
      other: ['http://gatehouse.test/saml/acme/metadata', 'Attributes (Basic name format)'],
    }
    for (const [id, labels] of Object.entries(expectations)) {
      const page = await owner.get(`/orgs/acme/sso/guide?idp=${id}`)
      expect(page.statusCode).toBe(200)
      for (const label of labels) expect(page.body, `${id}: ${label}`).toContain(label)
      expect(page.body).toContain('http://gatehouse.test/saml/acme/acs')
      // Every value to paste has a copy button pointing at it, and ids are unique.
      const ids = [...page.body.matchAll(/data-copy-target="([^"]+)"/g)].map((m) => m[1]!)
      expect(ids.length).toBeGreaterThan(5)
      for (const id of ids) expect(page.body.split(`id="${id}"`).length - 1, `${id} on ${label(id)}`).toBe(1)
    }
  })
})

describe('step 3: the identity provider', () => {
  beforeEach(async () => {
    await createName()
  })

  it('saves pasted metadata, and shows the certificate fingerprint', async () => {
    await owner.get('/orgs/acme/sso/idp')
    const res = await owner.post('/orgs/acme/sso/idp', { mode: 'metadata', metadataXml: idpMetadata(idp.entityId, idp.certificatePem) })
    expect(res.statusCode).toBe(303)
    expect((await sso()).json.idp).toMatchObject({ entityId: idp.entityId, ssoUrl: 'https://idp.example.test/sso', source: 'metadata' })
    const page = await owner.get('/orgs/acme/sso/idp')
    expect(withoutWordBreaks(page.body)).toContain(idp.certificate.fingerprint)
  })

  it('accepts metadata larger than other page posts allow', async () => {
    const padded = idpMetadata(idp.entityId, idp.certificatePem).replace('<md:IDPSSODescriptor', `<!--${'x'.repeat(200_000)}--><md:IDPSSODescriptor`)
    await owner.get('/orgs/acme/sso/idp')
    expect((await owner.post('/orgs/acme/sso/idp', { mode: 'metadata', metadataXml: padded })).statusCode).toBe(303)
    await owner.get('/orgs/acme/sso/policy')
    expect((await owner.post('/orgs/acme/sso/policy', { apiAllowList: 'a@b.test\n'.repeat(10_000) })).statusCode).toBe(413)
  })

  it('shows bad metadata, URL and manual input next to the field and changes nothing', async () => {
    await owner.get('/orgs/acme/sso/idp')
    const notXml = await owner.post('/orgs/acme/sso/idp', { mode: 'metadata', metadataXml: 'hello' })
    expect(notXml.statusCode).toBe(422)
    expect(fieldError(notXml.body, 'metadataXml')).toMatch(/XML/)
    expect(notXml.body).toContain('>hello</textarea>')

    const noUrl = await owner.post('/orgs/acme/sso/idp', { mode: 'url', metadataUrl: '' })
    expect(fieldError(noUrl.body, 'metadataUrl')).toBe('Give the IdP metadata URL.')

    const badCert = await owner.post('/orgs/acme/sso/idp', {
      mode: 'manual',
      ssoUrl: 'https://idp.example.test/sso',
      entityId: idp.entityId,
      certificates: 'not a certificate',
    })
    expect(badCert.statusCode).toBe(422)
    expect(fieldError(badCert.body, 'certificates')).toBeDefined()
    const badUrl = await owner.post('/orgs/acme/sso/idp', { mode: 'manual', ssoUrl: 'ftp://x', entityId: idp.entityId, certificates: idp.certificatePem })
    expect(fieldError(badUrl.body, 'ssoUrl')).toContain('http(s) URL')
    expect((await sso()).json.idp).toBeNull()
  })

  it('saves manual fields with several certificates (rollover)', async () => {
    const next = await createTestIdp('pages-next')
    await owner.get('/orgs/acme/sso/idp')
    const res = await owner.post('/orgs/acme/sso/idp', {
      mode: 'manual',
      ssoUrl: 'https://idp.example.test/sso',
      entityId: idp.entityId,
      certificates: `${idp.certificatePem}\n${next.certificatePem}`,
      signatureAlgorithm: 'rsa-sha256',
    })
    expect(res.statusCode).toBe(303)
    expect((await sso()).json.idp.certificates.map((c: { fingerprint: string }) => c.fingerprint)).toEqual([
      idp.certificate.fingerprint,
      next.certificate.fingerprint,
    ])
    const audit = (await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data[0]
    expect(audit).toMatchObject({
      action: 'sso.idp_configured',
      actor: `user:${OWNER}`,
      detail: { before: null, after: { certificates: [idp.certificate.fingerprint, next.certificate.fingerprint] } },
    })
    expect(JSON.stringify(audit)).not.toContain('BEGIN CERTIFICATE')
  })
})

describe('step 4: user management', () => {
  beforeEach(async () => {
    await createName()
  })

  it('saves every setting of the form, shown again on the page', async () => {
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Sandbox', slug: 'sandbox' })
    await owner.get('/orgs/acme/sso/policy')
    const full = {
      enforcement: 'exceptions',
      apiAllowList: 'Bot@Acme.test\nci@acme.test',
      sessionTimeoutHours: '8',
      provisioning: 'just-in-time',
      allowIdpInitiated: 'on',
      'attributeMapping.email': 'mail\nemail',
      'attributeMapping.firstName': 'given',
      'attributeMapping.lastName': 'sn',
      'attributeMapping.roles': 'groups',
      'roleMapping.enabled': 'on',
      'roleMapping.attribute': 'groups',
      'roleMapping.delimiter': 'other',
      'roleMapping.delimiterOther': '|',
      'rule.0.idpRole': 'Engineering',
      'rule.0.orgRole': 'member',
      'rule.0.ws.prod': 'developer',
      'rule.0.ws.staging': 'admin',
      'rule.1.idpRole': '',
      'rule.1.orgRole': 'member',
      'rule.2.idpRole': 'Admins',
      'rule.2.orgRole': 'admin',
      'workspaceAttributes.enabled': 'on',
      'workspaceAttributes.prefix': 'ws.',
    }
    const res = await owner.post('/orgs/acme/sso/policy', full)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/orgs/acme/sso/policy?notice=policy')
    expect((await sso()).json.policy).toEqual({
      enforcement: 'exceptions',
      apiAllowList: ['bot@acme.test', 'ci@acme.test'],
      sessionTimeoutHours: 8,
      provisioning: 'just-in-time',
      allowIdpInitiated: true,
      requireEncryptedAssertions: false,
      attributeMapping: { email: ['mail', 'email'], firstName: ['given'], lastName: ['sn'], roles: ['groups'] },
      roleMapping: {
        enabled: true,
        attribute: 'groups',
        delimiter: '|',
        rules: [
          { idpRole: 'Engineering', orgRole: 'member', workspaceRoles: { prod: 'developer', staging: 'admin' } },
          { idpRole: 'Admins', orgRole: 'admin', workspaceRoles: {} },
        ],
      },
      workspaceAttributes: { enabled: true, prefix: 'ws.' },
    })
    const page = await owner.get('/orgs/acme/sso/policy?notice=policy')
    expect(page.body).toContain('User management saved.')
    expect(page.body).toMatch(/name="rule\.0\.idpRole" value="Engineering"/)
    expect(page.body).toMatch(/value="exceptions" checked=""/)
    const audit = (await operator(ctx, 'GET', '/organizations/acme/audit-log')).json.data[0]
    expect(audit).toMatchObject({
      action: 'sso.policy_updated',
      actor: `user:${OWNER}`,
      detail: { before: { enforcement: 'optional', sessionTimeoutHours: 12 }, after: { enforcement: 'exceptions', sessionTimeoutHours: 8 } },
    })

    // Removing a rule: tick its Remove box; the other rules stay as they were.
    await owner.get('/orgs/acme/sso/policy')
    const again = await owner.post('/orgs/acme/sso/policy', { ...full, 'rule.0.remove': 'on' })
    expect(again.statusCode).toBe(303)
    expect((await sso()).json.policy.roleMapping.rules).toEqual([{ idpRole: 'Admins', orgRole: 'admin', workspaceRoles: {} }])
    expect(page.body).toContain('name="rule.0.remove"')
  })

  it('refuses a session timeout outside 1–24 h next to the field, keeping what was typed and saving nothing', async () => {
    const before = (await sso()).json.policy
    for (const hours of ['0', '25', '1.5', 'twelve']) {
      await owner.get('/orgs/acme/sso/policy')
      const res = await owner.post('/orgs/acme/sso/policy', { enforcement: 'strict', sessionTimeoutHours: hours, provisioning: 'invite-only' })
      expect(res.statusCode, hours).toBe(422)
      expect(fieldError(res.body, 'sessionTimeoutHours')).toContain('1 to 24')
      expect(res.body).toContain(`value="${hours}"`)
    }
    expect((await sso()).json.policy).toEqual(before)
  })
})
