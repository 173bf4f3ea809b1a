/** Shared by the config*.test.ts files: temporary working directories and the ConfigError a bad env throws. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

export const ROOT = new URL('..', import.meta.url).pathname
export const HEX_KEY = 'ab'.repeat(32)
export const ADMIN_TOKEN = 'operator-token-0123456789abcdef'

const temps: string[] = []
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'))
  temps.push(dir)
  return dir
}

/** Removes the directories tempDir made; each file runs it after every test. */
export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** The ConfigError loadConfig throws for `env`, failing the test when it does not throw one. */
export function configError(env: Record<string, string>, cwd = tempDir()): ConfigError {
  try {
    loadConfig(env, { cwd })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}
