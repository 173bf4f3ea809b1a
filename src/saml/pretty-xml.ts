/**
 * Indents XML for people (the owner's test page): one element per line, short text inline. Parsed
 * with the same hardened parser as everything else; what does not parse is returned as it came.
 * For display only: the result is never verified or parsed again.
 */
import type { Node } from '@xmldom/xmldom'
import { escapeXml } from './escape-xml.js'
import { parseXml } from './xml.js'

const ELEMENT_NODE = 1
const TEXT_NODE = 3
const CDATA_SECTION_NODE = 4
const COMMENT_NODE = 8

export function prettyXml(xml: string, maxBytes = 1024 * 1024): string {
  let root: Node
  try {
    root = parseXml(xml, maxBytes).documentElement!
  } catch {
    return xml
  }
  const lines: string[] = []
  write(root, 0, lines)
  return lines.join('\n')
}

function write(node: Node, depth: number, lines: string[]): void {
  const pad = '  '.repeat(depth)
  if (node.nodeType === COMMENT_NODE) {
    lines.push(`${pad}<!--${node.nodeValue ?? ''}-->`)
    return
  }
  if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
    const text = (node.nodeValue ?? '').trim()
    if (text !== '') lines.push(pad + escapeXml(text))
    return
  }
  if (node.nodeType !== ELEMENT_NODE) return
  const element = node as unknown as { tagName: string; attributes: ArrayLike<{ name: string; value: string }>; childNodes: ArrayLike<Node> }
  const attributes = Array.from(element.attributes).map((a) => ` ${a.name}="${escapeXml(a.value)}"`).join('')
  const children = Array.from(element.childNodes).filter((c) => !(c.nodeType === TEXT_NODE && (c.nodeValue ?? '').trim() === ''))
  if (children.length === 0) {
    lines.push(`${pad}<${element.tagName}${attributes}/>`)
  } else if (children.length === 1 && (children[0]!.nodeType === TEXT_NODE || children[0]!.nodeType === CDATA_SECTION_NODE)) {
    lines.push(`${pad}<${element.tagName}${attributes}>${escapeXml((children[0]!.nodeValue ?? '').trim())}</${element.tagName}>`)
  } else {
    lines.push(`${pad}<${element.tagName}${attributes}>`)
    for (const child of children) write(child, depth + 1, lines)
    lines.push(`${pad}</${element.tagName}>`)
  }
}
