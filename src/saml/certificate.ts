/**
 * IdP and SP certificates: PEM or bare base64 in, a parsed X509Certificate with its public
 * KeyObject out (parsed once, kept), RSA keys under 2048 bits refused.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto'

export interface Certificate {
  /** Normalized PEM. */
  readonly pem: string
  /** Base64 DER, as metadata carries it. */
  readonly base64: string
  readonly publicKey: KeyObject
  /** SHA-256 of the DER, colon-separated hex: what owners compare with their IdP's screen. */
  readonly fingerprint: string
  readonly subject: string
  readonly notBefore: Date
  readonly notAfter: Date
  readonly keyType: string
  readonly keyBits: number | undefined
}

export class CertificateError extends Error {
  override name = 'CertificateError'
  constructor(
    readonly code: 'certificate_unreadable' | 'certificate_key_too_small' | 'certificate_key_unsupported',
    message: string,
  ) {
    super(message)
  }
}

export const MIN_RSA_BITS = 2048

/** Accepts a PEM certificate or its bare base64 (as IdP consoles and metadata show it). */
export function parseCertificate(input: string, options: { minRsaBits?: number } = {}): Certificate {
  const base64 = input
    .replace(/-----BEGIN CERTIFICATE-----/g, '')
    .replace(/-----END CERTIFICATE-----/g, '')
    .replace(/\s+/g, '')
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new CertificateError('certificate_unreadable', 'The certificate is not PEM or base64.')
  }
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(Buffer.from(base64, 'base64'))
  } catch {
    throw new CertificateError('certificate_unreadable', 'The certificate could not be read as X.509.')
  }
  const publicKey = x509.publicKey
  const details = publicKey.asymmetricKeyDetails
  const keyType = publicKey.asymmetricKeyType ?? 'unknown'
  if (keyType !== 'rsa' && keyType !== 'rsa-pss') {
    throw new CertificateError('certificate_key_unsupported', `The certificate has a ${keyType} key; SAML signatures here must be RSA.`)
  }
  const minBits = options.minRsaBits ?? MIN_RSA_BITS
  if ((details?.modulusLength ?? 0) < minBits) {
    throw new CertificateError('certificate_key_too_small', `The certificate's RSA key has ${details?.modulusLength} bits; at least ${minBits} are required.`)
  }
  const der = x509.raw
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${der
      .toString('base64')
      .match(/.{1,64}/g)!
      .join('\n')}\n-----END CERTIFICATE-----\n`,
    base64: der.toString('base64'),
    publicKey,
    fingerprint: createHash('sha256').update(der).digest('hex').toUpperCase().match(/.{2}/g)!.join(':'),
    subject: x509.subject.replace(/\n/g, ', '),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    keyType,
    keyBits: details?.modulusLength,
  }
}

const cache = new Map<string, Certificate>()

/** parseCertificate, remembered: the ACS verifies with KeyObjects built once per certificate. */
export function cachedCertificate(input: string): Certificate {
  let cert = cache.get(input)
  if (cert === undefined) {
    cert = parseCertificate(input)
    if (cache.size > 10_000) cache.clear()
    cache.set(input, cert)
  }
  return cert
}
