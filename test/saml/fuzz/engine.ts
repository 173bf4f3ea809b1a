/**
 * The ACS mutation fuzzer's engine: mutant `index` of a run seeded `runSeed` takes one of the
 * genuinely signed seeds, applies 1–3 mutations (DOM or text; for an encrypted seed also on the
 * plaintext Assertion, re-encrypted to the SP as anyone can), validates it, and judges it:
 * rejected (fine), accepted with exactly the signed identity (fine), accepted with anything else
 * (a violation), or the validator throwing or not answering in time (a crash).
 */
import { DOMParser, XMLSerializer, type Document } from '@xmldom/xmldom'
import { validateSamlResponse } from '../../../src/saml/validate-response.js'
import { DOM_MUTATORS } from './dom-mutators.js'
import { identityDifferences } from './oracle.js'
import { createRng, mutantSeed, type Rng } from './prng.js'
import type { FuzzWorld, Seed } from './seeds.js'
import { TEXT_MUTATORS } from './text-mutators.js'

export type Layer = 'response' | 'plaintext'
export interface Step {
  readonly kind: string
  readonly layer: Layer
  readonly description: string
}
export type Verdict = 'accepted' | 'rejected' | 'violation' | 'crash'

export interface Outcome {
  readonly index: number
  readonly mutantSeed: number
  readonly seed: string
  readonly chain: readonly Step[]
  readonly verdict: Verdict
  /** The failure code when rejected; what differs when a violation; the error when a crash. */
  readonly detail: string
  readonly ms: number
  /** The mutant as posted (decoded). */
  readonly xml: string
}

export const MUTATION_KINDS: readonly string[] = [...DOM_MUTATORS.map((m) => m.kind), ...TEXT_MUTATORS.map((m) => m.kind)]

/** A validation taking longer than this is a crash (a hang), wherever it stops. */
export const DEFAULT_TIMEOUT_MS = 10_000

interface Mutant {
  readonly seed: Seed
  readonly chain: readonly Step[]
  readonly xml: string
}

function parseLoosely(xml: string): Document | undefined {
  let broken = false
  try {
    const doc = new DOMParser({
      onError: (level) => {
        if (level !== 'warning') broken = true
      },
    }).parseFromString(xml, 'text/xml')
    return broken || doc.documentElement === null ? undefined : doc
  } catch {
    return undefined
  }
}

/** Applies `count` mutations to `xml`, switching between the DOM and the text as each needs. */
function mutate(xml: string, count: number, layer: Layer, rng: Rng, chain: Step[]): string {
  let text = xml
  let doc: Document | undefined
  for (let n = 0; n < count; n++) {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (rng.chance(0.6)) {
        const mutator = rng.pick(DOM_MUTATORS)
        if (doc === undefined) doc = parseLoosely(text)
        if (doc === undefined) continue
        let description: string | undefined
        try {
          description = mutator.apply(doc, rng)
        } catch (error) {
          // The DOM refused an operation half-way (e.g. a second document element): keep what was done.
          description = `${mutator.kind} stopped by the DOM: ${(error as Error).message.split('\n')[0]}`
        }
        if (description === undefined) continue
        chain.push({ kind: mutator.kind, layer, description })
        break
      } else {
        const mutator = rng.pick(TEXT_MUTATORS)
        if (doc !== undefined) {
          text = new XMLSerializer().serializeToString(doc)
          doc = undefined
        }
        const result = mutator.apply(text, rng)
        if (result === undefined) continue
        text = result.xml
        chain.push({ kind: mutator.kind, layer, description: result.description })
        break
      }
    }
  }
  return doc === undefined ? text : new XMLSerializer().serializeToString(doc)
}

export async function makeMutant(world: FuzzWorld, rng: Rng): Promise<Mutant> {
  const seed = rng.pick(world.seeds)
  const count = 1 + rng.int(3)
  const chain: Step[] = []
  let plaintextCount = 0
  if (seed.encrypted !== undefined) {
    for (let n = 0; n < count; n++) if (rng.chance(seed.responseSigned ? 0.15 : 0.5)) plaintextCount++
  }
  let xml = seed.xml
  if (seed.encrypted !== undefined && plaintextCount > 0) {
    const plaintext = mutate(seed.encrypted.plaintext, plaintextCount, 'plaintext', rng, chain)
    xml = seed.encrypted.before + (await world.encryptToSp(plaintext)) + seed.encrypted.after
  }
  xml = mutate(xml, count - plaintextCount, 'response', rng, chain)
  return { seed, chain, xml }
}

export async function runMutant(world: FuzzWorld, runSeed: number, index: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Outcome> {
  const seedOfMutant = mutantSeed(runSeed, index)
  const { seed, chain, xml } = await makeMutant(world, createRng(seedOfMutant))
  const base = { index, mutantSeed: seedOfMutant, seed: seed.name, chain, xml }
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const result = await Promise.race([
      validateSamlResponse(Buffer.from(xml, 'utf8').toString('base64'), world.settings),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs)
      }),
    ])
    const ms = performance.now() - started
    if (result === 'timeout' || ms > timeoutMs) return { ...base, verdict: 'crash', detail: `no answer within ${timeoutMs} ms`, ms }
    if (!result.ok) return { ...base, verdict: 'rejected', detail: result.failure.code, ms }
    const differences = identityDifferences(result.assertion, seed.expected)
    return differences.length === 0 ? { ...base, verdict: 'accepted', detail: '', ms } : { ...base, verdict: 'violation', detail: differences.join('; '), ms }
  } catch (error) {
    const stack = (error as Error).stack ?? String(error)
    return { ...base, verdict: 'crash', detail: stack.split('\n').slice(0, 4).join(' | '), ms: performance.now() - started }
  } finally {
    clearTimeout(timer)
  }
}

/** How to replay one mutant, printed with every finding. */
export function describeOutcome(outcome: Outcome, runSeed: number): string {
  return [
    `${outcome.verdict.toUpperCase()} run seed ${runSeed}, mutant #${outcome.index} (mutant seed ${outcome.mutantSeed}), seed response ${outcome.seed}`,
    ...outcome.chain.map((s, i) => `  ${i + 1}. [${s.kind}${s.layer === 'plaintext' ? ', in the encrypted plaintext' : ''}] ${s.description}`),
    `  → ${outcome.detail}`,
    `  replay: npx tsx bench/fuzz/acs-fuzz.ts --seed ${runSeed} --only ${outcome.index}`,
  ].join('\n')
}
