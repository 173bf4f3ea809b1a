/**
 * The ACS mutation fuzzer, bounded for `npm test` (item 15 of "Hardening"; engine in
 * test/saml/fuzz/, long runs in bench/fuzz/acs-fuzz.ts): genuinely signed responses mutated
 * structurally and textually, 1–3 mutations each. Every mutant must be refused, or accepted with
 * exactly the identity the IdP signed; the validator must never throw or hang. The run seed rotates
 * daily (UTC day number) and is printed with any finding, with the chain and a replay command.
 * Bounded by count and time, so a slow machine runs fewer mutants rather than longer.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { VerifiedAssertion } from '../../src/saml/read-assertion.js'
import { DEFAULT_TIMEOUT_MS, describeOutcome, MUTATION_KINDS, runMutant, type Outcome } from './fuzz/engine.js'
import { identityDifferences } from './fuzz/oracle.js'
import { createFuzzWorld, type FuzzWorld } from './fuzz/seeds.js'
import { emptyStats, formatStats, tally } from './fuzz/stats.js'

const MAX_MUTANTS = 20_000
const TIME_BUDGET_MS = 25_000
/** Even on a loaded machine the budget runs at least this many (else the test says so). */
const MIN_MUTANTS = 300
/** One validation slower than this is a crash (a hang in the making); generous, for a loaded machine. */
const PER_CALL_MS = DEFAULT_TIMEOUT_MS
const RUN_SEED = Math.floor(Date.now() / 86_400_000)

let world: FuzzWorld
beforeAll(async () => {
  world = await createFuzzWorld()
}, 60_000)

describe('the ACS mutation fuzzer', () => {
  it('accepts every seed as the IdP signed it', async () => {
    const { validateSamlResponse } = await import('../../src/saml/validate-response.js')
    for (const seed of world.seeds) {
      const result = await validateSamlResponse(Buffer.from(seed.xml).toString('base64'), world.settings)
      expect(result.ok ? identityDifferences(result.assertion, seed.expected) : result.failure.code, seed.name).toEqual([])
    }
  })

  it('flags an accepted identity that differs from the one signed, attribute names like __proto__ included', () => {
    const expected = world.seeds[0]!.expected
    const attributes = Object.create(null) as Record<string, string[]>
    for (const [name, values] of expected.attributes) attributes[name] = [...values]
    const read = { ...expectedAssertion(expected), attributes } as VerifiedAssertion
    expect(identityDifferences(read, expected)).toEqual([])
    expect(identityDifferences({ ...read, nameId: 'alice@example.tes' }, expected)).toHaveLength(1)
    const withoutProto = Object.create(null) as Record<string, string[]>
    for (const [name, values] of expected.attributes) if (name !== '__proto__') withoutProto[name] = [...values]
    expect(identityDifferences({ ...read, attributes: withoutProto }, expected)).toEqual([`attribute "__proto__": signed ["polluted"], not read`])
    expect(identityDifferences({ ...read, attributes: { ...attributes, role: ['owner'] } }, expected)).toEqual([`attribute "role": read ["owner"], not signed`])
  })

  it(
    `refuses every mutant or reads exactly what was signed, and never throws or hangs (run seed ${RUN_SEED})`,
    async () => {
      const stats = emptyStats()
      const findings: Outcome[] = []
      const started = performance.now()
      for (let index = 0; index < MAX_MUTANTS && performance.now() - started < TIME_BUDGET_MS; index++) {
        const outcome = await runMutant(world, RUN_SEED, index, PER_CALL_MS)
        tally(stats, outcome)
        if (outcome.verdict === 'violation' || outcome.verdict === 'crash') findings.push(outcome)
      }
      console.log(`acs-fuzz (bounded): ${((performance.now() - started) / 1000).toFixed(1)} s\n${formatStats(stats)}`)
      expect(findings.map((f) => describeOutcome(f, RUN_SEED))).toEqual([])
      expect(stats.mutants).toBeGreaterThanOrEqual(MIN_MUTANTS)
      // Not only garbage: some mutants are legitimately accepted (comments, character references,
      // whitespace, unsigned envelope changes), and every kind of mutation was applied.
      expect(stats.verdicts.accepted).toBeGreaterThan(stats.mutants / 50)
      expect(Object.keys(stats.kinds).sort()).toEqual([...MUTATION_KINDS].sort())
    },
    TIME_BUDGET_MS + 20_000,
  )
})

function expectedAssertion(expected: FuzzWorld['seeds'][number]['expected']): Omit<VerifiedAssertion, 'attributes'> {
  return {
    responseId: undefined,
    assertionId: expected.assertionId,
    issuer: expected.issuer,
    nameId: expected.nameId,
    nameIdFormat: undefined,
    sessionIndex: expected.sessionIndex,
    inResponseTo: expected.inResponseTo,
    validUntil: '',
    authnInstant: undefined,
    signed: { response: false, assertion: true },
    encrypted: false,
    signatureAlgorithm: '',
    warnings: [],
  }
}
