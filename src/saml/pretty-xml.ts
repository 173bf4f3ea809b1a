/**
 * XML for people (the owner's test page and SAML tracer): one element per line, short text inline,
 * split into tokens so the page can colour them and mark the line of a failed check. Parsed with the
 * same hardened parser as everything else; what does not parse comes back undefined (show it raw).
 * For display only: the result is never verified or parsed for meaning.
 */
import type { Node } from '@xmldom/xmldom'
import { escapeXml } from './escape-xml.js'
import { parseXml } from './xml.js'

const ELEMENT_NODE = 1
const TEXT_NODE = 3
const CDATA_SECTION_NODE = 4
const COMMENT_NODE = 8

export type XmlTokenKind = 'punct' | 'tag' | 'attr' | 'value' | 'text' | 'comment'

export interface XmlToken {
  readonly kind: XmlTokenKind
  /** As it reads (not escaped): the page's renderer escapes it. */
  readonly text: string
}

export interface XmlLine {
  readonly depth: number
  /** The local name of the element the line opens, closes or holds. */
  readonly element: string | undefined
  readonly tokens: readonly XmlToken[]
}

export function xmlLines(xml: string, maxBytes = 1024 * 1024): XmlLine[] | undefined {
  let root: Node
  try {
    root = parseXml(xml, maxBytes).documentElement!
  } catch {
    return undefined
  }
  const lines: XmlLine[] = []
  write(root, 0, lines)
  return lines
}

/** The lines as indented text; the input unchanged when it does not parse. */
export function prettyXml(xml: string, maxBytes = 1024 * 1024): string {
  const lines = xmlLines(xml, maxBytes)
  if (lines === undefined) return xml
  return lines
    .map((l) => '  '.repeat(l.depth) + l.tokens.map((t) => (t.kind === 'value' || t.kind === 'text' ? escapeXml(t.text) : t.text)).join(''))
    .join('\n')
}

interface ElementLike {
  tagName: string
  localName: string | null
  attributes: ArrayLike<{ name: string; value: string }>
  childNodes: ArrayLike<Node>
}

function openTag(element: ElementLike, selfClosing: boolean): XmlToken[] {
  const tokens: XmlToken[] = [
    { kind: 'punct', text: '<' },
    { kind: 'tag', text: element.tagName },
  ]
  for (const a of Array.from(element.attributes)) {
    tokens.push(
      { kind: 'punct', text: ' ' },
      { kind: 'attr', text: a.name },
      { kind: 'punct', text: '="' },
      { kind: 'value', text: a.value },
      { kind: 'punct', text: '"' },
    )
  }
  tokens.push({ kind: 'punct', text: selfClosing ? '/>' : '>' })
  return tokens
}

const closeTag = (element: ElementLike): XmlToken[] => [
  { kind: 'punct', text: '</' },
  { kind: 'tag', text: element.tagName },
  { kind: 'punct', text: '>' },
]

function write(node: Node, depth: number, lines: XmlLine[], parent?: string): void {
  if (node.nodeType === COMMENT_NODE) {
    lines.push({ depth, element: parent, tokens: [{ kind: 'comment', text: `<!--${node.nodeValue ?? ''}-->` }] })
    return
  }
  if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
    const text = (node.nodeValue ?? '').trim()
    if (text !== '') lines.push({ depth, element: parent, tokens: [{ kind: 'text', text }] })
    return
  }
  if (node.nodeType !== ELEMENT_NODE) return
  const element = node as unknown as ElementLike
  const name = element.localName ?? element.tagName
  const children = Array.from(element.childNodes).filter((c) => !(c.nodeType === TEXT_NODE && (c.nodeValue ?? '').trim() === ''))
  if (children.length === 0) {
    lines.push({ depth, element: name, tokens: openTag(element, true) })
  } else if (children.length === 1 && (children[0]!.nodeType === TEXT_NODE || children[0]!.nodeType === CDATA_SECTION_NODE)) {
    lines.push({
      depth,
      element: name,
      tokens: [...openTag(element, false), { kind: 'text', text: (children[0]!.nodeValue ?? '').trim() }, ...closeTag(element)],
    })
  } else {
    lines.push({ depth, element: name, tokens: openTag(element, false) })
    for (const child of children) write(child, depth + 1, lines, name)
    lines.push({ depth, element: name, tokens: closeTag(element) })
  }
}
