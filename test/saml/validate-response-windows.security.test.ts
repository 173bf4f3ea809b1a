/** DESIGN §4: the validity windows, the clock skew and validUntil, to the millisecond. The clock is fixed at NOW. */
import { type Document, type Element } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import { type ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { at, compose, createParties, find, minutes, NAME_ID, NOW, setAttribute, type Parties, type Recipe } from './response-recipe.js'
import { validateWith, verdict, HOLDER_OF_KEY } from './validate-response-support.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const validate = (recipe: Recipe, settings?: Partial<ResponseValidationSettings>) => validateWith(parties, recipe, settings)

/**
 * Validity windows (SAML core §2.5.1.2): NotBefore is inclusive, NotOnOrAfter exclusive, both
 * widened by the skew. So NotBefore = now + skew is the last accepted bound (1 ms later is refused),
 * and NotOnOrAfter = now − skew + 1 ms is the last accepted one (now − skew itself is refused).
 * Whatever clockSkewMs asks, the skew is bounded to 5 minutes.
 */
describe('validateSamlResponse: clock skew is applied exactly and bounded', () => {
  const windows = [
    { bound: 'Conditions NotBefore', skew: undefined, effective: minutes(3), element: 'Conditions', attr: 'NotBefore', code: 'not_yet_valid' },
    { bound: 'Conditions NotBefore', skew: minutes(60), effective: minutes(5), element: 'Conditions', attr: 'NotBefore', code: 'not_yet_valid' },
    { bound: 'Conditions NotBefore', skew: 0, effective: 0, element: 'Conditions', attr: 'NotBefore', code: 'not_yet_valid' },
    { bound: 'Conditions NotOnOrAfter', skew: undefined, effective: minutes(3), element: 'Conditions', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'Conditions NotOnOrAfter', skew: minutes(60), effective: minutes(5), element: 'Conditions', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'Conditions NotOnOrAfter', skew: -minutes(10), effective: 0, element: 'Conditions', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'bearer NotOnOrAfter', skew: undefined, effective: minutes(3), element: 'SubjectConfirmationData', attr: 'NotOnOrAfter', code: 'expired' },
    { bound: 'bearer NotOnOrAfter', skew: minutes(60), effective: minutes(5), element: 'SubjectConfirmationData', attr: 'NotOnOrAfter', code: 'expired' },
  ] as const

  for (const w of windows) {
    const asked = w.skew === undefined ? 'the default skew' : `clockSkewMs ${w.skew}`
    const settings: Partial<ResponseValidationSettings> = w.skew === undefined ? {} : { clockSkewMs: w.skew }
    // Last accepted and first refused bound.
    const [accepted, refused] = w.attr === 'NotBefore' ? [w.effective, w.effective + 1] : [-w.effective + 1, -w.effective]
    it(`rejects a ${w.bound} of now ${sign(refused)} with ${asked} (${w.effective / 1000} s effective) as ${w.code}`, async () => {
      expect(verdict(await validate({ before: setAttribute(w.element, w.attr, at(refused)) }, settings))).toBe(w.code)
    })
    it(`accepts a ${w.bound} of now ${sign(accepted)} with ${asked}`, async () => {
      expect(verdict(await validate({ before: setAttribute(w.element, w.attr, at(accepted)) }, settings))).toEqual({ nameId: NAME_ID })
    })
  }

  function sign(ms: number): string {
    return `${ms < 0 ? '−' : '+'} ${Math.abs(ms)} ms`
  }
})

/**
 * The replay cache keeps an assertion ID until `validUntil` and may sweep it then (store
 * deleteExpired). So the validator must never accept the assertion at or after `validUntil`, or a
 * swept ID can be replayed in the skew window after NotOnOrAfter.
 */
describe('validateSamlResponse: validUntil covers every instant the assertion is accepted', () => {
  const notOnOrAfter = NOW.getTime() + minutes(5)
  const windows = [
    { skew: undefined, effective: minutes(3) },
    { skew: minutes(60), effective: minutes(5) },
    { skew: 0, effective: 0 },
  ]
  for (const w of windows) {
    const settings = (now: number): Partial<ResponseValidationSettings> => ({ now: new Date(now), ...(w.skew === undefined ? {} : { clockSkewMs: w.skew }) })
    const recipe: Recipe = { params: { notOnOrAfter: new Date(notOnOrAfter) } }
    it(`rejects the assertion at its validUntil (clockSkewMs ${w.skew ?? 'default'}) as expired`, async () => {
      const first = await validate(recipe, settings(NOW.getTime()))
      expect(first.ok).toBe(true)
      if (!first.ok) return
      expect(first.assertion.validUntil).toBe(new Date(notOnOrAfter + w.effective).toISOString())
      expect(verdict(await validate(recipe, settings(Date.parse(first.assertion.validUntil))))).toBe('expired')
    })
    it(`accepts it 1 ms before its validUntil (clockSkewMs ${w.skew ?? 'default'}), still inside the replay window`, async () => {
      const first = await validate(recipe, settings(NOW.getTime()))
      const validUntil = Date.parse(first.ok ? first.assertion.validUntil : '')
      expect(verdict(await validate(recipe, settings(validUntil - 1)))).toEqual({ nameId: NAME_ID })
    })
  }

  it('takes the latest bound of several bearer confirmations and the Conditions, in UTC', async () => {
    const later = (doc: Document) => {
      const c = find(doc, 'SubjectConfirmation')
      const second = c.cloneNode(true) as Element
      find(second, 'SubjectConfirmationData').setAttribute('NotOnOrAfter', '2026-01-01T01:10:00+01:00')
      c.parentNode!.insertBefore(second, c)
    }
    const result = await validate({ before: compose(later, setAttribute('SubjectConfirmation', 'Method', HOLDER_OF_KEY)) })
    expect(result.ok && result.assertion.validUntil).toBe(new Date(NOW.getTime() + minutes(10) + minutes(3)).toISOString())
  })
})
