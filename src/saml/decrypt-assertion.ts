/**
 * <EncryptedAssertion> → the plaintext <Assertion> XML, with xml-encryption. Key transport must be
 * RSA-OAEP (RSA 1.5 is refused: it is a decryption oracle); content AES-GCM, AES-CBC, or 3DES-CBC
 * for legacy IdPs. Every SP decryption key is tried, so a key rollover does not break sign-in.
 */
import type { Element } from '@xmldom/xmldom'
import { decrypt } from 'xml-encryption'
import { descendants, NS } from './xml.js'

const KEY_TRANSPORT = new Set(['http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p', 'http://www.w3.org/2009/xmlenc11#rsa-oaep'])

export class DecryptionError extends Error {
  override name = 'DecryptionError'
}

export async function decryptAssertion(encryptedAssertion: Element, privateKeysPem: readonly string[]): Promise<string> {
  const methods = descendants(encryptedAssertion, NS.xenc, 'EncryptedKey')
    .flatMap((key) => descendants(key, NS.xenc, 'EncryptionMethod').slice(0, 1))
  if (methods.length === 0) throw new DecryptionError('no EncryptedKey found')
  for (const method of methods) {
    const algorithm = method.getAttribute('Algorithm') ?? ''
    if (!KEY_TRANSPORT.has(algorithm)) throw new DecryptionError(`key transport ${algorithm} is not allowed; use RSA-OAEP`)
  }
  if (privateKeysPem.length === 0) throw new DecryptionError('this SP has no decryption key')
  let lastError = 'no key could decrypt the assertion'
  for (const key of privateKeysPem) {
    try {
      return await new Promise<string>((resolve, reject) => {
        decrypt(encryptedAssertion as never, { key, disallowDecryptionWithInsecureAlgorithm: false, warnInsecureAlgorithm: false }, (error, result) => {
          if (error) reject(error)
          else resolve(String(result))
        })
      })
    } catch (error) {
      lastError = (error as Error).message
    }
  }
  throw new DecryptionError(lastError)
}
