/**
 * Bounded time on a real socket (DESIGN §6): a half-sent header block is answered 408 after the
 * headers timeout, and a request body arriving below the minimum rate is cut off (408
 * `request_timeout`, connection closed) once the grace period has passed; a body at an ordinary
 * pace, even one taking longer than the grace period, is accepted. Timeouts are shortened through
 * the config (1 s grace, 1 s headers) so the file stays short; waits have safety nets only.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isBodyTooSlow } from '../../src/http/min-body-rate.js'
import { ADMIN_TOKEN, createTestContext, testConfig, type TestContext } from '../helpers/test-app.js'

const RULE = { bytesPerSecond: 1024, graceMs: 1000 }

describe('the minimum body rate rule', () => {
  const cases: [string, number, number, boolean][] = [
    ['nothing yet, inside the grace period', 0, 999, false],
    ['a byte, at the end of the grace period', 1, 1000, true],
    ['exactly the rate at the end of the grace period', 1024, 1000, false],
    ['a 1 KiB burst, then nothing for 2 s', 1024, 3000, true],
    ['10 KiB in 5 s', 10 * 1024, 5000, false],
  ]
  it.each(cases)('%s: %i bytes after %i ms is too slow = %s', (_name, bytes, ms, tooSlow) => {
    expect(isBodyTooSlow(bytes, ms, RULE)).toBe(tooSlow)
  })
})

describe('client timeouts on a listening server', () => {
  let ctx: TestContext
  let port: number
  const open: Socket[] = []

  beforeAll(async () => {
    const base = testConfig()
    ctx = await createTestContext({ config: { http: { ...base.http, headersMs: 1000, minBodyRate: RULE } } })
    await ctx.app.listen({ host: '127.0.0.1', port: 0 })
    port = (ctx.app.server.address() as { port: number }).port
  })
  afterAll(async () => {
    for (const socket of open) socket.destroy()
    await ctx.close()
  })

  /** A raw connection: what it receives, and a promise of its close (with a safety net). */
  async function rawClient() {
    const socket = connect(port, '127.0.0.1')
    open.push(socket)
    let received = ''
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8')
    })
    socket.on('error', () => {})
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    return { socket, closed, received: () => received }
  }

  function safetyNet<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)
      }),
    ]).finally(() => clearTimeout(timer))
  }

  // JSON allows whitespace between members: padding makes a large body without a large field.
  const orgBody = (slug: string, padding = 0) => `{"name":"Acme",${' '.repeat(padding)}"slug":"${slug}"}`
  const postHead = (length: number) =>
    `POST /api/v1/organizations HTTP/1.1\r\nHost: gatehouse.test\r\nauthorization: Bearer ${ADMIN_TOKEN}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`

  it('answers 408 to a connection that sends half its headers and stops, and closes it', async () => {
    const client = await rawClient()
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: gatehouse.test\r\n')
    await safetyNet(client.closed, 8000, 'close')
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('answers the same request once its headers are complete', async () => {
    const client = await rawClient()
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: gatehouse.test\r\nconnection: close\r\n\r\n')
    await safetyNet(client.closed, 8000, 'close')
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /)
  })

  it('cuts off a JSON body trickled a byte every 200 ms with 408 request_timeout, closes the connection, and creates nothing', async () => {
    const body = orgBody('trickled')
    const client = await rawClient()
    client.socket.write(postHead(Buffer.byteLength(body)))
    let sent = 0
    const trickle = setInterval(() => {
      if (!client.socket.destroyed && sent < body.length) client.socket.write(body[sent++]!)
    }, 200)
    try {
      await safetyNet(client.closed, 8000, 'close')
    } finally {
      clearInterval(trickle)
    }
    const answer = client.received()
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(answer.toLowerCase()).toContain('connection: close')
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('request_timeout')
    expect(sent).toBeLessThan(body.length)
    expect(await ctx.deps.store.orgs.count()).toBe(0)
    expect(ctx.logs()).toContain('request body too slow: cut off')
  })

  it('accepts the same body sent at once', async () => {
    const body = orgBody('at-once')
    const client = await rawClient()
    client.socket.write(postHead(Buffer.byteLength(body)) + body)
    await safetyNet(
      new Promise<void>((resolve) =>
        client.socket.on('data', () => {
          if (client.received().includes('\r\n\r\n')) resolve()
        }),
      ),
      8000,
      'answer',
    )
    expect(client.received()).toMatch(/^HTTP\/1\.1 201 /)
  })

  it('accepts a 24 KiB body sent in 4 KiB pieces every 250 ms, which takes longer than the grace period', async () => {
    const body = Buffer.from(orgBody('paced', 24 * 1024))
    const client = await rawClient()
    client.socket.write(postHead(body.length))
    let offset = 0
    await new Promise<void>((resolve) => {
      const pace = setInterval(() => {
        client.socket.write(body.subarray(offset, offset + 4096))
        offset += 4096
        if (offset >= body.length) {
          clearInterval(pace)
          resolve()
        }
      }, 250)
    })
    await safetyNet(
      new Promise<void>((resolve) => {
        const look = () => {
          if (client.received().includes('\r\n\r\n')) resolve()
        }
        client.socket.on('data', look)
        look()
      }),
      8000,
      'answer',
    )
    expect(client.received()).toMatch(/^HTTP\/1\.1 201 /)
    expect(await ctx.deps.store.orgs.findBySlug('paced')).toBeDefined()
  })

  it('closes the connection of a body trickled to the OpenID Connect token endpoint, which reads its body itself', async () => {
    const client = await rawClient()
    client.socket.write('POST /oidc/token HTTP/1.1\r\nHost: gatehouse.test\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 500\r\n\r\n')
    const trickle = setInterval(() => {
      if (!client.socket.destroyed) client.socket.write('a')
    }, 200)
    try {
      await safetyNet(client.closed, 8000, 'close')
    } finally {
      clearInterval(trickle)
    }
    expect(client.received()).not.toMatch(/^HTTP\/1\.1 2/)
  })
})
