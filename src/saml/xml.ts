/**
 * Parsing untrusted XML: size-capped, no DTD (so no entities, XXE or expansion bombs), strict about
 * well-formedness, and small helpers that walk one element's direct children by namespace and name.
 */
import { createRequire } from 'node:module'
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom'

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const

/**
 * xmldom 0.9's SAX parser builds a RegExp from its grammar (a large Unicode class, `u` flag) for
 * every end tag and every `getMatch`, by calling `grammar.reg` with the same constant parts each
 * time: a large share of each parse went to compiling identical expressions (docs/PERFORMANCE.md). The grammar module's
 * `reg` is what the parser calls through its exports (its own internal uses are unaffected), so it is
 * wrapped here to build each distinct expression once. Same source, same flags (never `g` or `y`, so
 * a RegExp keeps no state between `exec` calls): the parser matches exactly as before.
 */
export function memoizeXmldomGrammar(grammar: { reg?: unknown }): boolean {
  const original = grammar.reg
  if (typeof original !== 'function' || (original as { memoized?: true }).memoized === true) return false
  const build = original as (...parts: unknown[]) => RegExp
  // A trie over the parts: strings by value, the grammar's RegExp constants by identity (cheaper
  // than a key made of their sources, some of which are kilobytes of Unicode ranges).
  interface Node {
    next: Map<unknown, Node>
    built?: RegExp
  }
  const roots = { bound: { next: new Map() } as Node, unbound: { next: new Map() } as Node }
  let nodes = 0
  const reg = function (this: unknown, ...parts: unknown[]): RegExp {
    let node = this === undefined ? roots.unbound : roots.bound
    for (const part of parts) {
      if (typeof part !== 'string' && !(part instanceof RegExp)) return build.apply(this, parts)
      let child = node.next.get(part)
      if (child === undefined) {
        if (nodes >= 1024) return build.apply(this, parts)
        child = { next: new Map() }
        node.next.set(part, child)
        nodes++
      }
      node = child
    }
    if (node.built !== undefined) return node.built
    const expression = build.apply(this, parts)
    if (!expression.global && !expression.sticky) node.built = expression
    return expression
  }
  grammar.reg = Object.assign(reg, { memoized: true as const })
  return true
}
memoizeXmldomGrammar(createRequire(import.meta.url)('@xmldom/xmldom/lib/grammar.js') as { reg?: unknown })

export class XmlError extends Error {
  override name = 'XmlError'
  /** `xml_too_complex`: more elements, depth or attributes than the caller allows (see XmlShapeLimits). */
  constructor(
    readonly code: 'xml_malformed' | 'xml_dtd_forbidden' | 'xml_too_large' | 'xml_too_complex',
    message: string,
  ) {
    super(message)
  }
}

const ELEMENT_NODE = 1
const TEXT_NODE = 3
const CDATA_SECTION_NODE = 4

/**
 * Tighter shape limits than the defaults, for a caller that knows its documents (IdP metadata);
 * exceeding one of these throws `xml_too_complex` rather than `xml_malformed`.
 */
export interface XmlShapeLimits {
  readonly maxDepth: number
  /** Attributes (namespace declarations included) in the whole document. */
  readonly maxAttributes: number
  /** Comments, processing instructions and CDATA sections: each costs the parser about what an element does. */
  readonly maxOtherMarkup: number
}

/** Parses `text` as XML; throws XmlError for a DTD, a size over `maxBytes`, or anything not well-formed. */
export function parseXml(text: string, maxBytes: number, maxElements = MAX_XML_ELEMENTS, limits?: XmlShapeLimits): Document {
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw new XmlError('xml_too_large', `The XML is larger than ${maxBytes} bytes.`)
  // No DTD, ever: entity declarations are how XXE and billion-laughs get in.
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text))
    throw new XmlError('xml_dtd_forbidden', 'The XML contains a DTD (<!DOCTYPE or <!ENTITY), which is not allowed.')
  // SAML nests about 15 deep. Thousands of levels (70 KB is enough) overflow the stack of every
  // recursive walk after parsing, and with a prefix declared per level xmldom's parse time grows
  // quadratically with it: refuse before parsing.
  // And the parse time of xmldom grows with the element count (1 MiB of empty elements: seconds), so
  // the count is capped too, far above what a real message carries (500 groups: ~1 600 elements).
  const depthLimit = limits?.maxDepth ?? MAX_XML_DEPTH
  const shape = scanShape(text, depthLimit, maxElements, limits?.maxAttributes ?? Infinity, limits?.maxOtherMarkup ?? Infinity)
  const code = limits === undefined ? 'xml_malformed' : 'xml_too_complex'
  if (shape === 'too_deep') throw new XmlError(code, `The XML nests elements more than ${depthLimit} deep.`)
  if (shape === 'too_many') throw new XmlError(code, `The XML has more than ${maxElements} elements.`)
  if (shape === 'too_many_attributes') throw new XmlError(code, `The XML has more than ${limits!.maxAttributes} attributes.`)
  if (shape === 'too_much_markup')
    throw new XmlError(code, `The XML has more than ${limits!.maxOtherMarkup} comments, processing instructions and CDATA sections.`)
  let problem: string | undefined
  let document: Document
  try {
    document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') problem ??= message
      },
    }).parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml')
  } catch (error) {
    throw new XmlError('xml_malformed', `The XML is not well-formed: ${firstLine((error as Error).message)}`)
  }
  if (problem !== undefined) throw new XmlError('xml_malformed', `The XML is not well-formed: ${firstLine(problem)}`)
  if (document.documentElement === null) throw new XmlError('xml_malformed', 'The XML has no root element.')
  return document
}

/** Far deeper than any SAML message or metadata (federation metadata included) nests. */
export const MAX_XML_DEPTH = 128
/** Far more elements than a SAML response carries; metadata passes its own, larger cap. */
export const MAX_XML_ELEMENTS = 20_000

/**
 * A linear scan of element nesting without parsing: start tags (quoted attribute values skipped,
 * "/>" closing at once) go down, end tags up; comments, CDATA and processing instructions are
 * skipped. Malformed input may be miscounted, but the parser refuses it anyway.
 */
function scanShape(
  text: string,
  limit: number,
  maxElements: number,
  maxAttributes: number,
  maxOtherMarkup: number,
): 'ok' | 'too_deep' | 'too_many' | 'too_many_attributes' | 'too_much_markup' {
  let elements = 0
  let attributes = 0
  let otherMarkup = 0
  const skipPast = (terminator: string, from: number) => {
    const end = text.indexOf(terminator, from)
    return end === -1 ? text.length : end + terminator.length
  }
  let depth = 0
  let i = text.indexOf('<')
  while (i !== -1) {
    const next = text.charCodeAt(i + 1)
    if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      if (++otherMarkup > maxOtherMarkup) return 'too_much_markup'
    }
    if (text.startsWith('<!--', i)) i = skipPast('-->', i + 4)
    else if (text.startsWith('<![CDATA[', i)) i = skipPast(']]>', i + 9)
    else if (next === 0x3f /* ? */) i = skipPast('?>', i + 2)
    else if (next === 0x21 /* ! */) i = skipPast('>', i + 2)
    else if (next === 0x2f /* / */) {
      depth--
      i = skipPast('>', i + 2)
    } else {
      let j = i + 1
      for (let quote = 0; j < text.length; j++) {
        const c = text.charCodeAt(j)
        if (quote !== 0) {
          if (c === quote) quote = 0
        } else if (c === 0x22 || c === 0x27) quote = c
        else if (c === 0x3e /* > */) break
        else if (c === 0x3d /* = */ && ++attributes > maxAttributes) return 'too_many_attributes'
      }
      if (++elements > maxElements) return 'too_many'
      if (text.charCodeAt(j - 1) !== 0x2f /* / */ && ++depth > limit) return 'too_deep'
      i = j + 1
    }
    i = text.indexOf('<', i)
  }
  return 'ok'
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 200)
}

export function isElement(node: Node | null | undefined): node is Element {
  return node != null && node.nodeType === ELEMENT_NODE
}

/** Direct child elements of `parent` with this namespace and local name. */
export function childElements(parent: Element, ns: string, localName: string): Element[] {
  const result: Element[] = []
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (isElement(node) && node.localName === localName && node.namespaceURI === ns) result.push(node)
  }
  return result
}

export function firstChild(parent: Element, ns: string, localName: string): Element | undefined {
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (isElement(node) && node.localName === localName && node.namespaceURI === ns) return node
  }
  return undefined
}

/** Every element below `root` (and `root`) with this namespace and local name, in document order. */
export function descendants(root: Element, ns: string, localName: string): Element[] {
  const result: Element[] = []
  const walk = (el: Element) => {
    if (el.localName === localName && el.namespaceURI === ns) result.push(el)
    for (let node = el.firstChild; node !== null; node = node.nextSibling) if (isElement(node)) walk(node)
  }
  walk(root)
  return result
}

export function attribute(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined
}

const PROCESSING_INSTRUCTION_NODE = 7
const COMMENT_NODE = 8

/** A node that makes an element's content something other than a plain value. */
export type ValueMarkup = 'element' | 'comment' | 'processing instruction' | 'other node'

/**
 * The text of a value element (NameID, Issuer, Audience, AttributeValue, ...), or the kind of node
 * that stops it being one. What is read must be what was signed, and xml-crypto's canonicalization
 * (what the digest covers) treats the node types differently from a DOM reader:
 * - text and CDATA: digested as their characters, read as their characters — the same;
 * - character references: already characters in the DOM — the same;
 * - comments: dropped by c14n without comments, so `alice@acme.test<!---->.evil.test` would read
 *   whatever a reader chooses (CVE-2017-11427 family): refused;
 * - processing instructions: c14n renders their data as if it were text, so
 *   `alice@acme.test<?x .evil.test?>` digests as `alice@acme.test.evil.test` while a reader that
 *   skips the instruction reads `alice@acme.test`: refused;
 * - elements: markup, not a value: refused.
 * So only text and CDATA are accepted, and the value is their concatenation.
 */
export function readValue(el: Element): { readonly text: string } | { readonly markup: ValueMarkup } {
  let text = ''
  for (let node = el.firstChild; node !== null; node = node.nextSibling) {
    const type = node.nodeType
    if (type === TEXT_NODE || type === CDATA_SECTION_NODE) text += (node as unknown as { data: string }).data
    else return { markup: markupKind(type) }
  }
  return { text }
}

/** The value of `el` (see readValue), or undefined when it holds anything but text and CDATA. */
export function plainText(el: Element): string | undefined {
  const value = readValue(el)
  return 'text' in value ? value.text : undefined
}

/**
 * A structured value: child elements and whitespace only, e.g. eduPersonTargetedID's `<NameID>`
 * inside an AttributeValue. It is not a string, so it is never read as one (and so never misread).
 */
export function isStructuredValue(el: Element): boolean {
  let elements = 0
  for (let node = el.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE) elements++
    else if (node.nodeType !== TEXT_NODE || (node as unknown as { data: string }).data.trim() !== '') return false
  }
  return elements > 0
}

function markupKind(nodeType: number): ValueMarkup {
  if (nodeType === ELEMENT_NODE) return 'element'
  if (nodeType === COMMENT_NODE) return 'comment'
  if (nodeType === PROCESSING_INSTRUCTION_NODE) return 'processing instruction'
  return 'other node'
}
