/**
 * The event writer of bench/events/deliveries.ts, a process of its own (pinned by the bench to the
 * receiver's CPU): writes `count` events straight into the stream through the store's own insert, in
 * transactions of 250 as core's changes write them, then tells the parent when it started and ended
 * (ms, performance.timeOrigin-based wall clock). Its own process so that its synchronous SQLite
 * writes never stall the bench's API probe, whose latencies would otherwise include them.
 */
import type { DatabaseConfig } from '../../src/config.js'
import { newSortableId } from '../../src/core/secret-token.js'
import { closeDatabase, openDatabase } from '../../src/store/database.js'
import { createStore } from '../../src/store/index.js'

const BATCH = 250
const [config, count] = [JSON.parse(process.argv[2]!) as DatabaseConfig, Number(process.argv[3])]
const now = () => performance.timeOrigin + performance.now()

const db = openDatabase(config)
const store = createStore(db)
const start = now()
for (let written = 0; written < count; written += BATCH) {
  await store.transaction(async (tx) => {
    for (let i = written; i < Math.min(count, written + BATCH); i++)
      await tx.events.insert({ id: newSortableId(), type: 'member.updated', orgId: null, data: { n: i }, createdAt: new Date().toISOString() })
  })
}
const end = now()
await closeDatabase(db)
process.send!({ start, end })
process.on('disconnect', () => process.exit(0))
