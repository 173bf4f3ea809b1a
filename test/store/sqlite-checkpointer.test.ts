/**
 * The WAL checkpointer (store/sqlite-checkpointer.ts): a worker that checkpoints a file database
 * while the app's connection writes, stops with it, and never costs a committed write on a crash.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/database.js'
import { BACKSTOP_PAGES, startCheckpointer, type Checkpointer } from '../../src/store/sqlite-checkpointer.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gh-checkpoint-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const until = async (condition: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('SQLite WAL checkpointer', () => {
  it('checkpoints what the app writes, the app itself only past the backstop, and stops with the database', async () => {
    const path = join(dir, 'gh.db')
    let checkpointer: Checkpointer | undefined
    const db = openDatabase({ dialect: 'sqlite', path }, { checkpointIntervalMs: 20, onCheckpointer: (c) => (checkpointer = c) })
    expect(checkpointer).toBeDefined()
    expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows[0]?.wal_autocheckpoint).toBe(BACKSTOP_PAGES)
    await sql`create table items (id integer primary key, name text not null)`.execute(db)
    for (let i = 0; i < 200; i++) await sql`insert into items (name) values (${`item ${i}`})`.execute(db)
    await until(() => checkpointer!.checkpoints > 0)
    // The database file itself now holds the rows (a reader that ignores the WAL would see them).
    expect(statSync(path).size).toBeGreaterThan(4096)
    const stopped = checkpointer!.stop()
    await db.destroy()
    await stopped
    // Both connections are closed (which of them closed last, and so removed the WAL, is a race
    // SQLite settles either way): every committed row is there, and the last close cleans up.
    const check = new SqliteDatabase(path)
    expect(check.prepare('select count(*) as n from items').get()).toEqual({ n: 200 })
    check.close()
    expect(existsSync(`${path}-wal`)).toBe(false)
  })

  it('keeps checking at the busy interval while the app writes, whatever the idle interval', async () => {
    const path = join(dir, 'gh.db')
    const app = new SqliteDatabase(path)
    app.pragma('journal_mode = WAL')
    app.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
    app.exec('create table items (id integer primary key, name text not null)')
    const insert = app.prepare('insert into items (name) values (?)')
    // An idle interval far longer than the test: only checks at the busy interval can count here.
    const sizeBefore = statSync(path).size
    const checkpointer = startCheckpointer(path, { intervalMs: 10, idleIntervalMs: 60_000 })
    try {
      for (let round = 0; checkpointer.checkpoints < 5; round++) {
        if (round > 500) throw new Error(`only ${checkpointer.checkpoints} checkpoints in ${round} rounds of writes`)
        for (let i = 0; i < 20; i++) insert.run(`item ${round}.${i}`)
        await new Promise((r) => setTimeout(r, 5))
      }
      // Those copied what the app had written into the database file itself (the app never
      // checkpoints here: it is far below the backstop).
      expect(statSync(path).size).toBeGreaterThan(sizeBefore)
    } finally {
      await checkpointer.stop()
      app.close()
    }
  })

  it('checkpointNow() copies the whole WAL before it resolves, and resolves after stop or a failure too', async () => {
    const path = join(dir, 'gh.db')
    const app = new SqliteDatabase(path)
    app.pragma('journal_mode = WAL')
    app.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
    app.exec('create table items (id integer primary key, name text not null)')
    const insert = app.prepare('insert into items (name) values (?)')
    // Timers far beyond the test: only checkpointNow() can checkpoint.
    const checkpointer = startCheckpointer(path, { intervalMs: 600_000, idleIntervalMs: 600_000 })
    try {
      for (let i = 0; i < 300; i++) insert.run(`item ${i}`)
      const sizeBefore = statSync(path).size
      const walSequence = () => readFileSync(`${path}-wal`).readUInt32BE(12)
      const sequenceBefore = walSequence()
      await checkpointer.checkpointNow()
      expect(statSync(path).size).toBeGreaterThan(sizeBefore)
      // The worker also started the WAL again (its header's checkpoint sequence moved on), so the
      // app's next commit appends without the fsync of a new WAL header.
      expect(walSequence()).toBe(sequenceBefore + 1)
      // Nothing left to copy: a checkpoint by the app now finds every frame already in the file.
      const [row] = app.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[]
      expect(row!.log).toBeGreaterThan(0)
      expect(row!.checkpointed).toBe(row!.log)
    } finally {
      await checkpointer.stop()
      app.close()
    }
    await checkpointer.checkpointNow()
    const errors: string[] = []
    const broken = startCheckpointer(join(dir, 'missing.db'), { onError: (message) => errors.push(message) })
    await broken.checkpointNow()
    await broken.stop()
    expect(errors.length).toBeGreaterThan(0)
  })

  it('reports a checkpoint that fails (a file that is not a database) and carries on checking', async () => {
    const errors: string[] = []
    const path = join(dir, 'not-a-database.db')
    writeFileSync(path, 'this is not an SQLite file, but long enough to have a header of sorts. '.repeat(100))
    const checkpointer = startCheckpointer(path, { intervalMs: 10, idleIntervalMs: 10, onError: (message) => errors.push(message) })
    await until(() => errors.length >= 2)
    expect(errors[0]).toMatch(/not a database/i)
    await checkpointer.stop()
  })

  it('stop() resolves once the worker has exited, and twice is harmless', async () => {
    const path = join(dir, 'gh.db')
    new SqliteDatabase(path).close()
    const checkpointer = startCheckpointer(path, { intervalMs: 10 })
    await new Promise((r) => setTimeout(r, 50))
    await checkpointer.stop()
    await checkpointer.stop()
  })

  it('reports a worker that cannot open the database, and the app carries on', async () => {
    const errors: string[] = []
    const checkpointer = startCheckpointer(join(dir, 'missing.db'), { onError: (message) => errors.push(message) })
    await until(() => errors.length > 0)
    await checkpointer.stop()
  })

  it('loses no committed write when the process is killed before any checkpoint', () => {
    const path = join(dir, 'gh.db')
    const script = `
      import { sql } from 'kysely'
      import { openDatabase } from ${JSON.stringify(new URL('../../src/store/database.ts', import.meta.url).pathname)}
      const db = openDatabase({ dialect: 'sqlite', path: ${JSON.stringify(path)} }, { checkpointIntervalMs: 3_600_000 })
      await sql\`create table items (id integer primary key, name text not null)\`.execute(db)
      for (let i = 0; i < 500; i++) await sql\`insert into items (name) values (\${'item ' + i})\`.execute(db)
      process.kill(process.pid, 'SIGKILL')
    `
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
    })
    expect(run.signal).toBe('SIGKILL')
    expect(existsSync(`${path}-wal`)).toBe(true)
    const check = new SqliteDatabase(path)
    expect(check.prepare('select count(*) as n from items').get()).toEqual({ n: 500 })
    check.close()
  })
})
