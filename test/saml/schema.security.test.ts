/**
 * Schema-strict structure (DESIGN §4, issue 14 item 2): a Response or Assertion — and the elements
 * read from them — with a child the SAML schema does not allow there is refused, whatever its
 * namespace or local name, whether the IdP signed it or an attacker added it to the unsigned
 * envelope. Each row is paired with the same message without the defect, accepted; and an
 * exhaustive sweep puts a stray element at every position of every checked element.
 */
import type { Document, Element } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import { validateSamlResponse, type ValidationResult } from '../../src/saml/validate-response.js'
import { NS } from '../../src/saml/xml.js'
import { craft, create, createParties, find, NAME_ID, settingsFor, type Edit, type Parties, type Recipe } from './response-recipe.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const verdict = (r: ValidationResult) => (r.ok ? { nameId: r.assertion.nameId } : r.failure.code)
const validate = async (recipe: Recipe) => validateSamlResponse(await craft(parties, recipe), settingsFor(parties))

/** Inserts a new element before `localName`'s `index`-th occurrence (or as its last child with `inside`). */
const insert =
  (make: (doc: Document) => Element, where: { before: string } | { inside: string }): Edit =>
  (doc) => {
    const node = make(doc)
    if ('before' in where) {
      const anchor = find(doc, where.before)
      anchor.parentNode!.insertBefore(node, anchor)
    } else {
      find(doc, where.inside).appendChild(node)
    }
  }
const foreign = (localName: string) => (doc: Document) => doc.createElementNS('urn:example:attacker', `x:${localName}`)
const saml = (localName: string) => (doc: Document) => create(doc, NS.assertion, localName)
const moveBefore =
  (what: string, anchor: string): Edit =>
  (doc) => {
    const el = find(doc, what)
    const a = find(doc, anchor)
    a.parentNode!.insertBefore(el, a)
  }
const duplicate =
  (what: string): Edit =>
  (doc) => {
    const el = find(doc, what)
    el.parentNode!.insertBefore(el.cloneNode(true), el)
  }

const rawRows: readonly { attack: string; base?: Recipe; defect: Recipe }[] = [
  {
    attack: 'an Assertion in a foreign namespace placed before the genuine signed assertion',
    defect: { after: insert(foreign('Assertion'), { before: 'Assertion' }) },
  },
  {
    attack: 'a foreign Assertion before the assertion of a signed Response (signed by the IdP)',
    base: { sign: 'response' },
    defect: { sign: 'response', before: insert(foreign('Assertion'), { before: 'Assertion' }) },
  },
  { attack: "a foreign element between the Response's Status and Assertion", defect: { after: insert(foreign('Status'), { before: 'Assertion' }) } },
  { attack: "a foreign element before the Response's Issuer", defect: { after: insert(foreign('Issuer'), { before: 'Issuer' }) } },
  { attack: 'a second Status in the Response', defect: { after: duplicate('Status') } },
  {
    attack: 'a Response without a Status',
    defect: {
      after: (doc) => {
        const s = find(doc, 'Status')
        s.parentNode!.removeChild(s)
      },
    },
  },
  { attack: 'a foreign element in the signed Assertion (signed by the IdP)', defect: { before: insert(foreign('Subject'), { before: 'Subject' }) } },
  { attack: 'a SAML element the Assertion may not hold (a NameID beside the Subject)', defect: { before: insert(saml('NameID'), { before: 'Subject' }) } },
  { attack: 'a second Subject in the Assertion', defect: { before: duplicate('Subject') } },
  {
    attack: "the Assertion's Issuer after its Subject",
    defect: {
      before: (doc) => {
        const a = find(doc, 'Assertion')
        const issuer = find(a, 'Issuer')
        a.removeChild(issuer)
        a.insertBefore(issuer, find(a, 'Conditions'))
      },
    },
  },
  { attack: 'a foreign NameID before the genuine one in the Subject', defect: { before: insert(foreign('NameID'), { before: 'NameID' }) } },
  { attack: 'two NameIDs in the Subject', defect: { before: duplicate('NameID') } },
  { attack: 'a foreign element in the Conditions', defect: { before: insert(foreign('AudienceRestriction'), { before: 'AudienceRestriction' }) } },
  { attack: 'a foreign Audience in an AudienceRestriction', defect: { before: insert(foreign('Audience'), { before: 'Audience' }) } },
  { attack: 'a foreign Attribute in the AttributeStatement', defect: { before: insert(foreign('Attribute'), { inside: 'AttributeStatement' }) } },
  { attack: 'a foreign AttributeValue in an Attribute', defect: { before: insert(foreign('AttributeValue'), { inside: 'Attribute' }) } },
  { attack: 'a foreign StatusCode in the Status', defect: { after: insert(foreign('StatusCode'), { before: 'StatusCode' }) } },
  {
    attack: "text beside the Assertion's elements",
    defect: {
      before: (doc) => {
        find(doc, 'Assertion').insertBefore(doc.createTextNode('alice@evil.test'), find(doc, 'Subject'))
      },
    },
  },
  {
    attack: "a processing instruction between the Assertion's elements",
    defect: {
      before: (doc) => {
        find(doc, 'Assertion').insertBefore(doc.createProcessingInstruction('x', 'y'), find(doc, 'Subject'))
      },
    },
  },
  { attack: 'an AuthnStatement before the Subject', defect: { before: moveBefore('AuthnStatement', 'Subject') } },
]
const rows = rawRows.map((r) => ({ ...r, base: r.base ?? {}, defect: { ...(r.base ?? {}), ...r.defect, params: { attributes: { email: [NAME_ID] } } } }))

describe('schema-strict Response and Assertion', () => {
  for (const row of rows) {
    it(`rejects ${row.attack} with schema_invalid`, async () => {
      expect(verdict(await validate(row.defect))).toBe('schema_invalid')
    })
    it(`accepts the same message without ${row.attack}`, async () => {
      expect(verdict(await validate({ ...row.base, params: { attributes: { email: [NAME_ID] } } }))).toEqual({ nameId: NAME_ID })
    })
  }

  it('accepts foreign elements where the schema allows any (samlp:Extensions), and whitespace and comments between elements', async () => {
    const extensions: Edit = (doc) => {
      const ext = doc.createElementNS(NS.protocol, 'saml2p:Extensions')
      ext.appendChild(doc.createElementNS('urn:example:vendor', 'v:Assertion'))
      find(doc, 'Status').parentNode!.insertBefore(ext, find(doc, 'Status'))
    }
    const spacing: Edit = (doc) => {
      find(doc, 'Assertion').insertBefore(doc.createComment(' signed by the IdP '), find(doc, 'Subject'))
      find(doc, 'Assertion').insertBefore(doc.createTextNode('\n   '), find(doc, 'Subject'))
    }
    expect(verdict(await validate({ before: spacing, after: extensions }))).toEqual({ nameId: NAME_ID })
  })

  it('rejects a foreign element inside an encrypted assertion as decryption_failed, and accepts it encrypted without', async () => {
    const stray = (a: string) => a.replace('<saml2:Subject>', '<x:Subject xmlns:x="urn:example:attacker"/><saml2:Subject>')
    expect(verdict(await validate({ encrypt: { plaintext: stray } }))).toBe('decryption_failed')
    expect(verdict(await validate({ encrypt: { plaintext: (a) => a } }))).toEqual({ nameId: NAME_ID })
  })
})

describe('a stray element at every position of every checked element is refused', () => {
  /** Elements whose content model the validator checks, as the test IdP builds them. */
  const parents = [
    'Response',
    'Status',
    'Assertion',
    'Subject',
    'SubjectConfirmation',
    'Conditions',
    'AudienceRestriction',
    'AuthnStatement',
    'AttributeStatement',
    'Attribute',
  ]
  const strays: readonly { name: string; make: (doc: Document) => Element }[] = [
    { name: 'a foreign element named Assertion', make: foreign('Assertion') },
    { name: 'a foreign element named NameID', make: foreign('NameID') },
    { name: 'an element in no namespace', make: (doc) => doc.createElementNS(null, 'Subject') },
    { name: 'a SAML Advice', make: saml('Advice') },
  ]
  for (const parent of parents) {
    it(`refuses each stray at each position in ${parent}`, async () => {
      const recipe = (edit: Edit): Recipe => ({ before: edit, params: { attributes: { email: [NAME_ID] } } })
      const probe = await craft(
        parties,
        recipe(() => {}),
      )
      expect(verdict(await validateSamlResponse(probe, settingsFor(parties)))).toEqual({ nameId: NAME_ID })
      let positions = 0
      for (const stray of strays) {
        for (let position = 0; ; position++) {
          let placed = false
          const edit: Edit = (doc) => {
            const el = find(doc, parent)
            const children: Element[] = []
            for (let n = el.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === 1) children.push(n as Element)
            if (position > children.length) return
            // Advice is allowed in one place of an Assertion: skip that one position.
            if (stray.name === 'a SAML Advice' && parent === 'Assertion' && children[position - 1]?.localName === 'Conditions') return
            el.insertBefore(stray.make(doc), children[position] ?? null)
            placed = true
          }
          const result = await validateSamlResponse(await craft(parties, recipe(edit)), settingsFor(parties))
          if (!placed) {
            if (position > 12) break
            continue
          }
          positions++
          expect(verdict(result), `${stray.name} at position ${position} of ${parent}`).toBe('schema_invalid')
        }
      }
      expect(positions).toBeGreaterThan(0)
    })
  }
})
