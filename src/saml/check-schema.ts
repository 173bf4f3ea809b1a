/**
 * Schema-strict structure (SAML core schema, saml-schema-protocol-2.0 / saml-schema-assertion-2.0):
 * the Response, the Assertion and the elements we read from them may hold only the children the
 * schema allows, in its order, however they are named or namespaced. A reader that looks for "the
 * first Assertion" or "the NameID" by local name can otherwise be handed a decoy — an `Assertion` in
 * a foreign namespace placed before the signed one, a second `Subject`, text beside the elements —
 * so anything the schema does not allow is refused before any value is read.
 *
 * Content the schema leaves open (`Extensions`, `Advice`, `SubjectConfirmationData`, `StatusDetail`,
 * `AuthnContext`, `Condition`) is not walked: nothing is read from it (and an Assertion hidden in
 * it still fails the one-Assertion rule, which counts descendants).
 *
 * @example
 * const problem = checkSchema(response) // SamlFailure | null
 */
import type { Element } from '@xmldom/xmldom'
import type { SamlFailure } from './failure.js'
import { NS } from './xml.js'

const ELEMENT_NODE = 1
const TEXT_NODE = 3
const CDATA_SECTION_NODE = 4
const PROCESSING_INSTRUCTION_NODE = 7

/** One place in a sequence: any of these names, between min and max times. */
interface Particle {
  readonly names: readonly string[]
  readonly min: number
  readonly max: number
}

const UNBOUNDED = Number.POSITIVE_INFINITY
const p = (names: string | readonly string[], min: number, max: number): Particle => ({ names: typeof names === 'string' ? [names] : names, min, max })
const saml = (local: string) => `${NS.assertion} ${local}`
const samlp = (local: string) => `${NS.protocol} ${local}`
const ds = (local: string) => `${NS.ds} ${local}`

/** Element (namespace + local name) → its content model. Elements not listed are not walked. */
const MODELS: ReadonlyMap<string, readonly Particle[]> = new Map<string, readonly Particle[]>([
  // StatusResponseType, then the Response's choice of assertions (how many is checked elsewhere).
  [
    samlp('Response'),
    [
      p(saml('Issuer'), 0, 1),
      p(ds('Signature'), 0, 1),
      p(samlp('Extensions'), 0, 1),
      p(samlp('Status'), 1, 1),
      p([saml('Assertion'), saml('EncryptedAssertion')], 0, UNBOUNDED),
    ],
  ],
  // Single logout (SAML core §3.7): LogoutRequest (RequestAbstractType, then the identifier and its
  // sessions) and LogoutResponse (StatusResponseType alone).
  [
    samlp('LogoutRequest'),
    [
      p(saml('Issuer'), 0, 1),
      p(ds('Signature'), 0, 1),
      p(samlp('Extensions'), 0, 1),
      p([saml('BaseID'), saml('NameID'), saml('EncryptedID')], 1, 1),
      p(samlp('SessionIndex'), 0, UNBOUNDED),
    ],
  ],
  [samlp('SessionIndex'), []],
  [samlp('LogoutResponse'), [p(saml('Issuer'), 0, 1), p(ds('Signature'), 0, 1), p(samlp('Extensions'), 0, 1), p(samlp('Status'), 1, 1)]],
  [samlp('Status'), [p(samlp('StatusCode'), 1, 1), p(samlp('StatusMessage'), 0, 1), p(samlp('StatusDetail'), 0, 1)]],
  [samlp('StatusCode'), [p(samlp('StatusCode'), 0, 1)]],
  [samlp('StatusMessage'), []],
  [saml('Issuer'), []],
  // AssertionType.
  [
    saml('Assertion'),
    [
      p(saml('Issuer'), 1, 1),
      p(ds('Signature'), 0, 1),
      p(saml('Subject'), 0, 1),
      p(saml('Conditions'), 0, 1),
      p(saml('Advice'), 0, 1),
      p([saml('Statement'), saml('AuthnStatement'), saml('AuthzDecisionStatement'), saml('AttributeStatement')], 0, UNBOUNDED),
    ],
  ],
  // SubjectType: an identifier then confirmations, or confirmations alone (at least one thing).
  [saml('Subject'), [p([saml('BaseID'), saml('NameID'), saml('EncryptedID')], 0, 1), p(saml('SubjectConfirmation'), 0, UNBOUNDED)]],
  [saml('NameID'), []],
  [saml('SubjectConfirmation'), [p([saml('BaseID'), saml('NameID'), saml('EncryptedID')], 0, 1), p(saml('SubjectConfirmationData'), 0, 1)]],
  [saml('Conditions'), [p([saml('Condition'), saml('AudienceRestriction'), saml('OneTimeUse'), saml('ProxyRestriction')], 0, UNBOUNDED)]],
  [saml('AudienceRestriction'), [p(saml('Audience'), 1, UNBOUNDED)]],
  [saml('Audience'), []],
  [saml('AuthnStatement'), [p(saml('SubjectLocality'), 0, 1), p(saml('AuthnContext'), 1, 1)]],
  [saml('AttributeStatement'), [p([saml('Attribute'), saml('EncryptedAttribute')], 1, UNBOUNDED)]],
  [saml('Attribute'), [p(saml('AttributeValue'), 0, UNBOUNDED)]],
])

/** Elements whose content is a value: read by xml.ts readValue, which refuses markup itself. */
const VALUES = new Set([samlp('StatusMessage'), saml('Issuer'), saml('NameID'), saml('Audience'), samlp('SessionIndex')])

/** Checks `root` (a Response, a decrypted Assertion, a LogoutRequest or LogoutResponse) and every element below it that has a model. */
export function checkSchema(root: Element): SamlFailure | null {
  return checkElement(root, `${root.localName ?? ''}`)
}

function checkElement(el: Element, path: string): SamlFailure | null {
  const key = `${el.namespaceURI ?? ''} ${el.localName ?? ''}`
  const model = MODELS.get(key)
  if (model === undefined || VALUES.has(key)) return null
  const children: Element[] = []
  for (let node = el.firstChild; node !== null; node = node.nextSibling) {
    const type = node.nodeType
    if (type === ELEMENT_NODE) children.push(node as unknown as Element)
    else if ((type === TEXT_NODE || type === CDATA_SECTION_NODE) && (node as unknown as { data: string }).data.trim() !== '') {
      return violation(path, 'holds text beside its elements')
    } else if (type === PROCESSING_INSTRUCTION_NODE) {
      // xml-crypto's c14n renders an instruction's data as text: it has no place in a signed message.
      return violation(path, 'holds a processing instruction')
    }
  }
  let next = 0
  for (const particle of model) {
    let count = 0
    while (next < children.length && count < particle.max && particle.names.includes(nameOf(children[next]!))) {
      count++
      next++
    }
    if (count < particle.min) {
      const found = next < children.length ? `found ${describe(children[next]!)}` : 'found nothing'
      return violation(path, `needs ${particle.names.map(localOf).join(' or ')} here, ${found}`)
    }
  }
  if (next < children.length) return violation(path, `may not hold ${describe(children[next]!)} there`)
  if (key === saml('Subject') && children.length === 0) return violation(path, 'is empty')
  for (const child of children) {
    const problem = checkElement(child, `${path}/${child.localName ?? ''}`)
    if (problem !== null) return problem
  }
  return null
}

function nameOf(el: Element): string {
  return `${el.namespaceURI ?? ''} ${el.localName ?? ''}`
}

function localOf(name: string): string {
  return name.slice(name.lastIndexOf(' ') + 1)
}

function describe(el: Element): string {
  const ns = el.namespaceURI ?? ''
  const known = ns === NS.assertion || ns === NS.protocol || ns === NS.ds
  return known ? `<${el.localName ?? ''}>` : `<${el.localName ?? ''}> in namespace "${ns.slice(0, 100)}"`
}

function violation(element: string, detail: string): SamlFailure {
  return { code: 'schema_invalid', element, detail }
}
