/**
 * validateSamlResponse: a base64 SAMLResponse from the ACS in, a verified assertion or the first
 * failed check out (DESIGN §4). Order: refuse unread what must never reach a parser (size, encoding,
 * DTD); insist on exactly one Response and one Assertion with signatures only where SAML puts them;
 * verify every signature present with the connection's certificates only; then read only the
 * verified elements and run the protocol checks in the order the spec processes a response.
 * InResponseTo and replay need storage: core runs them next with the same failure union.
 *
 * @example
 * const result = await validateSamlResponse(body.SAMLResponse, { sp, idp, now: clock.now() })
 * if (!result.ok) return refuse(result.failure)
 */
import type { KeyObject } from 'node:crypto'
import type { Element } from '@xmldom/xmldom'
import { checkAudience, checkBearer, checkConditionTimes, MAX_CLOCK_SKEW_MS } from './check-conditions.js'
import { checkDestination, checkIssuer, checkStatus } from './check-response.js'
import { checkSchema } from './check-schema.js'
import type { Certificate } from './certificate.js'
import { decryptAssertion } from './decrypt-assertion.js'
import type { SamlFailure } from './failure.js'
import { readAssertion, type VerifiedAssertion } from './read-assertion.js'
import { verifyEnvelopedSignature, type VerifiedSignature } from './verify-signature.js'
import { attribute, childElements, descendants, isElement, NS, parseXml, XmlError } from './xml.js'

/** A SAMLResponse (base64) over 1 MiB is refused unread. */
export const MAX_RESPONSE_BYTES = 1024 * 1024

export interface ResponseValidationSettings {
  readonly sp: {
    readonly entityId: string
    readonly acsUrl: string
    /** Private keys (KeyObjects, or PEM), newest first; tried in turn for encrypted assertions. */
    readonly decryptionKeys: readonly (string | KeyObject)[]
  }
  readonly idp: {
    readonly entityId: string
    /** Only these verify signatures: never a certificate carried in the response. */
    readonly certificates: readonly Certificate[]
    /** True only when the connection's signatureAlgorithm is explicitly rsa-sha1. */
    readonly allowSha1: boolean
  }
  readonly requireEncryptedAssertion: boolean
  /** Bounded by MAX_CLOCK_SKEW_MS whatever is asked. Default 3 minutes. */
  readonly clockSkewMs?: number
  readonly now: Date
}

/** `xml` is the decoded response; `decryptedAssertionXml` the plaintext of an EncryptedAssertion, once decrypted (for the owner's test page only). */
export type ValidationResult =
  | { readonly ok: true; readonly assertion: VerifiedAssertion; readonly xml: string; readonly decryptedAssertionXml?: string }
  | { readonly ok: false; readonly failure: SamlFailure; readonly xml?: string; readonly decryptedAssertionXml?: string }

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export async function validateSamlResponse(samlResponse: string, settings: ResponseValidationSettings): Promise<ValidationResult> {
  if (samlResponse.length > Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) + 4096) {
    return { ok: false, failure: { code: 'response_too_large', bytes: Math.floor((samlResponse.length * 3) / 4), limit: MAX_RESPONSE_BYTES } }
  }
  const compact = samlResponse.replace(/[\r\n\t ]+/g, '')
  // Node's decoder skips what is not base64, so the text is checked too. Decoded bytes that encode
  // back to the very same text prove it is base64 (Node always pads) in a third of the time of the
  // expression, which is asked only when they do not (unusual but valid: non-zero unused bits).
  const bytes = Buffer.from(compact, 'base64')
  if (compact.length === 0 || (bytes.toString('base64') !== compact && !(BASE64.test(compact) && compact.length % 4 === 0))) {
    return { ok: false, failure: { code: 'response_not_base64' } }
  }
  const unverifiedXml = bytes.toString('utf8')
  let decryptedAssertionXml: string | undefined
  const failure = (f: SamlFailure): ValidationResult => ({
    ok: false,
    failure: f,
    xml: unverifiedXml,
    ...(decryptedAssertionXml === undefined ? {} : { decryptedAssertionXml }),
  })
  if (Buffer.byteLength(unverifiedXml) > MAX_RESPONSE_BYTES)
    return failure({ code: 'response_too_large', bytes: Buffer.byteLength(unverifiedXml), limit: MAX_RESPONSE_BYTES })

  let unverifiedResponse: Element
  try {
    unverifiedResponse = parseXml(unverifiedXml, MAX_RESPONSE_BYTES).documentElement!
  } catch (error) {
    return failure(xmlFailure(error))
  }
  const structure = checkResponseStructure(unverifiedResponse) ?? checkSchema(unverifiedResponse)
  if (structure !== null) return failure(structure)

  const keys = settings.idp.certificates.map((c) => c.publicKey)
  const sigOptions = { allowSha1: settings.idp.allowSha1 }
  const verified: VerifiedSignature[] = []

  // Every signature present must verify; a broken one is never ignored because another holds.
  const responseSignature = childElements(unverifiedResponse, NS.ds, 'Signature')[0]
  if (responseSignature !== undefined) {
    const result = verifyEnvelopedSignature(unverifiedResponse, responseSignature, keys, sigOptions)
    if ('code' in result) return failure(signatureFailure(result, 'response'))
    verified.push(result)
  }
  const responseSigned = responseSignature !== undefined

  let assertion = childElements(unverifiedResponse, NS.assertion, 'Assertion')[0]
  const encrypted = childElements(unverifiedResponse, NS.assertion, 'EncryptedAssertion')[0]
  let contentEncryption: string | undefined
  if (encrypted !== undefined) {
    // No decryption oracle (Jager–Somorovsky on CBC): from here until the assertion's signature is
    // checked, every failure — no key fits, bad padding, a plaintext that is not XML, a wrong
    // structure inside — is the same decryption_failed, so the same status and page; only the
    // owner's test page and the audit log see the detail.
    const decrypted = await decryptAndParse(encrypted, settings.sp.decryptionKeys)
    if (decrypted.plaintext !== undefined) decryptedAssertionXml = decrypted.plaintext
    if ('failure' in decrypted) return failure(decrypted.failure)
    assertion = decrypted.assertion
    contentEncryption = decrypted.contentEncryption
  } else if (settings.requireEncryptedAssertion) {
    return failure({ code: 'assertion_not_encrypted' })
  }
  if (assertion === undefined) return failure({ code: 'assertion_count', count: 0 })

  const assertionSignature = childElements(assertion, NS.ds, 'Signature')[0]
  if (assertionSignature !== undefined) {
    const result = verifyEnvelopedSignature(assertion, assertionSignature, keys, sigOptions)
    if ('code' in result) return failure(signatureFailure(result, 'assertion'))
    verified.push(result)
  }
  if (verified.length === 0) return failure({ code: 'signature_missing' })

  // From here on, only verified elements are read: the Response (if signed, else only its
  // envelope fields, each also cross-checked) and the Assertion, which is signed itself or sits
  // in the signed Response as its one Assertion child.
  const response = unverifiedResponse
  const skew = Math.min(Math.max(settings.clockSkewMs ?? 3 * 60_000, 0), MAX_CLOCK_SKEW_MS)
  const context = { ...settings, skewMs: skew, responseSigned }
  const checks = [
    () => checkStatus(response),
    () => checkIssuer(response, assertion, settings.idp.entityId),
    () => checkDestination(response, settings.sp.acsUrl, responseSigned),
    () => checkBearer(assertion, response, context),
    () => checkConditionTimes(assertion, context),
    () => checkAudience(assertion, settings.sp.entityId),
  ]
  for (const check of checks) {
    const problem = check()
    if (problem !== null) return failure(problem)
  }
  const read = readAssertion(response, assertion, {
    now: settings.now,
    responseSigned,
    assertionSigned: assertionSignature !== undefined,
    encrypted: encrypted !== undefined,
    usesSha1: verified.some((v) => v.usesSha1),
    signatureAlgorithm: verified[0]!.signatureAlgorithm,
    skewMs: skew,
  })
  if ('code' in read) return failure(read)
  const weak = contentEncryption === undefined ? undefined : WEAK_CONTENT_ENCRYPTION.get(contentEncryption)
  const verifiedAssertion = weak === undefined ? read : { ...read, warnings: [...read.warnings, weak] }
  return { ok: true, assertion: verifiedAssertion, xml: unverifiedXml, ...(decryptedAssertionXml === undefined ? {} : { decryptedAssertionXml }) }
}

function xmlFailure(error: unknown): SamlFailure {
  if (error instanceof XmlError) {
    if (error.code === 'xml_dtd_forbidden') return { code: 'xml_dtd_forbidden' }
    if (error.code === 'xml_too_large') return { code: 'response_too_large', bytes: 0, limit: MAX_RESPONSE_BYTES }
    return { code: 'xml_malformed', detail: error.message }
  }
  return { code: 'xml_malformed', detail: 'unreadable XML' }
}

function signatureFailure(problem: { code: string; detail?: string; algorithm?: string }, on: 'response' | 'assertion'): SamlFailure {
  if (problem.code === 'signature_algorithm_forbidden') return { code: 'signature_algorithm_forbidden', algorithm: problem.algorithm ?? '' }
  if (problem.code === 'signature_reference_invalid') return { code: 'signature_reference_invalid', on, detail: problem.detail ?? '' }
  return { code: 'signature_invalid', on, detail: problem.detail ?? '' }
}

/**
 * XSW defence before any signature is checked: one Response (the root), one Assertion or
 * EncryptedAssertion (its direct child), and signatures only as direct children of those two.
 */
function checkResponseStructure(root: Element): SamlFailure | null {
  if (root.localName !== 'Response' || root.namespaceURI !== NS.protocol) {
    return { code: 'not_a_response', root: `${root.namespaceURI ?? ''} ${root.localName ?? ''}`.trim() }
  }
  const responses = descendants(root, NS.protocol, 'Response')
  if (responses.length !== 1) return { code: 'response_count', count: responses.length }
  const version = attribute(root, 'Version') ?? ''
  if (version !== '2.0') return { code: 'version_invalid', version }
  const assertions = [...descendants(root, NS.assertion, 'Assertion'), ...descendants(root, NS.assertion, 'EncryptedAssertion')]
  if (assertions.length !== 1 || assertions[0]!.parentNode !== root) return { code: 'assertion_count', count: assertions.length }
  const assertion = assertions[0]!
  const signatures = descendants(root, NS.ds, 'Signature')
  for (const signature of signatures) {
    if (signature.parentNode !== root && signature.parentNode !== assertion) {
      return {
        code: 'signature_misplaced',
        detail: `a Signature sits inside ${(signature.parentNode as Element | null)?.localName ?? 'nothing'}, not directly in the Response or Assertion`,
      }
    }
  }
  if (childElements(root, NS.ds, 'Signature').length > 1 || childElements(assertion, NS.ds, 'Signature').length > 1) {
    return { code: 'signature_misplaced', detail: 'more than one Signature on one element' }
  }
  return null
}

const GCM_ADVICE = "Switch the IdP's assertion encryption to AES-GCM (aes128-gcm or aes256-gcm) where it offers it."
/** CBC content encryption is accepted (ADFS and Okta default to it) but warned about on the test page. */
const WEAK_CONTENT_ENCRYPTION: ReadonlyMap<string, string> = new Map([
  ['http://www.w3.org/2001/04/xmlenc#aes128-cbc', `The IdP encrypts the assertion with AES-CBC, which has no integrity protection. ${GCM_ADVICE}`],
  ['http://www.w3.org/2001/04/xmlenc#aes192-cbc', `The IdP encrypts the assertion with AES-CBC, which has no integrity protection. ${GCM_ADVICE}`],
  ['http://www.w3.org/2001/04/xmlenc#aes256-cbc', `The IdP encrypts the assertion with AES-CBC, which has no integrity protection. ${GCM_ADVICE}`],
  [
    'http://www.w3.org/2001/04/xmlenc#tripledes-cbc',
    `The IdP encrypts the assertion with 3DES-CBC, which is obsolete and has no integrity protection. ${GCM_ADVICE}`,
  ],
])

type Decrypted =
  | { readonly assertion: Element; readonly plaintext: string; readonly contentEncryption: string | undefined }
  | { readonly failure: SamlFailure; readonly plaintext?: string }

/** Decrypts, parses and checks the structure of an EncryptedAssertion; any failure is decryption_failed. */
async function decryptAndParse(encrypted: Element, keys: readonly (string | KeyObject)[]): Promise<Decrypted> {
  const failed = (detail: string, plaintext?: string): Decrypted => ({
    failure: { code: 'decryption_failed', detail },
    ...(plaintext === undefined ? {} : { plaintext }),
  })
  let plaintext: string
  try {
    plaintext = await decryptAssertion(encrypted, keys)
  } catch (error) {
    return failed(error instanceof Error ? error.message : 'unreadable ciphertext')
  }
  let assertion: Element
  try {
    assertion = parseXml(plaintext, MAX_RESPONSE_BYTES).documentElement!
  } catch (error) {
    return failed(`the plaintext is not an XML assertion: ${error instanceof Error ? error.message : 'unreadable'}`, plaintext)
  }
  const inner = checkDecryptedStructure(assertion) ?? checkSchema(assertion)
  if (inner !== null) return failed(`the plaintext is not one well-formed Assertion: ${describeFailure(inner)}`, plaintext)
  return { assertion, plaintext, contentEncryption: contentEncryptionOf(encrypted) }
}

function describeFailure(f: SamlFailure): string {
  return 'detail' in f ? `${f.code} (${f.detail})` : f.code
}

/** The EncryptedData's own EncryptionMethod (the content cipher), not the key transport's. */
function contentEncryptionOf(encrypted: Element): string | undefined {
  for (const data of childElements(encrypted, NS.xenc, 'EncryptedData')) {
    const method = childElements(data, NS.xenc, 'EncryptionMethod')[0]
    if (method !== undefined) return attribute(method, 'Algorithm')
  }
  return undefined
}

function checkDecryptedStructure(assertion: Element): SamlFailure | null {
  if (assertion.localName !== 'Assertion' || assertion.namespaceURI !== NS.assertion) return { code: 'assertion_count', count: 0 }
  if (descendants(assertion, NS.assertion, 'Assertion').length !== 1 || descendants(assertion, NS.protocol, 'Response').length !== 0) {
    return { code: 'assertion_count', count: descendants(assertion, NS.assertion, 'Assertion').length }
  }
  for (const signature of descendants(assertion, NS.ds, 'Signature')) {
    if (signature.parentNode !== assertion) return { code: 'signature_misplaced', detail: 'a Signature inside the decrypted assertion is not its direct child' }
  }
  if (childElements(assertion, NS.ds, 'Signature').length > 1) return { code: 'signature_misplaced', detail: 'more than one Signature on the assertion' }
  return null
}

export { isElement }
