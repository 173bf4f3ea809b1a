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
