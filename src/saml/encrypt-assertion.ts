/**
 * EncryptedAssertion out (SAML core §2.3.4, XML Encryption 1.1), made with xml-encryption: the
 * (already signed) Assertion is encrypted for the SP's certificate, RSA-OAEP key transport and
 * AES-256-GCM content by default.
 *
 * @example
 * const xml = await encryptAssertion(signedResponseXml, spCertificatePem)
 */
import { encrypt, type EncryptionAlgorithm } from 'xml-encryption'

export interface EncryptOptions {
  readonly content?: 'aes256-gcm' | 'aes128-gcm' | 'aes128-cbc' | 'aes256-cbc'
  readonly keyTransport?: 'rsa-oaep-mgf1p' | 'rsa-1_5'
  /** The namespace prefix the Assertion is written with (our builders use `saml2`). */
  readonly prefix?: string
}

const CONTENT_ALGORITHMS: Record<NonNullable<EncryptOptions['content']>, EncryptionAlgorithm> = {
  'aes256-gcm': 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'aes128-gcm': 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'aes128-cbc': 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'aes256-cbc': 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
}

/** Replaces the first `<prefix:Assertion>…</prefix:Assertion>` of `xml` with an EncryptedAssertion for `spCertificatePem`. */
export async function encryptAssertion(xml: string, spCertificatePem: string, options: EncryptOptions = {}): Promise<string> {
  const prefix = options.prefix ?? 'saml2'
  const open = `<${prefix}:Assertion`
  const close = `</${prefix}:Assertion>`
  const start = xml.indexOf(open)
  const closeAt = xml.indexOf(close, start)
  if (start === -1 || closeAt === -1) throw new Error(`encryptAssertion: no ${prefix}:Assertion element`)
  const end = closeAt + close.length
  const assertion = xml.slice(start, end)
  const content = options.content ?? 'aes256-gcm'
  const encryptionAlgorithm = CONTENT_ALGORITHMS[content]
  const encrypted = await new Promise<string>((resolve, reject) => {
    encrypt(
      assertion,
      {
        rsa_pub: spCertificatePem,
        pem: spCertificatePem,
        encryptionAlgorithm,
        keyEncryptionAlgorithm: `http://www.w3.org/2001/04/xmlenc#${options.keyTransport ?? 'rsa-oaep-mgf1p'}`,
        // Legacy choices stay possible for tests of old IdPs; the defaults above are the modern ones.
        disallowEncryptionWithInsecureAlgorithm: false,
        warnInsecureAlgorithm: false,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
  return `${xml.slice(0, start)}<${prefix}:EncryptedAssertion xmlns:${prefix}="urn:oasis:names:tc:SAML:2.0:assertion">${encrypted}</${prefix}:EncryptedAssertion>${xml.slice(end)}`
}
