/**
 * XML canonicalization (exclusive and inclusive c14n, without comments) from xml-crypto, over the DOM
 * we parse with. The one module that imports xml-crypto's canonicalizers.
 *
 * xml-crypto's declarations name the browser DOM (lib.dom's Node and Element), but at run time it
 * walks whatever DOM it is given (nodeType, childNodes, attributes). package.json's `overrides`
 * installs one @xmldom/xmldom for the whole tree, so the nodes it canonicalizes here are the same
 * kind it builds itself when it signs; the casts below only restate its signatures in xmldom's types.
 *
 * `findAncestorNsForElement` is not exported by xml-crypto's index (its public `findAncestorNs`
 * takes an XPath, evaluated over the whole document on every call): it is imported from
 * `xml-crypto/lib/utils.js`, here only. test/saml/c14n.test.ts fails on an xml-crypto upgrade until
 * this import has been checked again.
 */
import type { Element, Node } from '@xmldom/xmldom'
import { C14nCanonicalization, ExclusiveCanonicalization } from 'xml-crypto'
import { findAncestorNsForElement } from 'xml-crypto/lib/utils.js'

/** The xml-crypto version this module was checked against (test/saml/c14n.test.ts). */
export const XML_CRYPTO_CHECKED = '6.3.2'

export interface NamespaceBinding {
  readonly prefix: string
  readonly namespaceURI: string
}

interface Canonicalizer {
  process(node: Node, options: { inclusiveNamespacesPrefixList?: string[]; ancestorNamespaces?: NamespaceBinding[] }): string
}

const exclusive = new ExclusiveCanonicalization() as unknown as Canonicalizer
const inclusive = new C14nCanonicalization() as unknown as Canonicalizer
const ancestors = findAncestorNsForElement as unknown as (element: Element) => NamespaceBinding[]

/** The namespace bindings in scope at `element` from its ancestors that it does not declare itself. */
export function ancestorNamespaces(element: Element): NamespaceBinding[] {
  return ancestors(element)
}

/** Exclusive c14n (http://www.w3.org/2001/10/xml-exc-c14n#) of `node`. */
export function exclusiveC14n(node: Node, ancestorNamespaces: NamespaceBinding[] = [], inclusivePrefixes: string[] = []): string {
  return exclusive.process(node, { inclusiveNamespacesPrefixList: inclusivePrefixes, ancestorNamespaces })
}

/** Inclusive c14n (http://www.w3.org/TR/2001/REC-xml-c14n-20010315) of `node`. */
export function inclusiveC14n(node: Node, ancestorNamespaces: NamespaceBinding[] = []): string {
  return inclusive.process(node, { ancestorNamespaces })
}
