/**
 * ACS micro-benchmark: Gatehouse's validateSamlResponse against @node-saml/node-saml configured as
 * a strict SP, in one process (pin it to one core: `taskset -c 0`, as `npm run bench:acs` does), on
 * the very same base64 responses. Before timing anything it checks that both accept every fixture
 * and both refuse a tampered copy, so both do the whole job on what is timed.
 *
 *   npx tsx bench/acs/validate.ts [--runs 7] [--run-ms 1000] [--fixture large] [--only gatehouse]
 *
 * Environment: BENCH_JSON=path writes the figures as JSON too.
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml'
import { cachedCertificate } from '../../src/saml/certificate.js'
import { generateKeyPair } from '../../src/saml/key-pair.js'
import { validateSamlResponse } from '../../src/saml/validate-response.js'
import { createTestIdp } from '../../test/helpers/test-idp.js'
import { EXPECTED_GROUPS, FIXTURE_KINDS, FIXTURE_LABEL, GROUPS_ATTRIBUTE, makeResponse, makeTamperedResponse, type FixtureKind } from './fixtures.js'
import { fmt, median, parseArgs, printTable, spread } from './stats.js'

const args = parseArgs(process.argv.slice(2))
const RUNS = Math.max(5, Number(args.runs ?? 7))
const RUN_MS = Number(args['run-ms'] ?? 1000)
const WARMUP_MS = Number(args['warmup-ms'] ?? 1500)
const kinds = args.fixture === undefined ? FIXTURE_KINDS : (args.fixture.split(',') as FixtureKind[])
const only = args.only as 'gatehouse' | 'node-saml' | undefined

const LOAD_AT_START = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')
const TARGET: Record<FixtureKind, number> = { small: 5, medium: 0, large: 3, encrypted: 3 }

const idp = await createTestIdp('bench-idp', 'https://idp.bench.test/metadata')
const spKeys = await generateKeyPair({ commonName: 'Gatehouse bench SP', notBefore: new Date('2025-01-01T00:00:00Z'), years: 5 })
const SP = { entityId: 'https://gatehouse.bench.test/saml/acme', acsUrl: 'https://gatehouse.bench.test/saml/acme/acs', certificatePem: spKeys.certificatePem }

/** Exactly what core/saml-sign-in.ts passes per request (certificates resolved through the KeyObject cache). */
const gatehouse = async (samlResponse: string) =>
  validateSamlResponse(samlResponse, {
    sp: { entityId: SP.entityId, acsUrl: SP.acsUrl, decryptionKeys: [spKeys.privateKeyPem] },
    idp: { entityId: idp.entityId, certificates: [idp.certificatePem].map((pem) => cachedCertificate(pem)), allowSha1: false },
    requireEncryptedAssertion: false,
    clockSkewMs: 180_000,
    now: new Date(),
  })

/** node-saml as a strict SP: only signed assertions, our audience, 3 min skew, unsolicited responses allowed. */
const saml = new SAML({
  idpCert: idp.certificatePem,
  idpIssuer: idp.entityId,
  issuer: SP.entityId,
  audience: SP.entityId,
  callbackUrl: SP.acsUrl,
  wantAuthnResponseSigned: false,
  wantAssertionsSigned: true,
  acceptedClockSkewMs: 180_000,
  validateInResponseTo: ValidateInResponseTo.never,
  privateKey: spKeys.privateKeyPem,
  decryptionPvk: spKeys.privateKeyPem,
})
const nodeSaml = async (samlResponse: string) => saml.validatePostResponseAsync({ SAMLResponse: samlResponse })

// --- Equal work: both accept each fixture (reading the same identity), both refuse a tampered copy ---

const fixtures = new Map<FixtureKind, { base64: string; xmlBytes: number }>()
for (const kind of kinds) {
  const base64 = await makeResponse(kind, { idp, sp: SP, user: 7 })
  const tampered = await makeTamperedResponse(kind, { idp, sp: SP, user: 7 })
  const g = await gatehouse(base64)
  if (!g.ok) throw new Error(`${kind}: Gatehouse refused the fixture: ${JSON.stringify(g.failure)}`)
  if (g.assertion.nameId !== 'user7@example.test' || g.assertion.attributes[GROUPS_ATTRIBUTE]?.length !== EXPECTED_GROUPS[kind]) {
    throw new Error(`${kind}: Gatehouse read the wrong identity`)
  }
  const n = await nodeSaml(base64)
  const groups = n.profile?.[GROUPS_ATTRIBUTE]
  const groupCount = Array.isArray(groups) ? groups.length : groups === undefined ? 0 : 1
  if (n.profile?.nameID !== 'user7@example.test' || groupCount !== EXPECTED_GROUPS[kind]) throw new Error(`${kind}: node-saml read the wrong identity`)
  const gt = await gatehouse(tampered)
  if (gt.ok) throw new Error(`${kind}: Gatehouse accepted a tampered response`)
  const nt = await nodeSaml(tampered).then(
    () => 'accepted',
    (e: Error) => e.message,
  )
  if (nt === 'accepted') throw new Error(`${kind}: node-saml accepted a tampered response`)
  const xmlBytes = Buffer.from(base64, 'base64').length
  fixtures.set(kind, { base64, xmlBytes })
  console.log(
    `${kind.padEnd(9)} ${(xmlBytes / 1024).toFixed(1).padStart(5)} KB XML, ${(base64.length / 1024).toFixed(1).padStart(6)} KB base64: both accept; tampered copy refused by both (Gatehouse: ${gt.failure.code}; node-saml: ${nt})`,
  )
}

// --- Timing ------------------------------------------------------------------------------------

interface Sample {
  /** Validations per wall-clock second. */
  wall: number
  /** Validations per second of this process's CPU time (user + system): what contention cannot take away. */
  cpu: number
}

async function opsPerSecond(fn: (s: string) => Promise<unknown>, input: string, ms: number): Promise<Sample> {
  let n = 0
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  let now: number
  do {
    await fn(input)
    n++
    now = performance.now()
  } while (now - start < ms)
  const cpu = process.cpuUsage(cpu0)
  return { wall: n / ((now - start) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) }
}

interface Row {
  kind: FixtureKind
  xmlBytes: number
  gatehouse: number[]
  nodeSaml: number[]
  gatehouseCpu: number[]
  nodeSamlCpu: number[]
}

const rows: Row[] = []
for (const kind of kinds) {
  const { base64, xmlBytes } = fixtures.get(kind)!
  const row: Row = { kind, xmlBytes, gatehouse: [], nodeSaml: [], gatehouseCpu: [], nodeSamlCpu: [] }
  if (only !== 'node-saml') await opsPerSecond(gatehouse, base64, WARMUP_MS)
  if (only !== 'gatehouse') await opsPerSecond(nodeSaml, base64, WARMUP_MS)
  for (let run = 0; run < RUNS; run++) {
    // Alternate which goes first, so neither always runs right after the other's garbage.
    const order = run % 2 === 0 ? (['g', 'n'] as const) : (['n', 'g'] as const)
    for (const who of order) {
      if (who === 'g' && only !== 'node-saml') {
        const s = await opsPerSecond(gatehouse, base64, RUN_MS)
        row.gatehouse.push(s.wall)
        row.gatehouseCpu.push(s.cpu)
      }
      if (who === 'n' && only !== 'gatehouse') {
        const s = await opsPerSecond(nodeSaml, base64, RUN_MS)
        row.nodeSaml.push(s.wall)
        row.nodeSamlCpu.push(s.cpu)
      }
    }
  }
  rows.push(row)
  process.stdout.write(`  timed ${kind}\n`)
}

// --- Report ------------------------------------------------------------------------------------

console.log(
  `\nValidations/s, ${RUNS} runs of ${RUN_MS} ms each (median [min–max]); node ${process.version}, pid ${process.pid}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (was ${LOAD_AT_START})`,
)
console.log('ratio = Gatehouse median / node-saml median [range of per-run ratios, each run against the node-saml run beside it]')
console.log('"/CPU-s" = validations per second of process CPU time; µs columns are CPU time per validation\n')
const header = [
  'fixture',
  'XML KB',
  'Gatehouse /s',
  'node-saml /s',
  'ratio',
  'target',
  'GH /CPU-s',
  'NS /CPU-s',
  'CPU ratio',
  'GH µs',
  'GH µs/KB',
  'NS µs',
  'NS µs/KB',
]
const table: string[][] = []
for (const r of rows) {
  const kb = r.xmlBytes / 1024
  const g = median(r.gatehouse)
  const n = median(r.nodeSaml)
  const gc = median(r.gatehouseCpu)
  const nc = median(r.nodeSamlCpu)
  const ratio = g / n
  const target = TARGET[r.kind]
  table.push([
    FIXTURE_LABEL[r.kind],
    kb.toFixed(1),
    r.gatehouse.length ? `${fmt(g)} [${spread(r.gatehouse)}]` : '–',
    r.nodeSaml.length ? `${fmt(n)} [${spread(r.nodeSaml)}]` : '–',
    // Ratio of medians, then the range of the per-run ratios (each Gatehouse run against the node-saml run beside it).
    Number.isFinite(ratio) ? `${ratio.toFixed(2)}× [${pairedRatios(r.gatehouse, r.nodeSaml)}]` : '–',
    target === 0 ? '–' : `≥ ${target}× ${Number.isFinite(ratio) ? (ratio >= target ? 'met' : 'MISSED') : ''}`,
    fmt(gc),
    fmt(nc),
    Number.isFinite(gc / nc) ? `${(gc / nc).toFixed(2)}× [${pairedRatios(r.gatehouseCpu, r.nodeSamlCpu)}]` : '–',
    gc ? (1e6 / gc).toFixed(0) : '–',
    gc ? (1e6 / gc / kb).toFixed(1) : '–',
    nc ? (1e6 / nc).toFixed(0) : '–',
    nc ? (1e6 / nc / kb).toFixed(1) : '–',
  ])
}
printTable(header, table)

// Linearity over the three signed-only sizes: least squares time = a + b·KB.
const linear = rows.filter((r) => r.kind !== 'encrypted')
if (linear.length >= 2) {
  for (const [name, pick] of [
    ['Gatehouse', (r: Row) => r.gatehouseCpu],
    ['node-saml', (r: Row) => r.nodeSamlCpu],
  ] as const) {
    const points = linear.filter((r) => pick(r).length > 0).map((r) => [r.xmlBytes / 1024, 1e6 / median(pick(r))] as const)
    if (points.length < 2) continue
    const fit = leastSquares(points)
    console.log(
      `${name.padEnd(9)} CPU time ≈ ${fit.a.toFixed(0)} µs + ${fit.b.toFixed(1)} µs/KB × size (R² = ${fit.r2.toFixed(4)}, least squares over ${points.map(([x]) => x.toFixed(0)).join('/')} KB)`,
    )
  }
}

if (process.env.BENCH_JSON) {
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify({ node: process.version, runs: RUNS, runMs: RUN_MS, loadAtStart: LOAD_AT_START, loadAtEnd: loadavg(), rows }, null, 2),
  )
}

function pairedRatios(a: readonly number[], b: readonly number[]): string {
  const ratios = a.map((v, i) => v / b[i]!).filter(Number.isFinite)
  return ratios.length === 0 ? '–' : `${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}`
}

function leastSquares(points: ReadonlyArray<readonly [number, number]>) {
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  const b = sxy / sxx
  const a = my - b * mx
  const ssTot = points.reduce((s, [, y]) => s + (y - my) ** 2, 0)
  const ssRes = points.reduce((s, [x, y]) => s + (y - (a + b * x)) ** 2, 0)
  return { a, b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot }
}
