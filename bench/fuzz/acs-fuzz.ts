/**
 * The ACS mutation fuzzer's long runner (item 15 of "Hardening"; the engine is test/saml/fuzz/):
 * mutants 0 … N−1 of a run seed, spread over worker threads (mutant i goes to worker i mod W), with
 * progress lines, a watchdog for hangs, and a summary (text and JSON) at the end.
 *
 *   npx tsx bench/fuzz/acs-fuzz.ts --mutations 1000000 --seed 7 [--workers 2] [--summary path]
 *   npx tsx bench/fuzz/acs-fuzz.ts --seed 7 --only 12345     # replays one mutant: chain, verdict, diff
 *
 * A violation (accepted with another identity than the one signed) or a crash (a throw, or no
 * answer within the watchdog's bound) is printed in full with its replay line; the exit code is 1
 * when there was any.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname } from 'node:path'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { describeOutcome, runMutant, type Outcome } from '../../test/saml/fuzz/engine.js'
import { createFuzzWorld } from '../../test/saml/fuzz/seeds.js'
import { emptyStats, formatStats, merge, tally, type FuzzStats } from '../../test/saml/fuzz/stats.js'

interface WorkerInput {
  readonly runSeed: number
  readonly mutations: number
  readonly workers: number
  readonly worker: number
  readonly from: number
  readonly beat: SharedArrayBuffer
}
type WorkerMessage =
  | { readonly type: 'stats'; readonly stats: FuzzStats; readonly next: number }
  | { readonly type: 'finding'; readonly outcome: Outcome }
  | { readonly type: 'done'; readonly stats: FuzzStats }

/** Progress and stats flush every this many mutants per worker. */
const FLUSH_EVERY = 500
/** A mutant still running after this long is a hang: its worker is ended and restarted past it. */
const HANG_MS = 60_000

if (!isMainThread) await work(workerData as WorkerInput)
else await main()

async function work(input: WorkerInput): Promise<void> {
  const world = await createFuzzWorld()
  const beat = new Int32Array(input.beat)
  let stats = emptyStats()
  for (let i = input.from; i < input.mutations; i += input.workers) {
    Atomics.store(beat, input.worker, i)
    const outcome = await runMutant(world, input.runSeed, i, HANG_MS)
    tally(stats, outcome)
    if (outcome.verdict === 'violation' || outcome.verdict === 'crash') parentPort!.postMessage({ type: 'finding', outcome } satisfies WorkerMessage)
    if (stats.mutants >= FLUSH_EVERY) {
      parentPort!.postMessage({ type: 'stats', stats, next: i + input.workers } satisfies WorkerMessage)
      stats = emptyStats()
    }
  }
  parentPort!.postMessage({ type: 'done', stats } satisfies WorkerMessage)
}

function parseArgs(argv: readonly string[]): Record<string, string> {
  const args: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) args[a.slice(2)] = argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'true'
  }
  return args
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const runSeed = Number(args.seed ?? 1) >>> 0
  if (args.only !== undefined) return replay(runSeed, Number(args.only))
  const mutations = Number(args.mutations ?? 1_000_000)
  const workers = Math.max(1, Number(args.workers ?? Math.min(2, cpus().length)))
  const summaryPath = args.summary ?? `bench/fuzz/results/acs-fuzz-seed-${runSeed}.txt`
  const commit = gitCommit()
  console.log(
    `acs-fuzz: ${mutations} mutants of run seed ${runSeed} on ${workers} workers (commit ${commit}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  )

  const total = emptyStats()
  const findings: Outcome[] = []
  const beat = new SharedArrayBuffer(4 * workers)
  const beats = new Int32Array(beat)
  const started = Date.now()
  let lastProgress = started

  const progress = (final = false) => {
    const seconds = (Date.now() - started) / 1000
    const rate = total.mutants / Math.max(seconds, 0.001)
    const eta = rate > 0 ? (mutations - total.mutants) / rate : Number.NaN
    console.log(
      `${final ? 'done' : 'progress'} ${seconds.toFixed(0)} s: ${total.mutants}/${mutations} (${rate.toFixed(0)}/s, eta ${eta.toFixed(0)} s) accepted ${total.verdicts.accepted} violations ${total.verdicts.violation} crashes ${total.verdicts.crash}`,
    )
  }

  // SIGTERM or SIGINT ends the run early and still writes the summary of what ran (marked interrupted).
  const threads = new Set<Worker>()
  let interrupted = false
  let stop: () => void = () => {}
  const stopped = new Promise<void>((resolve) => {
    stop = resolve
  })
  const interrupt = () => {
    interrupted = true
    for (const thread of threads) void thread.terminate()
    stop()
  }
  process.once('SIGTERM', interrupt)
  process.once('SIGINT', interrupt)

  const runWorker = (worker: number, from: number) =>
    new Promise<void>((resolve, reject) => {
      Atomics.store(beats, worker, from)
      // The worker runs this same TypeScript file, through tsx's loader registered in the thread.
      const thread = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}) })`, {
        eval: true,
        workerData: { runSeed, mutations, workers, worker, from, beat } satisfies WorkerInput,
      })
      threads.add(thread)
      thread.on('exit', () => threads.delete(thread))
      let current = from
      let since = Date.now()
      const watchdog = setInterval(() => {
        const now = Atomics.load(beats, worker)
        if (now !== current) {
          current = now
          since = Date.now()
        } else if (Date.now() - since > HANG_MS + 5_000) {
          clearInterval(watchdog)
          // The mutant in flight never came back: a crash, replayable from its index.
          const hung = {
            index: now,
            mutantSeed: 0,
            seed: '?',
            chain: [],
            verdict: 'crash',
            detail: `worker stuck on mutant #${now} for over ${HANG_MS} ms`,
            ms: HANG_MS,
            xml: '',
          } satisfies Outcome
          findings.push(hung)
          total.mutants++
          total.verdicts.crash++
          console.log(describeOutcome(hung, runSeed))
          void thread
            .terminate()
            .then(() => runWorker(worker, now + workers))
            .then(resolve, reject)
        }
      }, 5_000)
      thread.on('message', (message: WorkerMessage) => {
        if (message.type === 'finding') {
          findings.push(message.outcome)
          console.log(describeOutcome(message.outcome, runSeed))
          return
        }
        merge(total, message.stats)
        if (Date.now() - lastProgress > 15_000) {
          lastProgress = Date.now()
          progress()
        }
        if (message.type === 'done') {
          clearInterval(watchdog)
          resolve()
        }
      })
      thread.on('error', (error) => {
        clearInterval(watchdog)
        reject(error)
      })
    })

  await Promise.race([Promise.all(Array.from({ length: workers }, (_, w) => runWorker(w, w))), stopped])
  progress(true)
  const seconds = (Date.now() - started) / 1000
  const header = [
    `ACS mutation fuzzer${interrupted ? ' (INTERRUPTED before the end)' : ''}: run seed ${runSeed}, ${total.mutants} mutants, ${workers} workers, ${seconds.toFixed(0)} s (${(total.mutants / seconds).toFixed(0)}/s)`,
    `commit ${commit}, node ${process.version}, ${new Date(started).toISOString()} → ${new Date().toISOString()}`,
  ]
  const text = [...header, formatStats(total), '', `findings (${findings.length}):`, ...findings.slice(0, 200).map((f) => describeOutcome(f, runSeed))].join(
    '\n',
  )
  console.log(text)
  mkdirSync(dirname(summaryPath), { recursive: true })
  writeFileSync(summaryPath, `${text}\n`)
  writeFileSync(
    summaryPath.replace(/\.txt$/, '') + '.json',
    `${JSON.stringify({ runSeed, workers, seconds, interrupted, commit, stats: total, findings: findings.slice(0, 200).map(({ xml: _, ...f }) => f) }, null, 2)}\n`,
  )
  process.exitCode = findings.length === 0 && !interrupted ? 0 : 1
  if (interrupted) process.exit()
}

/** One mutant again: its chain, verdict, and where its XML differs from its seed's. */
async function replay(runSeed: number, index: number): Promise<void> {
  const world = await createFuzzWorld()
  const outcome = await runMutant(world, runSeed, index)
  console.log(describeOutcome(outcome, runSeed))
  const seed = world.seeds.find((s) => s.name === outcome.seed)!
  console.log(`\n--- seed ${seed.name} vs mutant (first difference, with context) ---`)
  console.log(textDiff(seed.xml, outcome.xml))
  if (process.argv.includes('--xml')) console.log(`\n--- mutant ---\n${outcome.xml}`)
}

function textDiff(a: string, b: string): string {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const from = Math.max(0, start - 120)
  return `@ ${start}\n- ${a.slice(from, Math.min(a.length, endA + 120))}\n+ ${b.slice(from, Math.min(b.length, endB + 120))}`
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
