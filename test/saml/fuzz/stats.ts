/** Tallies of a fuzz run: verdicts, per mutation kind (mutants using it, and how many were accepted), per seed, per failure code. */
import type { Outcome, Verdict } from './engine.js'

export interface KindTally {
  mutants: number
  accepted: number
}
export interface FuzzStats {
  mutants: number
  verdicts: Record<Verdict, number>
  kinds: Record<string, KindTally>
  seeds: Record<string, KindTally>
  codes: Record<string, number>
  /** Mutants with no mutation applied (nothing to act on). */
  unmutated: number
}

export function emptyStats(): FuzzStats {
  return { mutants: 0, verdicts: { accepted: 0, rejected: 0, violation: 0, crash: 0 }, kinds: {}, seeds: {}, codes: {}, unmutated: 0 }
}

export function tally(stats: FuzzStats, outcome: Outcome): void {
  stats.mutants++
  stats.verdicts[outcome.verdict]++
  if (outcome.chain.length === 0) stats.unmutated++
  const accepted = outcome.verdict === 'accepted' || outcome.verdict === 'violation' ? 1 : 0
  for (const kind of new Set(outcome.chain.map((s) => s.kind))) {
    const k = (stats.kinds[kind] ??= { mutants: 0, accepted: 0 })
    k.mutants++
    k.accepted += accepted
  }
  const s = (stats.seeds[outcome.seed] ??= { mutants: 0, accepted: 0 })
  s.mutants++
  s.accepted += accepted
  if (outcome.verdict === 'rejected') stats.codes[outcome.detail] = (stats.codes[outcome.detail] ?? 0) + 1
}

export function merge(into: FuzzStats, from: FuzzStats): void {
  into.mutants += from.mutants
  into.unmutated += from.unmutated
  for (const v of Object.keys(from.verdicts) as Verdict[]) into.verdicts[v] += from.verdicts[v]
  for (const [name, t] of Object.entries(from.kinds)) {
    const k = (into.kinds[name] ??= { mutants: 0, accepted: 0 })
    k.mutants += t.mutants
    k.accepted += t.accepted
  }
  for (const [name, t] of Object.entries(from.seeds)) {
    const k = (into.seeds[name] ??= { mutants: 0, accepted: 0 })
    k.mutants += t.mutants
    k.accepted += t.accepted
  }
  for (const [code, n] of Object.entries(from.codes)) into.codes[code] = (into.codes[code] ?? 0) + n
}

const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(2)} %`)

export function formatStats(stats: FuzzStats): string {
  const lines = [
    `mutants ${stats.mutants}: accepted ${stats.verdicts.accepted} (${pct(stats.verdicts.accepted, stats.mutants)}), rejected ${stats.verdicts.rejected}, violations ${stats.verdicts.violation}, crashes ${stats.verdicts.crash}, unmutated ${stats.unmutated}`,
    'per mutation kind (mutants using it / accepted):',
    ...Object.entries(stats.kinds)
      .sort()
      .map(([k, t]) => `  ${k.padEnd(16)} ${String(t.mutants).padStart(9)} ${String(t.accepted).padStart(8)}  ${pct(t.accepted, t.mutants)}`),
    'per seed response:',
    ...Object.entries(stats.seeds)
      .sort()
      .map(([k, t]) => `  ${k.padEnd(28)} ${String(t.mutants).padStart(9)} ${String(t.accepted).padStart(8)}  ${pct(t.accepted, t.mutants)}`),
    'refusals by code:',
    ...Object.entries(stats.codes)
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `  ${c.padEnd(32)} ${n}`),
  ]
  return lines.join('\n')
}
