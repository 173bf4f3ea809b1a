/** The SCIM bench's summary: per database and operation, the median of the runs and each run's figures, against the targets. */
import { median, printTable } from '../acs/stats.js'

export interface Row {
  readonly db: string
  readonly what: string
  readonly inFlight: number
  readonly requests: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** Server CPU time per request, ms. */
  readonly cpuMs: number
  /** 1-minute load average at the end of the run. */
  readonly load: number
  readonly warmUp: boolean
}

const TARGETS: Record<string, { text: string; met: (rows: readonly Row[]) => boolean }> = {
  'GET filter userName eq': { text: 'p99 < 5 ms', met: (rows) => median(rows.map((r) => r.p99)) < 5 },
  'POST /Users': { text: '≥ 300/s (SQLite)', met: (rows) => median(rows.map((r) => r.rps)) >= 300 },
  'PATCH active=false': { text: 'p99 < 20 ms', met: (rows) => median(rows.map((r) => r.p99)) < 20 },
}

const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2))

export function printSummary(rows: readonly Row[]): void {
  console.log('\nMedians of the runs [each run]:\n')
  const groups = new Map<string, Row[]>()
  for (const r of rows) groups.set(`${r.db}\u0000${r.what}`, [...(groups.get(`${r.db}\u0000${r.what}`) ?? []), r])
  const table: string[][] = []
  for (const [key, runs] of groups) {
    const [db, what] = key.split('\u0000') as [string, string]
    const target = TARGETS[what]
    const applies = target !== undefined && !(what === 'POST /Users' && db !== 'sqlite')
    table.push([
      db,
      what,
      String(runs[0]!.inFlight),
      `${runs.length} × ${runs[0]!.requests}`,
      `${f(median(runs.map((r) => r.rps)))} [${runs.map((r) => f(r.rps)).join(', ')}]`,
      `${f(median(runs.map((r) => r.p50)))}`,
      `${f(median(runs.map((r) => r.p99)))} [${runs.map((r) => f(r.p99)).join(', ')}]`,
      f(median(runs.map((r) => r.cpuMs))),
      runs.map((r) => r.load.toFixed(1)).join(', '),
      applies ? `${target.text}: ${target.met(runs) ? 'met' : 'MISSED'}` : '–',
    ])
  }
  printTable(['db', 'operation', 'in flight', 'runs', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'load (1 min)', 'target'], table)
}
