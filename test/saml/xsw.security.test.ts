/**
 * XML signature wrapping (Somorovsky et al., "On Breaking SAML", USENIX Security 2012; the XSW1–XSW8
 * set SAML Raider applies): a response genuinely signed by the connection's IdP is rewrapped with
 * DOM operations so that a naive SP verifies one element and reads another. Each wrapping must be
 * refused (the code it gets is recorded per row), and the same signed response, unwrapped, must be
 * accepted with its original NameID. Then the NameID tricks (comments, CDATA, character references,
 * processing instructions, whitespace) that make the value read differ from the value signed.
 */
import type { Document, Element } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SamlFailureCode } from '../../src/saml/failure.js'
import { validateSamlResponse, type ValidationResult } from '../../src/saml/validate-response.js'
import { NS } from '../../src/saml/xml.js'
import { toBase64 } from '../helpers/test-idp.js'
import { craftXml, create, createParties, editXml, extensionsOf, NAME_ID, settingsFor, signatureOf, type Parties, type Recipe } from './response-recipe.js'

const EVIL_NAME_ID = 'mallory@evil.example.test'

/** Refusals that mean "what was signed is not what would be read". */
const WRAPPING_CODES: readonly SamlFailureCode[] = [
  'response_count',
  'assertion_count',
  'signature_misplaced',
  'signature_reference_invalid',
  'signature_invalid',
]

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const verdict = (result: ValidationResult) => (result.ok ? { nameId: result.assertion.nameId } : result.failure.code)

async function validateXml(xml: string): Promise<ValidationResult> {
  return validateSamlResponse(toBase64(xml), settingsFor(parties))
}

function directChild(parent: Element, localName: string): Element {
  for (let c = parent.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === localName) return c as Element
  }
  throw new Error(`no <${localName}> directly in <${parent.localName}>`)
}

/** The attacker's edit: the assertion now names someone else. */
function impersonate(assertion: Element): void {
  const subject = directChild(assertion, 'Subject')
  const nameId = directChild(subject, 'NameID')
  while (nameId.firstChild !== null) nameId.removeChild(nameId.firstChild)
  nameId.appendChild(nameId.ownerDocument!.createTextNode(EVIL_NAME_ID))
}

/** A deep copy without its own (direct-child) Signature. */
function unsignedCopy(el: Element): Element {
  const copy = el.cloneNode(true) as Element
  copy.removeChild(signatureOf(copy))
  return copy
}

const rootOf = (doc: Document) => doc.documentElement!
const assertionOf = (doc: Document) => directChild(rootOf(doc), 'Assertion')

interface Wrapping {
  readonly id: string
  readonly name: string
  /** Which element the IdP signed. */
  readonly signed: 'response' | 'assertion'
  readonly wrap: (doc: Document) => void
  /** The code the validator gives (recorded; any of WRAPPING_CODES would be a refusal). */
  readonly code: SamlFailureCode
}

const WRAPPINGS: readonly Wrapping[] = [
  {
    // The signed Response, unsigned, inside its own Signature; the root becomes the evil Response.
    id: 'XSW1',
    name: 'an unsigned copy of the signed Response appended inside its Signature, the root Response altered',
    signed: 'response',
    code: 'response_count',
    wrap: (doc) => {
      const response = rootOf(doc)
      const signature = signatureOf(response)
      signature.appendChild(unsignedCopy(response))
      response.setAttribute('ID', '_evil_response')
      impersonate(assertionOf(doc))
    },
  },
  {
    id: 'XSW2',
    name: 'an unsigned copy of the signed Response inserted before its Signature (detached), the root altered',
    signed: 'response',
    code: 'response_count',
    wrap: (doc) => {
      const response = rootOf(doc)
      response.insertBefore(unsignedCopy(response), signatureOf(response))
      response.setAttribute('ID', '_evil_response')
      impersonate(assertionOf(doc))
    },
  },
  {
    id: 'XSW3',
    name: 'an evil Assertion (new ID) inserted before the signed one',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const evil = unsignedCopy(assertion)
      evil.setAttribute('ID', '_evil_assertion')
      impersonate(evil)
      rootOf(doc).insertBefore(evil, assertion)
    },
  },
  {
    id: 'XSW4',
    name: 'the signed Assertion moved inside an evil Assertion that takes its place',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const evil = unsignedCopy(assertion)
      evil.setAttribute('ID', '_evil_assertion')
      impersonate(evil)
      rootOf(doc).replaceChild(evil, assertion)
      evil.appendChild(assertion)
    },
  },
  {
    id: 'XSW5',
    name: 'the signed Assertion altered in place (new ID, keeps the Signature), an unsigned original copy appended to the Response',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const original = unsignedCopy(assertion)
      assertion.setAttribute('ID', '_evil_assertion')
      impersonate(assertion)
      rootOf(doc).appendChild(original)
    },
  },
  {
    id: 'XSW6',
    name: 'the signed Assertion altered in place, the unsigned original copy inside its Signature',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const original = unsignedCopy(assertion)
      signatureOf(assertion).appendChild(original)
      assertion.setAttribute('ID', '_evil_assertion')
      impersonate(assertion)
    },
  },
  {
    id: 'XSW7',
    name: 'an evil unsigned copy (same ID) in the Response <Extensions>, the signed Assertion left in place',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const evil = unsignedCopy(assertionOf(doc))
      impersonate(evil)
      extensionsOf(doc).appendChild(evil)
    },
  },
  {
    id: 'XSW8',
    name: 'the signed Assertion altered in place (same ID), the unsigned original inside a <ds:Object> in its Signature',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const original = unsignedCopy(assertion)
      const object = create(doc, NS.ds, 'Object')
      object.appendChild(original)
      signatureOf(assertion).appendChild(object)
      impersonate(assertion)
    },
  },
  {
    id: 'duplicate ID',
    name: "an evil Assertion with another NameID and the signed Assertion's ID, placed first",
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const evil = unsignedCopy(assertion)
      impersonate(evil)
      rootOf(doc).insertBefore(evil, assertion)
    },
  },
  {
    id: 'Advice',
    name: 'the signed Assertion moved into the <Advice> of an evil Assertion',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const evil = unsignedCopy(assertion)
      evil.setAttribute('ID', '_evil_assertion')
      impersonate(evil)
      const advice = create(doc, NS.assertion, 'Advice')
      evil.insertBefore(advice, directChild(evil, 'AuthnStatement'))
      rootOf(doc).replaceChild(evil, assertion)
      advice.appendChild(assertion)
    },
  },
  {
    id: 'Extensions',
    name: 'the signed Assertion moved into the Response <Extensions>, an evil Assertion (new ID) in its place',
    signed: 'assertion',
    code: 'assertion_count',
    wrap: (doc) => {
      const assertion = assertionOf(doc)
      const evil = unsignedCopy(assertion)
      evil.setAttribute('ID', '_evil_assertion')
      impersonate(evil)
      rootOf(doc).replaceChild(evil, assertion)
      extensionsOf(doc).appendChild(assertion)
    },
  },
  {
    id: 'nested Response',
    name: "the signed Response (unsigned copy) inside an evil Response's Extensions, the Signature left on the root",
    signed: 'response',
    code: 'response_count',
    wrap: (doc) => {
      const response = rootOf(doc)
      const original = unsignedCopy(response)
      response.setAttribute('ID', '_evil_response')
      impersonate(assertionOf(doc))
      extensionsOf(doc).appendChild(original)
    },
  },
]

describe('signature wrapping: every XSW variant is refused, the unwrapped original accepted', () => {
  for (const w of WRAPPINGS) {
    const recipe: Recipe = { sign: w.signed }
    it(`rejects ${w.name} (${w.id} → ${w.code})`, async () => {
      const signed = await craftXml(parties, recipe)
      const result = await validateXml(editXml(signed, w.wrap))
      expect(result.ok).toBe(false)
      expect(WRAPPING_CODES).toContain(verdict(result))
      expect(verdict(result)).toBe(w.code)
    })
    it(`accepts the same ${w.signed}-signed response unwrapped, with its original NameID (${w.id} pair)`, async () => {
      const signed = await craftXml(parties, recipe)
      expect(verdict(await validateXml(signed))).toEqual({ nameId: NAME_ID })
    })
  }
})

/**
 * Exclusive c14n without comments digests text and CDATA as text, drops comments and renders a
 * processing instruction's data as text, so each edit below keeps the signature valid. Text, CDATA
 * and character references read exactly as signed; a comment or processing instruction inside the
 * value is refused (value_has_markup), since a reader could split the value around it (CVE-2017-11427
 * family) or skip what the digest covered (the processing-instruction takeover of issue 14).
 */
const unchanged = (xml: string) => xml

describe('NameID: what is read is exactly what was signed', () => {
  const tricks: readonly {
    name: string
    signedNameId: string
    /** Edits the signed XML text (inside the NameID). */
    edit: (xml: string) => string
    expected: { nameId: string } | SamlFailureCode
  }[] = [
    {
      name: 'a comment inserted after signing inside the NameID',
      signedNameId: 'alice@example.test',
      edit: (xml) => xml.replace('>alice@example.test<', '>alice<!---->@example.test<'),
      expected: 'value_has_markup',
    },
    {
      name: "a comment that would truncate a longer signed NameID to someone else's",
      signedNameId: 'alice@example.test.evil.test',
      edit: (xml) => xml.replace('>alice@example.test.evil.test<', '>alice@example.test<!-- -->.evil.test<'),
      expected: 'value_has_markup',
    },
    {
      name: 'a processing instruction carrying the signed tail of a longer NameID',
      signedNameId: 'alice@example.test.evil.test',
      edit: (xml) => xml.replace('>alice@example.test.evil.test<', '>alice@example.test<?x .evil.test?><'),
      expected: 'value_has_markup',
    },
    {
      name: 'part of the NameID rewritten as a CDATA section after signing',
      signedNameId: 'alice@example.test',
      edit: (xml) => xml.replace('>alice@example.test<', '>alice<![CDATA[@example.test]]><'),
      expected: { nameId: 'alice@example.test' },
    },
    {
      name: 'a character reference in the NameID after signing',
      signedNameId: 'alice@example.test',
      edit: (xml) => xml.replace('>alice@example.test<', '>alice&#64;example.test<'),
      expected: { nameId: 'alice@example.test' },
    },
    {
      name: 'a processing instruction whose data does not continue the signed text',
      signedNameId: 'alice@example.test',
      edit: (xml) => xml.replace('>alice@example.test<', '>alice<?x y?>@example.test<'),
      expected: 'signature_invalid',
    },
    {
      name: 'a NameID signed with surrounding whitespace and newlines',
      signedNameId: '\n   alice@example.test \t\n',
      edit: unchanged,
      expected: { nameId: 'alice@example.test' },
    },
  ]

  for (const t of tricks) {
    it(`reads ${t.name} as ${JSON.stringify(t.expected)}`, async () => {
      const signed = await craftXml(parties, { params: { nameId: t.signedNameId } })
      const tampered = t.edit(signed)
      // The edit must have landed, or the row proves nothing.
      if (t.edit !== unchanged) expect(tampered).not.toBe(signed)
      expect(verdict(await validateXml(tampered))).toEqual(t.expected)
    })
    it(`reads the same NameID without the edit as ${JSON.stringify(t.signedNameId.trim())}`, async () => {
      const signed = await craftXml(parties, { params: { nameId: t.signedNameId } })
      expect(verdict(await validateXml(signed))).toEqual({ nameId: t.signedNameId.trim() })
    })
  }

  it('refuses the comment and processing-instruction tricks against a Response-level signature too', async () => {
    const signed = await craftXml(parties, { sign: 'response', params: { nameId: 'alice@example.test.evil.test' } })
    expect(verdict(await validateXml(signed))).toEqual({ nameId: 'alice@example.test.evil.test' })
    expect(verdict(await validateXml(signed.replace('>alice@example.test.evil.test<', '>alice@example.test<!---->.evil.test<')))).toBe('value_has_markup')
    expect(verdict(await validateXml(signed.replace('>alice@example.test.evil.test<', '>alice@example.test<?x .evil.test?><')))).toBe('value_has_markup')
  })

  it('refuses attribute values split by a comment, and reads them whole without it', async () => {
    const signed = await craftXml(parties, { params: { attributes: { role: ['member-of-admins'] } } })
    const clean = await validateXml(signed)
    expect(clean.ok && clean.assertion.attributes.role).toEqual(['member-of-admins'])
    expect(verdict(await validateXml(signed.replace('>member-of-admins<', '>member<!---->-of-admins<')))).toBe('value_has_markup')
  })
})
