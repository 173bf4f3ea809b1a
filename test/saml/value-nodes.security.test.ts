/**
 * What is read is exactly what was signed, for every kind of node a value can hold (DESIGN §4,
 * issue 14 item 1). xml-crypto's exclusive c14n — what the digest covers — renders text and CDATA as
 * their characters, drops comments, renders a processing instruction's *data* as text and an element
 * as markup. So an attacker who holds a response signed for `alice@acme.test.evil.test` could rewrite
 * it as `alice@acme.test<?x .evil.test?>`: the digest still matches, and a reader that skips the
 * instruction signs in alice@acme.test. Each row edits a signed value after signing; the value is
 * either read exactly as signed or refused, and the unedited message is accepted.
 */
import { DOMParser } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import { exclusiveC14n } from '../../src/saml/c14n.js'
import type { SamlFailureCode } from '../../src/saml/failure.js'
import { validateSamlResponse, type ResponseValidationSettings, type ValidationResult } from '../../src/saml/validate-response.js'
import { readValue } from '../../src/saml/xml.js'
import { craftXml, createParties, settingsFor, SP_ENTITY_ID, type Parties, type Recipe } from './response-recipe.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const toBase64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64')

interface Target {
  readonly element: string
  /** The signed value is head + tail; the attack makes a reader see only head. */
  readonly head: string
  readonly tail: string
  /** The recipe that signs head + tail into this element. */
  readonly recipe: (signed: string) => Recipe
  /** Settings under which `expected` is the value the connection wants. */
  readonly settings: (expected: string) => Partial<ResponseValidationSettings>
  /** What a successful validation read for this element. */
  readonly read: (result: ValidationResult & { ok: true }) => string
}

const targets = (): readonly Target[] => [
  {
    element: 'NameID',
    head: 'alice@acme.test',
    tail: '.evil.test',
    recipe: (signed) => ({ params: { nameId: signed } }),
    settings: () => ({}),
    read: (r) => r.assertion.nameId,
  },
  {
    element: 'Issuer',
    head: parties.idp.entityId,
    tail: '.evil.test',
    recipe: (signed) => ({ params: { issuer: signed } }),
    settings: (expected) => ({ idp: { entityId: expected, certificates: [parties.idp.certificate], allowSha1: false } }),
    read: (r) => r.assertion.issuer,
  },
  {
    element: 'Audience',
    head: SP_ENTITY_ID,
    tail: '.evil.test',
    recipe: (signed) => ({ params: { audience: signed } }),
    settings: (expected) => ({ sp: { entityId: expected, acsUrl: settingsFor(parties).sp.acsUrl, decryptionKeys: [] } }),
    read: () => '(audience is checked, not returned)',
  },
  {
    element: 'AttributeValue',
    head: 'admin',
    tail: '.readonly',
    recipe: (signed) => ({ params: { attributes: { roles: [signed] } } }),
    settings: () => ({}),
    read: (r) => r.assertion.attributes.roles?.join('|') ?? '(none)',
  },
]

/** How a value `head + tail` is rewritten after signing, and what must come of it. */
const edits: readonly { name: string; edit: (head: string, tail: string) => string; outcome: 'as signed' | SamlFailureCode }[] = [
  { name: 'a processing instruction carrying the signed tail', edit: (h, t) => `${h}<?x ${t}?>`, outcome: 'value_has_markup' },
  { name: 'a comment splitting the value', edit: (h, t) => `${h}<!-- -->${t}`, outcome: 'value_has_markup' },
  { name: 'an empty comment at the end', edit: (h, t) => `${h}${t}<!---->`, outcome: 'value_has_markup' },
  { name: 'an element inserted into the value', edit: (h, t) => `${h}<x:y xmlns:x="urn:x"/>${t}`, outcome: 'signature_invalid' },
  { name: 'a processing instruction without data', edit: (h, t) => `${h}<?x?>${t}`, outcome: 'signature_invalid' },
  { name: 'an empty CDATA section', edit: (h, t) => `${h}<![CDATA[]]>${t}`, outcome: 'as signed' },
  { name: 'the tail rewritten as a CDATA section', edit: (h, t) => `${h}<![CDATA[${t}]]>`, outcome: 'as signed' },
  { name: "a character reference for the tail's first character", edit: (h, t) => `${h}&#${t.codePointAt(0)};${t.slice(1)}`, outcome: 'as signed' },
]

describe('a signed value edited after signing is read as signed or refused', () => {
  for (const t of [0, 1, 2, 3]) {
    for (const e of edits) {
      it(`${e.outcome === 'as signed' ? 'reads' : `refuses (${e.outcome})`} ${e.name} in target #${t}`, async () => {
        const target = targets()[t]!
        const signedValue = target.head + target.tail
        const signed = await craftXml(parties, target.recipe(signedValue))
        const tampered = signed.replaceAll(`>${signedValue}<`, `>${e.edit(target.head, target.tail)}<`)
        expect(tampered, `the edit landed in ${target.element}`).not.toBe(signed)
        // The attack's aim: the connection expects the head, as if the tail had never been signed.
        const attackSettings = settingsFor(parties, target.element === 'NameID' || target.element === 'AttributeValue' ? {} : target.settings(target.head))
        const result = await validateSamlResponse(toBase64(tampered), attackSettings)
        if (e.outcome === 'as signed') {
          // Read as signed means: for NameID and attributes the whole value; for Issuer and Audience
          // the whole value too, which does not match what the attack wanted.
          if (target.element === 'NameID' || target.element === 'AttributeValue') {
            expect(result.ok).toBe(true)
            if (result.ok) expect(target.read(result)).toBe(signedValue)
          } else {
            expect(result.ok ? 'accepted' : result.failure.code).toBe(target.element === 'Issuer' ? 'issuer_mismatch' : 'audience_mismatch')
          }
          const asSigned = await validateSamlResponse(toBase64(tampered), settingsFor(parties, target.settings(signedValue)))
          expect(asSigned.ok).toBe(true)
        } else {
          expect(result.ok ? `accepted, read ${target.read(result)}` : result.failure.code).toBe(e.outcome)
          if (!result.ok && result.failure.code === 'value_has_markup')
            expect(result.failure).toMatchObject({ element: expect.stringContaining(target.element) })
        }
      })
    }
    it(`accepts target #${t}'s value unedited, read exactly as signed`, async () => {
      const target = targets()[t]!
      const signedValue = target.head + target.tail
      const result = await validateSamlResponse(
        toBase64(await craftXml(parties, target.recipe(signedValue))),
        settingsFor(parties, target.settings(signedValue)),
      )
      expect(result.ok ? 'ok' : result.failure).toBe('ok')
      if (result.ok && target.element !== 'Audience' && target.element !== 'Issuer') expect(target.read(result)).toBe(signedValue)
      if (result.ok && target.element === 'Issuer') expect(result.assertion.issuer).toBe(signedValue)
    })
  }
})

describe('the canonicalizer and the reader agree on every node type a value may hold', () => {
  const canonicalText = (xml: string): string => {
    const el = new DOMParser().parseFromString(xml, 'text/xml').documentElement!
    const out = exclusiveC14n(el)
    return out
      .replace(/^<v>|<\/v>$/g, '')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&')
      .replaceAll('&#xD;', '\r')
  }
  const read = (xml: string) => readValue(new DOMParser().parseFromString(xml, 'text/xml').documentElement!)
  const rows: readonly { node: string; xml: string; reads: string /* or 'refused' */ }[] = [
    { node: 'text', xml: '<v>a&lt;b&amp;c</v>', reads: 'a<b&c' },
    { node: 'CDATA', xml: '<v>a<![CDATA[<b>&c]]></v>', reads: 'a<b>&c' },
    { node: 'character reference', xml: '<v>a&#64;&#x41;</v>', reads: 'a@A' },
    { node: 'text and CDATA mixed', xml: '<v>a<![CDATA[b]]>c<![CDATA[d]]></v>', reads: 'abcd' },
    { node: 'comment', xml: '<v>a<!--b-->c</v>', reads: 'refused' },
    { node: 'processing instruction', xml: '<v>a<?x b?>c</v>', reads: 'refused' },
    { node: 'element', xml: '<v>a<b/>c</v>', reads: 'refused' },
  ]
  for (const row of rows) {
    if (row.reads === 'refused') {
      it(`refuses a ${row.node}, whose canonical form (${JSON.stringify(canonicalText(row.xml))}) a DOM reader could read otherwise`, () => {
        expect(read(row.xml)).toHaveProperty('markup')
      })
    } else {
      it(`reads a ${row.node} exactly as the canonicalizer digests it`, () => {
        expect(read(row.xml)).toEqual({ text: row.reads })
        expect(canonicalText(row.xml)).toBe(row.reads)
      })
    }
  }
  it("shows the takeover the refusal stops: c14n digests an instruction's data as the value's text", () => {
    expect(canonicalText('<v>alice@acme.test<?x .evil.test?></v>')).toBe('alice@acme.test.evil.test')
    expect(canonicalText('<v>alice@acme.test.evil.test</v>')).toBe('alice@acme.test.evil.test')
    expect(read('<v>alice@acme.test<?x .evil.test?></v>')).toEqual({ markup: 'processing instruction' })
  })
})
