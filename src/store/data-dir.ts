/**
 * The data directory at start: a directory Gatehouse cannot write (read-only mount, wrong owner, a
 * file where the directory should be) is told as one line naming the path and the problem, never a
 * stack trace and never a later failure at the first sign-in.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a file is in the way: not a directory',
  EEXIST: 'a file is in the way: not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'a directory is in the way',
}

/** Makes the directory if missing and proves a file can be created in it; throws a Node fs error if not. */
export function assertWritableDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true })
  const probe = join(dir, `.gatehouse-write-check-${process.pid}`)
  writeFileSync(probe, '')
  rmSync(probe, { force: true })
}

/** The one line for a file-system error that stops the start; undefined for any other error. */
export function fileSystemProblem(error: unknown): string | undefined {
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown }
  if (typeof code !== 'string' || typeof path !== 'string' || !Object.hasOwn(PROBLEMS, code)) return undefined
  return `cannot write ${path} (GATEHOUSE_DATA_DIR must be a directory Gatehouse can write): ${PROBLEMS[code]} (${code})`
}
