/** The report of bench/acs/http.ts: the tables, the RSS line, the controls, and BENCH_JSON. */
import { loadavg } from 'node:os'
import { FIXTURE_LABEL, type FixtureKind } from './fixtures.js'
import { fmt, median, printTable, spread } from './stats.js'

export type Server = 'gatehouse' | 'gatehouse-orgs' | 'node-saml' | 'control'
export type Measured = Exclude<Server, 'control'>
export const isGatehouse = (server: Server) => server === 'gatehouse' || server === 'gatehouse-orgs'
export interface Run {
  kind: FixtureKind
  connections: number
  server: Server
  requests: number
  seconds: number
  rps: number
  /** Server CPU time (user + system, all its threads) per request, ms: what the run cost it. */
  cpuMsPerRequest: number
  p50: number
  p99: number
  failures: number
  statuses: Record<string, number>
  peakRssMb?: number
}

export interface Control {
  connections: number
  burnMs: number
  p50: number[]
  p99: number[]
  rps: number[]
}

export interface ReportInput {
  runs: Run[]
  controls: Control[]
  kinds: readonly FixtureKind[]
  CONNECTIONS: number[]
  RUNS: number
  ORGS: number
  idleRssMb: number
}

/** Prints the report to stdout (and writes BENCH_JSON when set). */
export function printReport({ runs, controls, kinds, CONNECTIONS, RUNS, ORGS, idleRssMb }: ReportInput): void {
  const cell = (kind: FixtureKind, connections: number, server: Server) =>
    runs.filter((r) => r.kind === kind && r.connections === connections && r.server === server)
  console.log(`\nACS over HTTP: req/s median [min–max] of ${RUNS} runs; latency medians in ms; failures = non-2xx/3xx + errors + timeouts;`)
  console.log(
    `CPU ms/req = server CPU time per request (median); CPU ratio = node-saml's CPU per request / Gatehouse's. Load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  )
  const head = [
    'fixture',
    'conns',
    'Gatehouse req/s',
    'p50',
    'p99',
    'p99/p50',
    'fail',
    'CPU ms/req',
    'node-saml req/s',
    'p50',
    'p99',
    'fail',
    'CPU ms/req',
    'ratio',
    'CPU ratio',
    'GH peak RSS',
    'targets (≥ 5×, p99 ≤ 3×p50, 0 fail)',
  ]
  const body: string[][] = []
  for (const kind of kinds) {
    for (const connections of CONNECTIONS) {
      const g = cell(kind, connections, 'gatehouse')
      const n = cell(kind, connections, 'node-saml')
      const gp50 = median(g.map((r) => r.p50))
      const gp99 = median(g.map((r) => r.p99))
      body.push([
        FIXTURE_LABEL[kind],
        String(connections),
        `${fmt(median(g.map((r) => r.rps)))} [${spread(g.map((r) => r.rps))}]`,
        fmt(gp50),
        fmt(gp99),
        `${(gp99 / gp50).toFixed(2)}`,
        String(g.reduce((s, r) => s + r.failures, 0)),
        fmt(median(g.map((r) => r.cpuMsPerRequest))),
        `${fmt(median(n.map((r) => r.rps)))} [${spread(n.map((r) => r.rps))}]`,
        fmt(median(n.map((r) => r.p50))),
        fmt(median(n.map((r) => r.p99))),
        String(n.reduce((s, r) => s + r.failures, 0)),
        fmt(median(n.map((r) => r.cpuMsPerRequest))),
        `${(median(g.map((r) => r.rps)) / median(n.map((r) => r.rps))).toFixed(1)}×`,
        `${(median(n.map((r) => r.cpuMsPerRequest)) / median(g.map((r) => r.cpuMsPerRequest))).toFixed(1)}×`,
        `${Math.max(...g.map((r) => r.peakRssMb ?? 0)).toFixed(0)} MB`,
        [
          median(g.map((r) => r.rps)) / median(n.map((r) => r.rps)) >= 5 ? 'ratio met' : 'ratio MISSED',
          gp99 <= 3 * gp50 ? 'tail met' : 'tail MISSED',
          g.every((r) => r.failures === 0) ? 'no errors' : 'ERRORS',
        ].join(', '),
      ])
    }
  }
  printTable(head, body)
  // The tail target is judged on the medians above; each run's own ratio shows how much they move.
  for (const kind of kinds) {
    for (const connections of CONNECTIONS) {
      const g = cell(kind, connections, 'gatehouse')
      console.log(
        `Gatehouse ${FIXTURE_LABEL[kind]} × ${connections}, each run: p99/p50 ${g.map((r) => (r.p99 / r.p50).toFixed(1)).join(', ')}; ${fmt(median(g.map((r) => r.requests)))} requests, ${median(g.map((r) => r.seconds)).toFixed(1)} s`,
      )
    }
  }
  if (ORGS > 0) {
    console.log(`Gatehouse with ${ORGS.toLocaleString('en-US')} more orgs in its database (same responses, same alternation) against Gatehouse with one org:\n`)
    const orgsBody: string[][] = []
    for (const kind of kinds) {
      for (const connections of CONNECTIONS) {
        const one = cell(kind, connections, 'gatehouse')
        const many = cell(kind, connections, 'gatehouse-orgs')
        const row = (rs: Run[]) => [
          `${fmt(median(rs.map((r) => r.rps)))} [${spread(rs.map((r) => r.rps))}]`,
          fmt(median(rs.map((r) => r.p50))),
          fmt(median(rs.map((r) => r.p99))),
          fmt(median(rs.map((r) => r.cpuMsPerRequest))),
          `${spread(rs.map((r) => r.cpuMsPerRequest))}`,
        ]
        orgsBody.push([
          FIXTURE_LABEL[kind],
          String(connections),
          ...row(one),
          ...row(many),
          `${(median(many.map((r) => r.cpuMsPerRequest)) / median(one.map((r) => r.cpuMsPerRequest))).toFixed(2)}`,
          String(many.reduce((s, r) => s + r.failures, 0)),
          `${Math.max(...many.map((r) => r.peakRssMb ?? 0)).toFixed(0)} MB`,
        ])
      }
    }
    printTable(
      [
        'fixture',
        'conns',
        '1 org req/s',
        'p50',
        'p99',
        'CPU ms/req',
        'CPU range',
        `${ORGS} orgs req/s`,
        'p50',
        'p99',
        'CPU ms/req',
        'CPU range',
        'CPU N/1',
        'fail',
        'peak RSS',
      ],
      orgsBody,
    )
  }
  const peak64 = Math.max(0, ...runs.filter((r) => isGatehouse(r.server) && r.connections === 64).map((r) => r.peakRssMb ?? 0))
  const peakAll = Math.max(0, ...runs.filter((r) => isGatehouse(r.server)).map((r) => r.peakRssMb ?? 0))
  console.log(
    `Gatehouse RSS: ${idleRssMb.toFixed(0)} MB after start (idle); peak ${peak64.toFixed(0)} MB during the 64-connection runs, ${peakAll.toFixed(0)} MB over all runs (DESIGN §6: < 200 MB)`,
  )
  for (const c of controls) {
    const p50 = median(c.p50)
    const p99 = median(c.p99)
    console.log(
      `Control (bare Fastify route burning ${c.burnMs.toFixed(2)} ms CPU per request, no SAML/DB/logs), ${c.connections} connections: ${fmt(median(c.rps))} req/s, p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, p99/p50 ${(p99 / p50).toFixed(2)} [runs: ${c.p50.map((v, i) => (c.p99[i]! / v).toFixed(1)).join(', ')}]`,
    )
  }
  console.log(
    `Gatehouse served ${runs.filter((r) => r.server === 'gatehouse').reduce((s, r) => s + r.requests, 0)} measured sign-ins (plus warm-ups) in one process${ORGS > 0 ? `; the seeded one ${runs.filter((r) => r.server === 'gatehouse-orgs').reduce((s, r) => s + r.requests, 0)}` : ''}`,
  )
}
