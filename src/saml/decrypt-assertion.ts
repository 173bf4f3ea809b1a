/**
 * <EncryptedAssertion> → the plaintext <Assertion> XML, with xml-encryption. Key transport must be
 * RSA-OAEP (RSA 1.5 is refused: it is a decryption oracle); content AES-GCM, AES-CBC, or 3DES-CBC
 * for legacy IdPs. Every SP decryption key is tried, so a key rollover does not break sign-in.
 */
import type { KeyObject } from 'node:crypto'
import type { Element } from '@xmldom/xmldom'
import { decrypt, type DecryptOptions } from 'xml-encryption'
import { isElement } from './xml.js'

/**
 * xml-encryption's `decrypt` as lib/xmlenc.js implements it: it takes a parsed element as well as a
 * string (a string it would parse again), and hands `key` to node:crypto's privateDecrypt, which takes
 * a KeyObject as it is. @types/xml-encryption declares strings only. The element is one of the
 * installed xmldom's (package.json `overrides`), the DOM xml-encryption itself parses into.
 */
const decryptElement = decrypt as unknown as (
  encrypted: Element,
  options: Omit<DecryptOptions, 'key'> & { key: string | KeyObject },
  callback: (error: Error | null, result: string) => void,
) => void

const KEY_TRANSPORT = new Set(['http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p', 'http://www.w3.org/2009/xmlenc11#rsa-oaep'])

export class DecryptionError extends Error {
  override name = 'DecryptionError'
}

/** `privateKeys` as PEM or, better, KeyObjects parsed once (a PEM is parsed again on every call). */
export async function decryptAssertion(encryptedAssertion: Element, privateKeys: readonly (string | KeyObject)[]): Promise<string> {
  // xml-encryption finds the EncryptedKey and its EncryptionMethod by local name, in any namespace,
  // so every EncryptionMethod that is not an EncryptedData's content method is checked: a decoy
  // OAEP method (nested first, or in the XML-Enc namespace beside a foreign-namespace one) must
  // not hide an RSA 1.5 key that the library would then unwrap.
  const keys = elementsNamed(encryptedAssertion, 'EncryptedKey')
  const methods = elementsNamed(encryptedAssertion, 'EncryptionMethod').filter((m) => (m.parentNode as Element | null)?.localName !== 'EncryptedData')
  if (keys.length === 0 || methods.length === 0) throw new DecryptionError('no EncryptedKey found')
  for (const method of methods) {
    const algorithm = method.getAttribute('Algorithm') ?? ''
    if (!KEY_TRANSPORT.has(algorithm)) throw new DecryptionError(`key transport ${algorithm} is not allowed; use RSA-OAEP`)
  }
  if (privateKeys.length === 0) throw new DecryptionError('this SP has no decryption key')
  let lastError = 'no key could decrypt the assertion'
  for (const key of privateKeys) {
    try {
      return await new Promise<string>((resolve, reject) => {
        decryptElement(encryptedAssertion, { key, disallowDecryptionWithInsecureAlgorithm: false, warnInsecureAlgorithm: false }, (error, result) => {
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

/** Every element below `root` with this local name, whatever its namespace. */
function elementsNamed(root: Element, localName: string): Element[] {
  const found: Element[] = []
  const walk = (el: Element) => {
    if (el.localName === localName) found.push(el)
    for (let node = el.firstChild; node !== null; node = node.nextSibling) if (isElement(node)) walk(node)
  }
  walk(root)
  return found
}
