/** `gatehouse start`'s V8 flags (src/node-flags.ts): which are missing, and that a deliberate value stands. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { missingRestartFlags, RESTART_FLAGS } from '../src/node-flags.js'

describe('missingRestartFlags', () => {
  it('names every restart flag node was started without, and none it was started with', () => {
    expect(missingRestartFlags([], '')).toEqual([...RESTART_FLAGS])
    expect(missingRestartFlags([...RESTART_FLAGS], '')).toEqual([])
    expect(missingRestartFlags([], RESTART_FLAGS.join(' '))).toEqual([])
  })

  it('takes a flag given with another value as given', () => {
    const [name] = RESTART_FLAGS[0].split('=')
    expect(missingRestartFlags([`${name}=32`], '')).toEqual([])
    expect(missingRestartFlags([], `--trace-warnings ${name}=16`)).toEqual([])
  })

  it.runIf(typeof (process as { execve?: unknown }).execve === 'function')('start re-executes node with them, in the same process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-node-flags-'))
    const script = join(dir, 'start.mjs')
    writeFileSync(
      script,
      `import { applyStartFlags } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', 'src', 'node-flags.ts')).href)}
      console.log(process.pid, process.execArgv.join(' ')); applyStartFlags(process.env)\n`,
    )
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })
    rmSync(dir, { recursive: true, force: true })
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]!.split(' ')[0]).toBe(lines[0]!.split(' ')[0])
    expect(lines[1]).toContain(RESTART_FLAGS[0])
  })
})
