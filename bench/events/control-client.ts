/**
 * The control of bench/events/deliveries.ts: the bare sequential round trip to the receiver on this
 * machine at this moment. Plain node:http POSTs of a webhook-sized body over one kept-alive
 * connection, one at a time (as the worker sends one webhook's events), on the server's CPU. What it
 * reaches bounds any in-order delivery, whatever Gatehouse does around each post.
 */
import { Agent, request } from 'node:http'

const [port, count] = [Number(process.argv[2]), Number(process.argv[3] ?? 5_000)]
const agent = new Agent({ keepAlive: true })
const body = JSON.stringify({ id: 'x'.repeat(26), type: 'member.updated', createdAt: new Date().toISOString(), org: null, data: { n: 0 } })

function post(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/hook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'gatehouse-event-id': `control-${i}` } },
      (res) => {
        res.resume()
        res.on('end', resolve)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const start = performance.now()
for (let i = 0; i < count; i++) await post(i)
const seconds = (performance.now() - start) / 1000
process.send!({ rate: count / seconds, ms: (seconds * 1000) / count })
agent.destroy()
