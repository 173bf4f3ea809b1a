/**
 * DESIGN §4, one pair per attack: the response with the defect is refused with its own failure
 * code, and the same response without the defect — correctly signed by the connection's IdP with
 * real xml-crypto signatures — is accepted. Every code validateSamlResponse can return is covered
 * (the coverage test at the end fails when a new code has no pair). The clock is fixed at NOW.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { SAML_FAILURE_CODES, type SamlFailureCode } from '../../src/saml/failure.js'
import { type ResponseValidationSettings } from '../../src/saml/validate-response.js'
import { createParties, NAME_ID, withDefect, type Parties, type Recipe } from './response-recipe.js'
import { validateWith, verdict, DECIDED_IN_CORE } from './validate-response-support.js'

let parties: Parties
beforeAll(async () => {
  parties = await createParties()
})

const validate = (recipe: Recipe, settings?: Partial<ResponseValidationSettings>) => validateWith(parties, recipe, settings)

import { WIRE_PAIRS } from './validate-response-pairs-wire.js'
import { CONTENT_PAIRS } from './validate-response-pairs-content.js'

const PAIRS = [...WIRE_PAIRS, ...CONTENT_PAIRS]

describe('validateSamlResponse: every check is a pair', () => {
  for (const pair of PAIRS) {
    const base = pair.base ?? {}
    it(`rejects ${pair.attack} with ${pair.code}`, async () => {
      const settings = { ...pair.settings?.(parties), ...pair.attackSettings?.(parties) }
      expect(verdict(await validate(withDefect(base, pair.defect), settings))).toBe(pair.code)
    })
    it(`accepts the same response without that defect (${pair.code} pair)`, async () => {
      expect(verdict(await validate(base, pair.settings?.(parties)))).toEqual({ nameId: NAME_ID })
    })
  }
})

describe('validateSamlResponse: coverage', () => {
  it('has a reject/accept pair for every code the validator can return', () => {
    const covered = new Set<SamlFailureCode>(PAIRS.map((p) => p.code))
    const missing = SAML_FAILURE_CODES.filter((code) => !DECIDED_IN_CORE.includes(code) && !covered.has(code))
    expect(missing).toEqual([])
  })
})
