/** Shared by cli.test.ts and cli-process.test.ts: settings, temporary directories, and main() run in-process. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../src/cli.js'

export const SECRET_KEY = '22'.repeat(32)
export const BASE_URL = 'http://gatehouse.test'
export const PASSWORD = 'correct horse battery'
export const COMMANDS = ['start', 'migrate', 'create-owner', 'backup'] as const

const temps: string[] = []
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'))
  temps.push(dir)
  return dir
}

/** Removes the directories tempDir made; each file runs it after all its tests. */
export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Runs main() and collects what it prints, split into lines. */
export async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; lines: string[]; text: string }> {
  const printed: string[] = []
  const code = await main(argv, env, (line) => printed.push(line))
  const text = printed.join('\n')
  return { code, lines: text.split('\n'), text }
}
