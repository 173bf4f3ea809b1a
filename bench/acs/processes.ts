/** Process helpers for bench/acs/http.ts: CPU pinning, /proc CPU and memory readings, ports, health waits. */
import { spawnSync, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100
export const pinned = (cpu: number, command: string[]) => (HAS_TASKSET ? ['taskset', '-c', String(cpu), ...command] : command)

/**
 * Waits until no server is still working off the previous run. autocannon stops at `amount`
 * responses and drops the requests still in flight, but the server that received them finishes them:
 * up to 63 × node-saml's 45 ms on 90 KB responses, ~2.8 s of CPU 0 taken from the start of the next
 * run, whichever server that is. So: every server's CPU time unchanged over two samples 50 ms apart
 * (10 s at most).
 */
export async function settle(serverPids: number[]) {
  const deadline = Date.now() + 10_000
  let previous = serverPids.map(cpuSeconds)
  let quiet = 0
  while (quiet < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    const now = serverPids.map(cpuSeconds)
    quiet = now.every((v, i) => v === previous[i] || Number.isNaN(v)) ? quiet + 1 : 0
    previous = now
  }
}

/** CPU time (user + system) `pid` has used so far, in seconds; NaN when /proc is not there. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesized command name: state is 3rd, utime 14th, stime 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return Number.NaN
  }
}

/** Peak resident memory of `pid` (MB), sampled every 50 ms from /proc until stop(). */
export function rssSampler(pid: number) {
  let peak = 0
  const sample = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
      peak = Math.max(peak, kb / 1024)
    } catch {
      // not Linux, or the process is gone
    }
  }
  sample()
  const timer = setInterval(sample, 50)
  return { stop: () => (clearInterval(timer), sample(), peak) }
}

export async function waitHealthy(url: string, child: ChildProcess, name: string, dir: string) {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `${name} exited with ${child.exitCode}${name === 'Gatehouse' ? `: ${readFileSync(join(dir, 'gatehouse.log'), 'utf8').slice(-2000)}` : ''}`,
      )
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${name} did not become healthy within 20 s`)
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

export function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

export function clamp(v: number, lo: number, hi: number) {
  return Math.min(hi, Math.max(lo, v))
}
