/** Small statistics and formatting helpers shared by the ACS benchmarks. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** A figure with sensible precision: 12 345, 123, 12.3, 1.23. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '–'
  if (value >= 1000) return Math.round(value).toLocaleString('en-US')
  if (value >= 100) return value.toFixed(0)
  if (value >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

/** "min–max" of the runs. */
export function spread(values: readonly number[]): string {
  if (values.length === 0) return '–'
  return `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`
}

/** Prints rows as a plain aligned table, first column left-aligned. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log(line(headers))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
  console.log()
}

/** `--key value`, `--key=value` and bare `--flag` (= 'true'). */
export function parseArgs(argv: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined]
      out[k] = v ?? (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--') ? 'true' : argv[++i])
    }
  }
  return out
}
