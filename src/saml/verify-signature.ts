/**
 * XML signature verification for the one shape SAML uses (SAML core §5.4): an enveloped
 * <ds:Signature> that is a direct child of the element it signs, with exactly one <Reference>
 * whose URI is "#" + that element's ID. Canonicalization comes from xml-crypto, digests and RSA
 * from node:crypto, keys only from the connection's configuration — never from <KeyInfo>.
 *
 * Because the caller passes the element it will read, and we check the Reference points at that
 * very element (and that its ID is unique in the document), what is read is what was signed.
 */
import { createHash, verify as verifySignatureValue, type KeyObject } from 'node:crypto'
import type { Document, Element } from '@xmldom/xmldom'
import { ancestorNamespaces, exclusiveC14n, inclusiveC14n } from './c14n.js'
import { attribute, childElements, isElement, NS, plainText } from './xml.js'

export type SignatureProblem =
  | { code: 'signature_invalid'; detail: string }
  | { code: 'signature_reference_invalid'; detail: string }
  | { code: 'signature_algorithm_forbidden'; algorithm: string }

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'

// Maps, looked up by the unsigned document's Algorithm: on a plain {} `Algorithm="constructor"`
// found Object and reached createHash(undefined), a 500 before any key was needed.
const SIGNATURE_ALGORITHMS = new Map<string, { hash: string; sha1: boolean }>([
  ['http://www.w3.org/2000/09/xmldsig#rsa-sha1', { hash: 'sha1', sha1: true }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', { hash: 'sha256', sha1: false }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha384', { hash: 'sha384', sha1: false }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', { hash: 'sha512', sha1: false }],
])

const DIGEST_ALGORITHMS = new Map<string, { hash: string; sha1: boolean }>([
  ['http://www.w3.org/2000/09/xmldsig#sha1', { hash: 'sha1', sha1: true }],
  ['http://www.w3.org/2001/04/xmlenc#sha256', { hash: 'sha256', sha1: false }],
  ['http://www.w3.org/2001/04/xmldsig-more#sha384', { hash: 'sha384', sha1: false }],
  ['http://www.w3.org/2001/04/xmlenc#sha512', { hash: 'sha512', sha1: false }],
])

export interface VerifiedSignature {
  readonly signatureAlgorithm: string
  readonly digestAlgorithm: string
  readonly usesSha1: boolean
}

/** The element's ID must appear once in the whole document, or a wrapped copy could be referenced. */
export function isIdUnique(document: Document, id: string): boolean {
  let count = 0
  const walk = (el: Element): boolean => {
    for (const name of ['ID', 'Id', 'id', 'AssertionID']) {
      if (el.getAttribute(name) === id && ++count > 1) return false
    }
    for (let node = el.firstChild; node !== null; node = node.nextSibling) if (isElement(node) && !walk(node)) return false
    return true
  }
  return walk(document.documentElement!) && count === 1
}

/**
 * Verifies `signature` (a direct child of `signed`) with one of `keys`.
 * Returns the algorithms used, or the problem.
 */
export function verifyEnvelopedSignature(
  signed: Element,
  signature: Element,
  keys: readonly KeyObject[],
  options: { allowSha1: boolean },
): VerifiedSignature | SignatureProblem {
  const fail = (detail: string): SignatureProblem => ({ code: 'signature_invalid', detail })
  const signedInfos = childElements(signature, NS.ds, 'SignedInfo')
  const values = childElements(signature, NS.ds, 'SignatureValue')
  if (signedInfos.length !== 1 || values.length !== 1) return fail('a Signature needs exactly one SignedInfo and one SignatureValue')
  const signedInfo = signedInfos[0]!

  const c14nMethods = childElements(signedInfo, NS.ds, 'CanonicalizationMethod')
  const signatureMethods = childElements(signedInfo, NS.ds, 'SignatureMethod')
  if (c14nMethods.length !== 1 || signatureMethods.length !== 1) return fail('SignedInfo needs one CanonicalizationMethod and one SignatureMethod')
  const c14nAlgorithm = attribute(c14nMethods[0]!, 'Algorithm') ?? ''
  if (c14nAlgorithm !== EXC_C14N && c14nAlgorithm !== C14N) return { code: 'signature_algorithm_forbidden', algorithm: c14nAlgorithm }
  const signatureAlgorithm = attribute(signatureMethods[0]!, 'Algorithm') ?? ''
  const sigAlg = SIGNATURE_ALGORITHMS.get(signatureAlgorithm)
  if (sigAlg === undefined || (sigAlg.sha1 && !options.allowSha1)) return { code: 'signature_algorithm_forbidden', algorithm: signatureAlgorithm }

  // Exactly one Reference, to the element the signature sits in.
  const references = childElements(signedInfo, NS.ds, 'Reference')
  if (references.length !== 1) return { code: 'signature_reference_invalid', detail: `expected one Reference, found ${references.length}` }
  const reference = references[0]!
  const id = attribute(signed, 'ID')
  if (id === undefined || id === '' || attribute(reference, 'URI') !== `#${id}`) {
    return { code: 'signature_reference_invalid', detail: 'the Reference does not point at the element that holds the Signature' }
  }
  if (!isIdUnique(signed.ownerDocument!, id)) return { code: 'signature_reference_invalid', detail: `the ID ${id} appears more than once` }

  const transformsEl = childElements(reference, NS.ds, 'Transforms')
  const transforms = transformsEl.length === 0 ? [] : childElements(transformsEl[0]!, NS.ds, 'Transform')
  let referenceC14n = C14N
  let prefixList: string[] = []
  for (const [index, transform] of transforms.entries()) {
    const algorithm = attribute(transform, 'Algorithm') ?? ''
    if (algorithm === ENVELOPED && index === 0) continue
    if ((algorithm === EXC_C14N || algorithm === C14N) && index === transforms.length - 1) {
      referenceC14n = algorithm
      prefixList = inclusivePrefixes(transform)
      continue
    }
    return { code: 'signature_algorithm_forbidden', algorithm: `transform ${algorithm}` }
  }
  if (transforms.length === 0 || attribute(transforms[0]!, 'Algorithm') !== ENVELOPED) {
    return { code: 'signature_reference_invalid', detail: 'an enveloped signature must list the enveloped-signature transform first' }
  }
  const digestMethods = childElements(reference, NS.ds, 'DigestMethod')
  const digestValues = childElements(reference, NS.ds, 'DigestValue')
  if (digestMethods.length !== 1 || digestValues.length !== 1) return fail('the Reference needs one DigestMethod and one DigestValue')
  const digestAlgorithm = attribute(digestMethods[0]!, 'Algorithm') ?? ''
  const digestAlg = DIGEST_ALGORITHMS.get(digestAlgorithm)
  if (digestAlg === undefined || (digestAlg.sha1 && !options.allowSha1)) return { code: 'signature_algorithm_forbidden', algorithm: digestAlgorithm }

  // Digest of the signed element without its signature (enveloped-signature transform). The
  // signature is detached for the canonicalization and put back in its place: copying the whole
  // element instead cost a third of the validation time.
  const next = signature.nextSibling
  signed.removeChild(signature)
  let canonicalSigned: string
  try {
    canonicalSigned = canonicalize(signed, signed, referenceC14n, prefixList)
  } catch (error) {
    // xml-crypto throws on a node it cannot render (e.g. an empty CDATA section or a processing
    // instruction without data): nothing that throws there was signed as it stands.
    return fail(`the signed element cannot be canonicalized: ${(error as Error).message.slice(0, 120)}`)
  } finally {
    signed.insertBefore(signature, next)
  }
  const digest = createHash(digestAlg.hash).update(canonicalSigned, 'utf8').digest('base64')
  const presentedDigest = (plainText(digestValues[0]!) ?? '').replace(/\s+/g, '')
  if (digest !== presentedDigest) return fail('the digest of the signed element does not match: it was changed after signing')

  let canonicalSignedInfo: string
  try {
    canonicalSignedInfo = canonicalize(signedInfo, signedInfo, c14nAlgorithm, inclusivePrefixes(c14nMethods[0]!))
  } catch (error) {
    return fail(`the SignedInfo cannot be canonicalized: ${(error as Error).message.slice(0, 120)}`)
  }
  const signatureValue = Buffer.from((plainText(values[0]!) ?? '').replace(/\s+/g, ''), 'base64')
  const data = Buffer.from(canonicalSignedInfo, 'utf8')
  for (const key of keys) {
    try {
      if (verifySignatureValue(sigAlg.hash, data, key, signatureValue)) {
        return { signatureAlgorithm, digestAlgorithm, usesSha1: sigAlg.sha1 || digestAlg.sha1 }
      }
    } catch {
      // A malformed signature value is simply not a match for this key.
    }
  }
  return fail("the signature does not verify with any of the connection's certificates")
}

function inclusivePrefixes(el: Element): string[] {
  const inclusive = childElements(el, 'http://www.w3.org/2001/10/xml-exc-c14n#', 'InclusiveNamespaces')[0]
  return (inclusive?.getAttribute('PrefixList') ?? '').split(/\s+/).filter((p) => p !== '')
}

/** Canonicalizes `node` (maybe a detached copy of `original`), taking namespaces in scope from `original`'s ancestors. */
function canonicalize(node: Element, original: Element, algorithm: string, prefixList: string[]): string {
  const inScope = ancestorNamespaces(original)
  if (algorithm === EXC_C14N) {
    const target = prefixList.length > 0 && node === original ? (node.cloneNode(true) as Element) : node
    return exclusiveC14n(target, inScope, prefixList)
  }
  return inclusiveC14n(node, inScope)
}
