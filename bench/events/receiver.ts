/**
 * The webhook receiver of bench/events/deliveries.ts, a process of its own (pinned by the bench):
 * a keep-alive HTTP server that answers 200 at once, keeps the first arrival of each event id and
 * tells the parent over IPC when `expected` distinct events have arrived: first and last arrival
 * times (ms, performance.timeOrigin-based wall clock), duplicates, whether ids arrived in order, and
 * how many TCP connections were opened to it (keep-alive: a handful). It starts down (503 to every
 * event, nothing kept) until the parent sends `up`: the bench writes its backlog first.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const expected = Number(process.argv[2] ?? 10_000)
const seen = new Set<string>()
let duplicates = 0
let outOfOrder = 0
let last = ''
let first = 0
let connections = 0
let up = false
process.on('message', (m) => {
  if (m === 'up') up = true
})
const now = () => performance.timeOrigin + performance.now()

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume()
  req.on('end', () => {
    const id = String(req.headers['gatehouse-event-id'])
    if (!up && !id.startsWith('control-')) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down')
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    // The bench's control client (control-client.ts) measures the bare round trip; not an event.
    if (id.startsWith('control-')) return
    if (seen.has(id)) {
      duplicates++
      return
    }
    if (seen.size === 0) first = now()
    // Event ids are sortable by creation; the bench writes them in one order, so arrivals should follow it.
    if (id < last) outOfOrder++
    last = id
    seen.add(id)
    if (seen.size === expected) process.send!({ done: true, first, last: now(), distinct: seen.size, duplicates, outOfOrder, connections })
  })
})
server.on('connection', () => connections++)
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }))
process.on('disconnect', () => process.exit(0))
