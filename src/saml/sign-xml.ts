/**
 * Enveloped XML signatures on a SAML Response or Assertion (XML-DSig, SAML core §5.4), made with
 * xml-crypto: exclusive c14n, RSA-SHA256 by default, the Signature placed right after the signed
 * element's Issuer as the schema wants. Used by the development IdP, the tests' IdP, and for single
 * logout messages sent by HTTP-POST.
 *
 * @example
 * const signed = signSamlElement(xml, 'assertion', { privateKeyPem, certificatePem })
 */
import { SignedXml } from 'xml-crypto'

export type XmlSigningAlgorithm = 'rsa-sha256' | 'rsa-sha1' | 'rsa-sha512'

export interface SignOptions {
  readonly privateKeyPem: string
  /** Published in the signature's KeyInfo (a verifier must still use its own copy). */
  readonly certificatePem?: string
  readonly algorithm?: XmlSigningAlgorithm
}

const ALGORITHMS: Record<XmlSigningAlgorithm, readonly [signature: string, digest: string]> = {
  'rsa-sha256': ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2001/04/xmlenc#sha256'],
  'rsa-sha512': ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'http://www.w3.org/2001/04/xmlenc#sha512'],
  'rsa-sha1': ['http://www.w3.org/2000/09/xmldsig#rsa-sha1', 'http://www.w3.org/2000/09/xmldsig#sha1'],
}

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'

export type SignTarget = 'response' | 'assertion' | 'logout-request' | 'logout-response'

const ELEMENTS: Record<SignTarget, string> = {
  response: 'Response',
  assertion: 'Assertion',
  'logout-request': 'LogoutRequest',
  'logout-response': 'LogoutResponse',
}

/**
 * Signs the first element of `xml` of the target's kind (enveloped, exc-c14n) and returns the whole
 * document: a Response or Assertion, or a single logout message sent by HTTP-POST (bindings §3.5.4).
 */
export function signSamlElement(xml: string, target: SignTarget, options: SignOptions): string {
  const [signatureAlgorithm, digestAlgorithm] = ALGORITHMS[options.algorithm ?? 'rsa-sha256']
  const element = ELEMENTS[target]
  const sig = new SignedXml({
    privateKey: options.privateKeyPem,
    publicCert: options.certificatePem,
    signatureAlgorithm,
    canonicalizationAlgorithm: EXC_C14N,
  })
  sig.addReference({
    xpath: `//*[local-name(.)='${element}']`,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', EXC_C14N],
    digestAlgorithm,
  })
  // SAML core §5.4.1 and the schema: ds:Signature follows the Issuer of the element it signs.
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `//*[local-name(.)='${element}']/*[local-name(.)='Issuer']`, action: 'after' },
  })
  return sig.getSignedXml()
}
