/** DOM helpers the mutators share: listing elements, picking targets, inserting anywhere. */
import type { Document, Element, Node } from '@xmldom/xmldom'
import { NS } from '../../../src/saml/xml.js'
import type { Rng } from './prng.js'

export const FOREIGN_NS = 'urn:example:fuzz:foreign'
export const EVIL_NAME_ID = 'mallory@evil.example.test'
export const EVIL_TEXTS: readonly string[] = [
  EVIL_NAME_ID,
  '.evil.example.test',
  'owner',
  'admins',
  'https://evil-idp.example.test/metadata',
  '_evil0001',
  '__proto__',
  'constructor',
]
/** Values a lookup in a plain object would find on Object.prototype. */
export const PROTOTYPE_NAMES: readonly string[] = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']

/** The elements an attacker most wants duplicated, wrapped or moved. */
export const INTERESTING: ReadonlySet<string> = new Set([
  'Assertion',
  'EncryptedAssertion',
  'Signature',
  'SignedInfo',
  'Reference',
  'NameID',
  'Subject',
  'Attribute',
  'AttributeValue',
  'AttributeStatement',
  'Issuer',
  'Conditions',
  'Audience',
  'AudienceRestriction',
  'SubjectConfirmation',
  'SubjectConfirmationData',
  'AuthnStatement',
  'Status',
  'StatusCode',
  'Extensions',
  'EncryptedData',
  'KeyInfo',
])
/** The elements whose text is an identity value. */
export const VALUE_ELEMENTS: ReadonlySet<string> = new Set(['NameID', 'AttributeValue', 'Issuer', 'Audience'])

export const SAML_NAMES: readonly string[] = [...INTERESTING, 'Response', 'AuthnContext', 'AuthnContextClassRef', 'Advice']
export const NAMESPACES: readonly string[] = [NS.protocol, NS.assertion, NS.ds, NS.xenc, FOREIGN_NS, 'urn:oasis:names:tc:SAML:1.0:assertion', '']

export function elements(doc: Document): Element[] {
  const found: Element[] = []
  const walk = (el: Element) => {
    found.push(el)
    for (let c = el.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1) walk(c as Element)
  }
  if (doc.documentElement !== null) walk(doc.documentElement)
  return found
}

/** A random element: mostly an interesting one (by local name), sometimes any; `filter` narrows. */
export function pickElement(
  doc: Document,
  rng: Rng,
  filter: (el: Element) => boolean = () => true,
  names: ReadonlySet<string> = INTERESTING,
): Element | undefined {
  const all = elements(doc).filter(filter)
  if (all.length === 0) return undefined
  const preferred = all.filter((el) => names.has(el.localName ?? ''))
  return preferred.length > 0 && rng.chance(0.75) ? rng.pick(preferred) : rng.pick(all)
}

export const notRoot = (el: Element) => el.parentNode !== null && el.parentNode.nodeType === 1

export function contains(ancestor: Node, node: Node | null): boolean {
  for (let n: Node | null = node; n !== null; n = n.parentNode) if (n === ancestor) return true
  return false
}

/** Inserts `node` at a random child position of a random element not inside `node`; returns where. */
export function insertAnywhere(doc: Document, rng: Rng, node: Node, exclude: Node | null = null): string | undefined {
  const parent = pickElement(doc, rng, (el) => !contains(node, el) && (exclude === null || !contains(exclude, el)))
  if (parent === undefined) return undefined
  return insertInto(parent, rng, node)
}

export function insertInto(parent: Element, rng: Rng, node: Node): string {
  const children = Array.from(parent.childNodes as unknown as ArrayLike<Node>)
  const index = rng.int(children.length + 1)
  parent.insertBefore(node, children[index] ?? null)
  return `${describe(parent)}[${index}]`
}

export function describe(el: Element): string {
  const path: string[] = []
  for (let n: Node | null = el; n !== null && n.nodeType === 1; n = n.parentNode) {
    const e = n as Element
    let i = 0
    for (let s = e.previousSibling; s !== null; s = s.previousSibling) if (s.nodeType === 1 && (s as Element).localName === e.localName) i++
    path.unshift(i === 0 ? (e.localName ?? '?') : `${e.localName}#${i}`)
  }
  return path.join('/')
}

/** A copy of `el` as a new element with another qualified name and namespace; children and attributes moved over. */
export function renamed(doc: Document, el: Element, namespace: string, qualifiedName: string): Element {
  const copy = namespace === '' ? doc.createElement(qualifiedName) : doc.createElementNS(namespace, qualifiedName)
  for (const attr of Array.from(el.attributes as unknown as ArrayLike<{ namespaceURI: string | null; name: string; value: string }>)) {
    if (attr.namespaceURI) copy.setAttributeNS(attr.namespaceURI, attr.name, attr.value)
    else copy.setAttribute(attr.name, attr.value)
  }
  while (el.firstChild !== null) copy.appendChild(el.firstChild)
  el.parentNode!.replaceChild(copy, el)
  return copy
}

export function prefixFor(namespace: string, rng: Rng): string {
  const known: Record<string, string[]> = {
    [NS.protocol]: ['saml2p', 'samlp', 'p'],
    [NS.assertion]: ['saml2', 'saml', 'a'],
    [NS.ds]: ['ds', 'dsig'],
    [NS.xenc]: ['xenc'],
  }
  return rng.pick(known[namespace] ?? ['f', 'foreign', 'saml2', 'ds'])
}

/** Every text node below `el` (or `el`'s own text children when `direct`). */
export function textNodes(root: Element): Node[] {
  const found: Node[] = []
  const walk = (n: Node) => {
    for (let c = n.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType === 3) found.push(c)
      else if (c.nodeType === 1) walk(c)
    }
  }
  walk(root)
  return found
}
