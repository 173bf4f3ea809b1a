/** Shared by the sso-pages*.test.ts files: IdP metadata, field errors, and calls on the SSO pages. */
import { type Browser } from '../helpers/browser.js'
import { operator, type TestContext } from '../helpers/test-app.js'

export function idpMetadata(entityId: string, certificatePem: string): string {
  const b64 = certificatePem.replace(/-----[^-]+-----|\s/g, '')
  return (
    `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">` +
    '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>' +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  )
}

/** The error paragraph tied to a field (aria-describedby), as a screen reader would announce it. */
export function fieldError(html: string, name: string): string | undefined {
  const match = new RegExp(`id="f-${name.replace('.', '\\.')}-error"[^>]*>([^<]*)<`).exec(html)
  return match?.[1]
}

/** The helpers, over the context and signed-in owner the running test made. */
export function ssoPageHelpers(page: () => { ctx: TestContext; owner: Browser }) {
  async function sso() {
    return operator(page().ctx, 'GET', '/organizations/acme/sso')
  }

  async function createName(name = 'acme') {
    await page().owner.get('/orgs/acme/sso')
    return page().owner.post('/orgs/acme/sso/name', { ssoName: name })
  }
  return { sso, createName }
}
