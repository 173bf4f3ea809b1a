/**
 * Self-signed RSA key pairs for SAML (the SP's signing/encryption keys; test IdPs): a 2048-bit RSA
 * key and an X.509 certificate over it, signed with RSA-SHA256, made with @peculiar/x509 over
 * WebCrypto. SAML trusts the key, not the certificate's dates; the dates only inform people.
 */
import 'reflect-metadata'
import { webcrypto, randomBytes, X509Certificate as NodeX509 } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as never)

export interface KeyPair {
  readonly privateKeyPem: string
  readonly certificatePem: string
}

const ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }

export async function generateKeyPair(options: { commonName: string; notBefore: Date; years: number }): Promise<KeyPair> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const notAfter = new Date(options.notBefore)
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + options.years)
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${options.commonName.replace(/[,=+<>#;"\\]/g, ' ')}`,
    notBefore: options.notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true)],
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`
  const certificatePem = new NodeX509(Buffer.from(cert.rawData)).toString()
  return { privateKeyPem, certificatePem }
}
