/**
 * Structural mutations on the parsed response: move, duplicate, wrap, rename, re-namespace and
 * re-prefix elements, pollute attributes, relocate signatures, split values into comments,
 * processing instructions and CDATA, edit text, remove. Each returns a description of what it did
 * (for the printed chain), or undefined when it found nothing to act on.
 */
import type { Document, Element, Node } from '@xmldom/xmldom'
import { NS } from '../../../src/saml/xml.js'
import {
  describe,
  elements,
  EVIL_NAME_ID,
  EVIL_TEXTS,
  PROTOTYPE_NAMES,
  FOREIGN_NS,
  insertAnywhere,
  insertInto,
  NAMESPACES,
  notRoot,
  pickElement,
  prefixFor,
  renamed,
  SAML_NAMES,
  textNodes,
  VALUE_ELEMENTS,
} from './dom-tools.js'
import type { Rng } from './prng.js'

export interface DomMutator {
  readonly kind: string
  readonly apply: (doc: Document, rng: Rng) => string | undefined
}

const isValue = (el: Element) => VALUE_ELEMENTS.has(el.localName ?? '')

/** Replaces the text of identity values below `root` with an attacker's. */
function impersonate(root: Element, rng: Rng): void {
  const values = [root, ...elementsBelow(root)].filter(isValue)
  for (const value of values) {
    if (!rng.chance(0.7)) continue
    while (value.firstChild !== null) value.removeChild(value.firstChild)
    value.appendChild(root.ownerDocument!.createTextNode(value.localName === 'NameID' ? EVIL_NAME_ID : rng.pick(EVIL_TEXTS)))
  }
}

function elementsBelow(root: Element): Element[] {
  const found: Element[] = []
  const walk = (el: Element) => {
    for (let c = el.firstChild; c !== null; c = c.nextSibling)
      if (c.nodeType === 1) {
        found.push(c as Element)
        walk(c as Element)
      }
  }
  walk(root)
  return found
}

const move: DomMutator = {
  kind: 'move',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, notRoot)
    if (el === undefined) return undefined
    const from = describe(el)
    el.parentNode!.removeChild(el)
    const to = insertAnywhere(doc, rng, el)
    return to && `move ${from} → ${to}`
  },
}

const duplicate: DomMutator = {
  kind: 'duplicate',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, notRoot)
    if (el === undefined) return undefined
    const copy = el.cloneNode(true) as Element
    const evil = rng.chance(0.5)
    if (evil) impersonate(copy, rng)
    const where = rng.int(3)
    if (where === 0) el.parentNode!.insertBefore(copy, el)
    else if (where === 1) el.parentNode!.insertBefore(copy, el.nextSibling)
    else return `duplicate${evil ? ' (impersonating)' : ''} ${describe(el)} → ${insertAnywhere(doc, rng, copy)}`
    return `duplicate${evil ? ' (impersonating)' : ''} ${describe(el)} ${where === 0 ? 'before' : 'after'} itself`
  },
}

const wrap: DomMutator = {
  kind: 'wrap',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng)
    if (el === undefined) return undefined
    const namespace = rng.pick(NAMESPACES)
    const name = rng.pick([...SAML_NAMES, 'Wrapper', 'Object'])
    const wrapper = namespace === '' ? doc.createElement(name) : doc.createElementNS(namespace, `${prefixFor(namespace, rng)}:${name}`)
    const target = describe(el)
    if (el.parentNode === null || el.parentNode.nodeType !== 1) {
      // The root: the wrapper becomes the document element.
      doc.replaceChild(wrapper, el)
      wrapper.appendChild(el)
    } else {
      el.parentNode.replaceChild(wrapper, el)
      wrapper.appendChild(el)
    }
    return `wrap ${target} in {${namespace}}${name}`
  },
}

/** A copy of a SAML element in a foreign namespace (or no namespace), put next to or before the real one. */
const foreignTwin: DomMutator = {
  kind: 'foreign-twin',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, notRoot)
    if (el === undefined) return undefined
    const copy = el.cloneNode(true) as Element
    if (rng.chance(0.7)) impersonate(copy, rng)
    const namespace = rng.pick([FOREIGN_NS, '', NS.protocol, NS.metadata, 'urn:oasis:names:tc:SAML:1.0:assertion'])
    el.parentNode!.insertBefore(copy, rng.chance(0.7) ? el : el.nextSibling)
    renamed(doc, copy, namespace, namespace === '' ? el.localName! : `${prefixFor(namespace, rng)}:${el.localName}`)
    return `foreign twin {${namespace}}${el.localName} beside ${describe(el)}`
  },
}

const rename: DomMutator = {
  kind: 'rename',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng)
    if (el === undefined || el.parentNode === null) return undefined
    const name = rng.pick([...SAML_NAMES, (el.localName ?? '').toLowerCase(), `${el.localName}x`])
    const from = describe(el)
    const qualified = el.prefix ? `${el.prefix}:${name}` : name
    if (el.parentNode.nodeType !== 1) return undefined
    renamed(doc, el, el.namespaceURI ?? '', qualified)
    return `rename ${from} to ${name}`
  },
}

const renamespace: DomMutator = {
  kind: 'renamespace',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, notRoot)
    if (el === undefined) return undefined
    const namespace = rng.pick(NAMESPACES.filter((n) => n !== el.namespaceURI))
    const from = describe(el)
    renamed(doc, el, namespace, namespace === '' ? el.localName! : `${rng.chance(0.5) && el.prefix ? el.prefix : prefixFor(namespace, rng)}:${el.localName}`)
    return `renamespace ${from} to {${namespace}}`
  },
}

/** Same namespace, another prefix; or a prefix / the default namespace re-declared (shadowed) on an element. */
const reprefix: DomMutator = {
  kind: 'reprefix',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng)
    if (el === undefined) return undefined
    const choice = rng.int(3)
    const target = describe(el)
    if (choice === 0 && el.namespaceURI && el.parentNode?.nodeType === 1) {
      const prefix = rng.pick(['ns9', 'saml', 'samlp', 'ds', 'saml2', 'saml2p', 'xenc'])
      renamed(doc, el, el.namespaceURI, `${prefix}:${el.localName}`)
      return `reprefix ${target} as ${prefix}:`
    }
    if (choice === 1) {
      const namespace = rng.pick(NAMESPACES)
      el.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns', namespace)
      return `declare default namespace {${namespace}} on ${target}`
    }
    const prefix = rng.pick(['saml2', 'saml2p', 'ds', 'xs', 'xsi', 'f'])
    const namespace = rng.pick(NAMESPACES.filter((n) => n !== ''))
    el.setAttributeNS('http://www.w3.org/2000/xmlns/', `xmlns:${prefix}`, namespace)
    return `declare xmlns:${prefix}={${namespace}} on ${target}`
  },
}

const attributeAdd: DomMutator = {
  kind: 'attr-add',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng)
    if (el === undefined) return undefined
    const ids = elements(doc)
      .map((e) => e.getAttribute('ID'))
      .filter((id): id is string => id !== null && id !== '')
    const choice = rng.int(6)
    const target = describe(el)
    if (choice === 0 && ids.length > 0) {
      const id = rng.pick(ids)
      el.setAttribute('ID', id)
      return `ID="${id}" on ${target}`
    }
    if (choice === 1) {
      el.setAttributeNS('http://www.w3.org/XML/1998/namespace', 'xml:space', rng.pick(['preserve', 'default']))
      return `xml:space on ${target}`
    }
    if (choice === 2) {
      el.setAttributeNS('http://www.w3.org/2000/xmlns/', `xmlns:p${rng.int(9)}`, rng.pick(NAMESPACES.filter((n) => n !== '')))
      return `xmlns pollution on ${target}`
    }
    if (choice === 3) {
      el.setAttributeNS(FOREIGN_NS, 'f:note', rng.pick(EVIL_TEXTS))
      return `foreign attribute on ${target}`
    }
    const name = rng.pick(['Name', 'Format', 'InResponseTo', 'Recipient', 'NotOnOrAfter', 'SessionIndex', 'Id', 'id', 'URI', 'Algorithm', 'Method', 'Value'])
    el.setAttribute(name, rng.pick(EVIL_TEXTS))
    return `${name}= on ${target}`
  },
}

const attributeRemove: DomMutator = {
  kind: 'attr-remove',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, (e) => e.attributes.length > 0)
    if (el === undefined) return undefined
    const attr = el.attributes.item(rng.int(el.attributes.length))!
    el.removeAttributeNode(attr)
    return `remove @${attr.name} of ${describe(el)}`
  },
}

const attributeEdit: DomMutator = {
  kind: 'attr-edit',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, (e) => e.attributes.length > 0)
    if (el === undefined) return undefined
    const attr = el.attributes.item(rng.int(el.attributes.length))!
    const value = attr.value
    const edits: Array<[string, string]> = [
      ['append space', `${value} `],
      ['prepend space', ` ${value}`],
      ['upper-case', value.toUpperCase()],
      ['append', value + rng.pick(EVIL_TEXTS)],
      ['replace', rng.pick(EVIL_TEXTS)],
      ['empty', ''],
    ]
    const [how, next] = rng.pick(edits)
    attr.value = next
    if ((attr as unknown as { nodeValue: string }).nodeValue !== undefined) (attr as unknown as { nodeValue: string }).nodeValue = next
    return `${how} @${attr.name} of ${describe(el)}`
  },
}

/** An attribute value that names a member of Object.prototype, for lookups keyed by attribute values (Algorithm, Method, Format…). */
const attributePrototypeName: DomMutator = {
  kind: 'attr-proto',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, (e) => e.attributes.length > 0)
    if (el === undefined) return undefined
    const attr = el.attributes.item(rng.int(el.attributes.length))!
    const value = rng.pick(PROTOTYPE_NAMES)
    attr.value = value
    ;(attr as unknown as { nodeValue: string }).nodeValue = value
    return `@${attr.name} of ${describe(el)} = ${JSON.stringify(value)}`
  },
}

const signatureRelocate: DomMutator = {
  kind: 'sig-relocate',
  apply: (doc, rng) => {
    const signatures = elements(doc).filter((e) => e.localName === 'Signature')
    if (signatures.length === 0) return undefined
    const signature = rng.pick(signatures)
    const from = describe(signature)
    const parent = signature.parentNode as Element
    const choice = rng.int(4)
    parent.removeChild(signature)
    if (choice === 0) {
      const root = doc.documentElement!
      let extensions = elements(doc).find((e) => e.localName === 'Extensions')
      if (extensions === undefined) {
        extensions = doc.createElementNS(NS.protocol, 'saml2p:Extensions')
        root.insertBefore(extensions, root.firstChild?.nextSibling ?? null)
      }
      extensions.appendChild(signature)
      return `signature ${from} into Extensions`
    }
    if (choice === 1) return `signature ${from} → ${insertInto(parent, rng, signature)}`
    if (choice === 2) {
      // A sibling of its element, before or after it.
      if (parent.parentNode === null || parent.parentNode.nodeType !== 1) return `signature ${from} removed`
      parent.parentNode.insertBefore(signature, rng.chance(0.5) ? parent : parent.nextSibling)
      return `signature ${from} beside its element`
    }
    return `signature ${from} → ${insertAnywhere(doc, rng, signature)}`
  },
}

const textEdit: DomMutator = {
  kind: 'text-edit',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, (e) => e.firstChild !== null, VALUE_ELEMENTS)
    if (el === undefined) return undefined
    const texts = textNodes(el)
    if (texts.length === 0) return undefined
    const node = rng.pick(texts) as unknown as { data: string }
    const value = node.data
    const edits: Array<[string, string]> = [
      ['leading whitespace', `${rng.pick([' ', '\n', '\t', '\r\n'])}${value}`],
      ['trailing whitespace', `${value}${rng.pick([' ', '\n', '\t'])}`],
      ['upper-case', value.toUpperCase()],
      ['lower-case', value.toLowerCase()],
      ['append', value + rng.pick(EVIL_TEXTS)],
      ['prepend', rng.pick(EVIL_TEXTS) + value],
      ['replace', rng.pick(EVIL_TEXTS)],
      ['truncate', value.slice(0, rng.int(value.length + 1))],
      ['non-breaking space', `${value}\u00a0`],
      ['zero-width space', `${value}\u200b`],
    ]
    const [how, next] = rng.pick(edits)
    node.data = next
    ;(node as unknown as { nodeValue: string }).nodeValue = next
    return `${how} text of ${describe(el)}`
  },
}

/** Splits a value's text: a chunk of it becomes a comment, a processing instruction or CDATA (DOM level). */
const valueSplit: DomMutator = {
  kind: 'value-split',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, (e) => textNodes(e).length > 0, VALUE_ELEMENTS)
    if (el === undefined) return undefined
    const text = rng.pick(textNodes(el)) as unknown as Node & { data: string; nodeValue: string }
    const value = text.data
    const a = rng.int(value.length + 1)
    const b = a + rng.int(value.length - a + 1)
    const chunk = value.slice(a, b)
    const how = rng.pick(['pi', 'comment', 'cdata', 'pi-empty', 'comment-empty'] as const)
    const node =
      how === 'pi'
        ? doc.createProcessingInstruction('x', chunk)
        : how === 'pi-empty'
          ? doc.createProcessingInstruction('x', 'y')
          : how === 'comment'
            ? doc.createComment(chunk)
            : how === 'comment-empty'
              ? doc.createComment('c')
              : doc.createCDATASection(chunk)
    // A chunk-carrying node replaces the chunk; an empty one is inserted at `b`.
    const keep = how === 'pi' || how === 'comment' || how === 'cdata' ? value.slice(0, a) : value.slice(0, b)
    const rest = value.slice(b)
    text.data = keep
    text.nodeValue = keep
    const parent = text.parentNode!
    parent.insertBefore(node, text.nextSibling)
    if (rest !== '') parent.insertBefore(doc.createTextNode(rest), node.nextSibling)
    return `${how} split of ${describe(el)} at ${a}..${b}`
  },
}

const removeElement: DomMutator = {
  kind: 'remove',
  apply: (doc, rng) => {
    const el = pickElement(doc, rng, notRoot)
    if (el === undefined) return undefined
    el.parentNode!.removeChild(el)
    return `remove ${describe(el)}`
  },
}

/** A new element of the SAML vocabulary, with an attacker's value, somewhere. */
const insertNew: DomMutator = {
  kind: 'insert-element',
  apply: (doc, rng) => {
    const namespace = rng.pick(NAMESPACES)
    const name = rng.pick([...SAML_NAMES, 'Wrapper'])
    const el = namespace === '' ? doc.createElement(name) : doc.createElementNS(namespace, `${prefixFor(namespace, rng)}:${name}`)
    if (rng.chance(0.6)) el.appendChild(doc.createTextNode(rng.pick(EVIL_TEXTS)))
    if (name === 'Attribute') el.setAttribute('Name', rng.pick(['groups', 'email', '__proto__', 'role']))
    return `insert {${namespace}}${name} at ${insertAnywhere(doc, rng, el)}`
  },
}

export const DOM_MUTATORS: readonly DomMutator[] = [
  move,
  duplicate,
  wrap,
  foreignTwin,
  rename,
  renamespace,
  reprefix,
  attributeAdd,
  attributeRemove,
  attributeEdit,
  attributePrototypeName,
  signatureRelocate,
  textEdit,
  valueSplit,
  removeElement,
  insertNew,
]
