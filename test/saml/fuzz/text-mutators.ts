/**
 * Mutations on the serialized XML text, at random positions inside text runs (between elements or
 * inside a value): processing instructions, comments, CDATA, character and entity references,
 * whitespace; and inside start tags (duplicated attributes, character references in values).
 */
import type { Rng } from './prng.js'
import { EVIL_TEXTS, VALUE_ELEMENTS } from './dom-tools.js'

export interface TextMutator {
  readonly kind: string
  readonly apply: (xml: string, rng: Rng) => { xml: string; description: string } | undefined
}

interface Run {
  readonly start: number
  readonly end: number
  /** The local name of the start tag just before the run, when a start tag precedes it. */
  readonly owner: string | undefined
}
interface Tag {
  readonly start: number
  readonly end: number
}

/** Text runs (possibly empty, between two tags) and start tags of `xml`, by a linear scan. */
function scan(xml: string): { runs: Run[]; tags: Tag[] } {
  const runs: Run[] = []
  const tags: Tag[] = []
  let owner: string | undefined
  let i = xml.indexOf('<')
  if (i === -1) return { runs, tags }
  while (i !== -1 && i < xml.length) {
    let end: number
    if (xml.startsWith('<!--', i)) end = xml.indexOf('-->', i + 4) + 3
    else if (xml.startsWith('<![CDATA[', i)) end = xml.indexOf(']]>', i + 9) + 3
    else if (xml.startsWith('<?', i)) end = xml.indexOf('?>', i + 2) + 2
    else {
      let j = i + 1
      for (let quote = ''; j < xml.length; j++) {
        const c = xml[j]!
        if (quote !== '') {
          if (c === quote) quote = ''
        } else if (c === '"' || c === "'") quote = c
        else if (c === '>') break
      }
      end = j + 1
      if (xml[i + 1] === '/') owner = undefined
      else {
        const name = /^<([^\s/>]+)/.exec(xml.slice(i, Math.min(end, i + 80)))?.[1] ?? ''
        owner = xml[end - 2] === '/' ? undefined : name.slice(name.indexOf(':') + 1)
        tags.push({ start: i, end })
      }
    }
    if (end <= i) break
    const next = xml.indexOf('<', end)
    runs.push({ start: end, end: next === -1 ? xml.length : next, owner })
    i = next
  }
  return { runs, tags }
}

/** A position in a text run: half the time inside an identity value's text. */
function position(xml: string, rng: Rng): { at: number; where: string } | undefined {
  const { runs } = scan(xml)
  if (runs.length === 0) return undefined
  const values = runs.filter((r) => r.owner !== undefined && VALUE_ELEMENTS.has(r.owner) && r.end > r.start)
  const run = values.length > 0 && rng.chance(0.5) ? rng.pick(values) : rng.pick(runs)
  const at = run.start + rng.int(run.end - run.start + 1)
  return { at, where: `${run.owner ?? 'between elements'}@${at - run.start}` }
}

const MARKUP: readonly string[] = [
  '<?x y?>',
  '<?x .evil.example.test?>',
  '<!--c-->',
  '<!---->',
  '<![CDATA[]]>',
  '<![CDATA[x]]>',
  '<![CDATA[.evil.example.test]]>',
  ' ',
  '\n',
  '\t',
  '\r\n',
  '&#x20;',
  '&#10;',
  '&#13;',
  '&#9;',
]
const ENTITIES: readonly string[] = ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&evil;', '&#0;', '&#x110000;', '&#xD800;', '&', '&#x;', '&#65']

const insertMarkup: TextMutator = {
  kind: 'raw-markup',
  apply: (xml, rng) => {
    const p = position(xml, rng)
    if (p === undefined) return undefined
    const markup = rng.pick(MARKUP)
    return { xml: xml.slice(0, p.at) + markup + xml.slice(p.at), description: `insert ${JSON.stringify(markup)} at ${p.where}` }
  },
}

const insertEntity: TextMutator = {
  kind: 'raw-entity',
  apply: (xml, rng) => {
    const p = position(xml, rng)
    if (p === undefined) return undefined
    const entity = rng.pick(ENTITIES)
    return { xml: xml.slice(0, p.at) + entity + xml.slice(p.at), description: `insert ${JSON.stringify(entity)} at ${p.where}` }
  },
}

/** One character of text written as a character reference (same text once parsed). */
const characterReference: TextMutator = {
  kind: 'raw-charref',
  apply: (xml, rng) => {
    const { runs, tags } = scan(xml)
    const candidates: number[] = []
    const inValues = runs.filter((r) => r.owner !== undefined && VALUE_ELEMENTS.has(r.owner) && r.end > r.start)
    if (rng.chance(0.7) && inValues.length > 0) {
      const run = rng.pick(inValues)
      for (let k = run.start; k < run.end; k++) if (xml[k] !== '&') candidates.push(k)
    } else if (tags.length > 0) {
      // Inside an attribute value of a start tag.
      const tag = rng.pick(tags)
      const text = xml.slice(tag.start, tag.end)
      for (const m of text.matchAll(/="([^"&<]*)"/g)) for (let k = 0; k < m[1]!.length; k++) candidates.push(tag.start + m.index + 2 + k)
    }
    if (candidates.length === 0) return undefined
    const at = rng.pick(candidates)
    const code = xml.codePointAt(at)!
    const ref = rng.chance(0.5) ? `&#x${code.toString(16).toUpperCase()};` : `&#${code};`
    return {
      xml: xml.slice(0, at) + ref + xml.slice(at + String.fromCodePoint(code).length),
      description: `${JSON.stringify(String.fromCodePoint(code))} as ${ref} at ${at}`,
    }
  },
}

/** A chunk of a value's text wrapped in CDATA (same text once parsed). */
const cdataWrap: TextMutator = {
  kind: 'raw-cdata',
  apply: (xml, rng) => {
    const runs = scan(xml).runs.filter((r) => r.end > r.start)
    if (runs.length === 0) return undefined
    const values = runs.filter((r) => r.owner !== undefined && VALUE_ELEMENTS.has(r.owner))
    const run = values.length > 0 && rng.chance(0.8) ? rng.pick(values) : rng.pick(runs)
    const a = run.start + rng.int(run.end - run.start + 1)
    const b = a + rng.int(run.end - a + 1)
    const chunk = xml.slice(a, b)
    if (chunk.includes('&')) return undefined
    return { xml: `${xml.slice(0, a)}<![CDATA[${chunk}]]>${xml.slice(b)}`, description: `CDATA around ${JSON.stringify(chunk)} in ${run.owner ?? 'text'}` }
  },
}

/** Inside a start tag: an attribute written twice, an xmlns declaration repeated, or whitespace between attributes. */
const tagEdit: TextMutator = {
  kind: 'raw-tag',
  apply: (xml, rng) => {
    const { tags } = scan(xml)
    if (tags.length === 0) return undefined
    const tag = rng.pick(tags)
    const text = xml.slice(tag.start, tag.end)
    const attributes = [...text.matchAll(/\s([\w:.-]+)="([^"]*)"/g)]
    const choice = rng.int(3)
    let next: string
    let description: string
    if (choice === 0 && attributes.length > 0) {
      const m = rng.pick(attributes)
      const value = rng.chance(0.5) ? m[2]! : rng.pick(EVIL_TEXTS)
      const copy = ` ${m[1]}="${value}"`
      next = rng.chance(0.5) ? text.replace(m[0], m[0] + copy) : text.replace(m[0], copy + m[0])
      description = `attribute ${m[1]} twice`
    } else if (choice === 1) {
      const decl = rng.pick([
        ' xmlns=""',
        ' xmlns="urn:example:fuzz:foreign"',
        ' xmlns:saml2="urn:example:fuzz:foreign"',
        ' xmlns:ds="urn:oasis:names:tc:SAML:2.0:assertion"',
        ' xml:space="preserve"',
      ])
      const end = text.endsWith('/>') ? text.length - 2 : text.length - 1
      next = text.slice(0, end) + decl + text.slice(end)
      description = `${decl.trim()} in a start tag`
    } else {
      const ws = rng.pick(['\n', '\t', '  ', '\r\n'])
      next = text.replace(/(\s)/, `${ws}$1`)
      description = 'whitespace inside a start tag'
    }
    return { xml: xml.slice(0, tag.start) + next + xml.slice(tag.end), description: `${description} at ${tag.start}` }
  },
}

export const TEXT_MUTATORS: readonly TextMutator[] = [insertMarkup, insertEntity, characterReference, cdataWrap, tagEdit]
