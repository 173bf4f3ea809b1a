/**
 * Stall probe for the ACS benchmark's server (Linux only: reads /proc). Preload it into Gatehouse:
 *
 *   BENCH_KEEP=1 BENCH_GATEHOUSE_NODE_ARGS="--import ./bench/acs/stall-probe.mjs" npm run bench:acs:http -- --fixture small --connections 16
 *
 * Every 2 ms it reads each thread's /proc/<pid>/task/<tid>/schedstat (time on the CPU, time waiting
 * for it). When its timer fires 20 ms or more late, it writes one STALL line to the server's log: the
 * lag, what each thread ran and waited in that window ("main" is the JavaScript thread; the others
 * are V8's platform workers, libuv's pool and the SQLite checkpointer), and the GCs that overlapped it
 * (kind 1 scavenge, 2 mark-compact, 4 incremental marking, 8 weak callbacks). Costs ~5 % of the CPU.
 */
import { readFileSync, readdirSync, writeSync } from 'node:fs'
import { PerformanceObserver } from 'node:perf_hooks'
const pid = process.pid
const snap = () => {
  const out = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number)
      out[tid] = [run, wait]
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return out
}
const gcs = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration, e.detail?.kind])
}).observe({ entryTypes: ['gc'] })
let last = performance.now(),
  prev = snap()
setInterval(() => {
  const now = performance.now(),
    cur = snap()
  const lag = now - last
  if (lag >= 20) {
    const parts = []
    for (const [tid, [run, wait]] of Object.entries(cur)) {
      const p = prev[tid] ?? [0, 0]
      const dr = (run - p[0]) / 1e6,
        dw = (wait - p[1]) / 1e6
      if (dr > 1 || dw > 1) parts.push(`${tid === String(pid) ? 'main' : tid}:run ${dr.toFixed(1)} wait ${dw.toFixed(1)}`)
    }
    const g = gcs.filter(([s, d]) => s + d >= last - 1).map(([s, d, k]) => `gc${k} ${d.toFixed(1)}ms@${(s - last).toFixed(0)}`)
    writeSync(2, `STALL at ${now.toFixed(0)} lag ${lag.toFixed(1)} ms | ${parts.join(', ')} | ${g.join(' ')}\n`)
  }
  if (gcs.length > 100) gcs.splice(0, 50)
  last = now
  prev = cur
}, 2).unref()
