/**
 * Issue 17 items 5 and 6 on the pages: the SSO steps are ticked when true of the connection, not for
 * having been opened; "Configured from" names how the IdP came; the SSO name is suggested from the
 * org's slug; the development IdP says what picking a member did, and shows a nameless member once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { hiddenFields } from '../dev-idp/support.js'
import { OWNER, seedAcme, signedIn } from './support.js'
import type { Browser } from '../helpers/browser.js'

let ctx: TestContext
let owner: Browser
let idp: TestIdp

beforeEach(async () => {
  ctx = await createTestContext()
  await seedAcme(ctx)
  owner = await signedIn(ctx, OWNER)
  idp = await createTestIdp('progress')
})
afterEach(async () => {
  await ctx?.close()
  ctx = undefined as never
})

function metadata(): string {
  const b64 = idp.certificatePem.replace(/-----[^-]+-----|\s/g, '')
  return (
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idp.entityId}">` +
    '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>' +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  )
}

/** The step labels ticked done on a page, as a screen reader hears "(done)". */
function doneSteps(html: string): string[] {
  const nav = /<nav aria-label="SSO set-up steps"[\s\S]*?<\/nav>/.exec(html)![0]
  return [...nav.matchAll(/<li class="done">[\s\S]*?>(\d)\./g)].map((m) => m[1]!)
}

/** The "Configured from" value as text. */
function configuredFrom(html: string): string {
  return /<dt>Configured from<\/dt><dd>([\s\S]*?)<\/dd>/.exec(html)![1]!.replace(/<[^>]+>/g, '')
}

describe('the SSO set-up steps', () => {
  it('ticks a step when it is done, not when its page was opened', async () => {
    await owner.get('/orgs/acme/sso')
    expect((await owner.post('/orgs/acme/sso/name', { ssoName: 'acme' })).statusCode).toBe(303)
    for (const path of ['/guide', '/idp', '/policy']) await owner.get(`/orgs/acme/sso${path}`)
    expect(doneSteps((await owner.get('/orgs/acme/sso')).body)).toEqual(['1'])

    await owner.post('/orgs/acme/sso/idp', { mode: 'metadata', metadataXml: metadata() })
    const configured = (await owner.get('/orgs/acme/sso/guide')).body
    expect(doneSteps(configured)).toEqual(['1', '3'])
    expect(configured).toContain('(done once a test passes)')
    expect(configured).toContain('(defaults)')

    await owner.post('/orgs/acme/sso/policy', {
      enforcement: 'optional',
      sessionTimeoutHours: '8',
      provisioning: 'invite-only',
      allowIdpInitiated: 'on',
      'roleMapping.delimiter': ',',
      'roleMapping.attribute': 'roles',
      'workspaceAttributes.prefix': 'workspace.',
      'attributeMapping.email': 'email',
      'attributeMapping.firstName': 'first_name',
      'attributeMapping.lastName': 'last_name',
      'attributeMapping.roles': 'roles',
    })
    expect(doneSteps((await owner.get('/orgs/acme/sso')).body)).toEqual(['1', '3', '4'])

    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })).status).toBe(200)
    expect(doneSteps((await owner.get('/orgs/acme/sso')).body)).toEqual(['1', '2', '3', '4', '5'])
  })

  it("suggests the org's slug as the SSO name before one is chosen", async () => {
    const page = (await owner.get('/orgs/acme/sso')).body
    expect(page).toMatch(/name="ssoName" type="text" value="acme"/)
    expect(page).toContain('Suggested from the organization')
  })
})

describe('"Configured from"', () => {
  const cases: { how: string; form: Record<string, string>; shows: string }[] = [
    { how: 'pasted metadata', form: { mode: 'metadata', metadataFrom: 'paste' }, shows: 'pasted metadata XML' },
    { how: 'a metadata file read by the page', form: { mode: 'metadata', metadataFrom: 'upload' }, shows: 'an uploaded metadata file' },
    { how: 'a form without the field (no script ran)', form: { mode: 'metadata' }, shows: 'pasted metadata XML' },
    { how: 'an unknown value', form: { mode: 'metadata', metadataFrom: 'dev-idp' }, shows: 'pasted metadata XML' },
  ]
  for (const c of cases) {
    it(`names ${c.how} as "${c.shows}"`, async () => {
      await owner.get('/orgs/acme/sso')
      await owner.post('/orgs/acme/sso/name', { ssoName: 'acme' })
      await owner.get('/orgs/acme/sso/idp')
      expect((await owner.post('/orgs/acme/sso/idp', { ...c.form, metadataXml: metadata() })).statusCode).toBe(303)
      expect(configuredFrom((await owner.get('/orgs/acme/sso/idp')).body)).toBe(c.shows)
    })
  }

  it('names the development IdP, and metadata given through the API (or saved before the source was kept) as metadata XML', async () => {
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    await owner.get('/orgs/acme/sso/idp')
    expect((await owner.post('/orgs/acme/sso/idp/dev', {})).statusCode).toBe(303)
    expect(configuredFrom((await owner.get('/orgs/acme/sso')).body)).toBe('the development IdP')
    expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.idp.source).toBe('metadata')

    expect((await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: metadata() })).status).toBe(200)
    expect(configuredFrom((await owner.get('/orgs/acme/sso')).body)).toBe('metadata XML')
  })
})

describe("the development IdP's member picker", () => {
  it('says what picking did, and shows a member without a name once', async () => {
    expect(
      (
        await operator(ctx, 'POST', '/organizations/acme/members', {
          email: 'mallory@acme.test',
          firstName: '',
          lastName: '',
          role: 'member',
          password: 'correct horse battery',
        })
      ).status,
    ).toBe(201)
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    await owner.get('/orgs/acme/sso/idp')
    await owner.post('/orgs/acme/sso/idp/dev', {})
    const page = await owner.get('/dev/idp/start?sso_name=acme')
    expect(page.statusCode).toBe(200)
    const text = page.body.replace(/<[^>]+>/g, ' ')
    expect(text.match(/mallory@acme\.test/g)).toHaveLength(1)
    expect(page.body).toContain('Fills in the form below')
    const picked = await owner.post('/dev/idp/respond', { ...hiddenFields(page.body, '/dev/idp/respond'), pick: 'max@acme.test' })
    expect(picked.statusCode).toBe(200)
    expect(picked.body).toMatch(/<p class="notice" role="status">Filled in for Max Member/)
    expect(picked.body).toContain('value="max@acme.test"')
  })
})
