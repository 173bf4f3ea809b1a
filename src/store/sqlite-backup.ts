/**
 * An online backup of a SQLite database file (`gatehouse backup --to FILE`), with SQLite's backup
 * API (better-sqlite3's `db.backup`) while servers keep using the file. The copy goes to a temporary
 * name beside FILE, is checked (`pragma quick_check`), and only then takes FILE's name: a failed or
 * interrupted backup never leaves a FILE that looks whole.
 */
import { existsSync, renameSync, rmSync } from 'node:fs'
import SqliteDatabase from 'better-sqlite3'

export class BackupError extends Error {
  constructor(
    readonly code: 'backup_target_exists' | 'backup_source_missing' | 'backup_corrupt',
    message: string,
  ) {
    super(message)
    this.name = 'BackupError'
  }
}

export interface BackupResult {
  readonly pages: number
}

export async function backupSqlite(sourcePath: string, targetPath: string): Promise<BackupResult> {
  if (existsSync(targetPath)) throw new BackupError('backup_target_exists', `${targetPath} exists already: choose a new file name (a backup never overwrites)`)
  if (!existsSync(sourcePath)) throw new BackupError('backup_source_missing', `there is no database at ${sourcePath}`)
  const partial = `${targetPath}.partial-${process.pid}`
  const source = new SqliteDatabase(sourcePath, { fileMustExist: true })
  try {
    source.pragma('busy_timeout = 5000')
    // After the first step, the rest in one step: a server writing between small steps would restart
    // the copy again and again; one step reads one consistent snapshot.
    const { totalPages } = await source.backup(partial, { progress: ({ totalPages: total }) => Math.max(total, 100) })
    const copy = new SqliteDatabase(partial, { fileMustExist: true })
    try {
      const check = copy.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new BackupError('backup_corrupt', `the copy failed SQLite's quick_check: ${String(check)}`)
      // A self-contained file: no -wal beside it to lose.
      copy.pragma('journal_mode = DELETE')
    } finally {
      copy.close()
    }
    renameSync(partial, targetPath)
    return { pages: totalPages }
  } finally {
    source.close()
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(leftover, { force: true })
  }
}
