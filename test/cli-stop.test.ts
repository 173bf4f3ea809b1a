/**
 * Stopping the real process (`node bin/gatehouse.js start`, built): SIGTERM stops accepting, lets
 * in-flight requests finish within GATEHOUSE_SHUTDOWN_TIMEOUT, closes what is left, and exits 0,
 * logging each stage, whatever its clients are doing: half-sent headers, a body trickled a byte a
 * second, an idle keep-alive connection. Before, one half-sent header kept the process alive for
 * minutes. Waits have generous safety nets; the bound asserted is the drain time plus a margin.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, freePort, spawnCli, within } from './helpers/built-cli.js'

const TOKEN = 'cli-stop-admin-token-0123456789abcdef'
const STAGES = [
  'stopping: no new connections',
  'stopping: connections closed',
  'stopping: job worker stopped',
  'stopping: webhook worker stopped',
  'stopping: metadata worker stopped',
  'stopping: database closed',
  'stopped',
]

const temps: string[] = []
const children: ChildProcess[] = []
const sockets: Socket[] = []
const timers: NodeJS.Timeout[] = []

beforeAll(() => ensureBuilt(), 180_000)
afterEach(() => {
  for (const timer of timers.splice(0)) clearInterval(timer)
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Starts `gatehouse start` on a fresh SQLite database and resolves once it listens. */
async function startGatehouse(env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-stop-'))
  temps.push(cwd)
  const port = await freePort()
  const cli = spawnCli(['start'], cwd, { GATEHOUSE_PORT: String(port), GATEHOUSE_HOST: '127.0.0.1', GATEHOUSE_ADMIN_TOKEN: TOKEN, ...env })
  const { child, exited, stdout, stderr } = cli
  children.push(child)
  /** Resolves once stdout contains `text`; fails if the process exits first. */
  const printed = async (text: string, ms: number) => {
    await cli.waitFor(new RegExp(`(${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})`), ms, `"${text}"`)
  }
  await printed('"msg":"gatehouse started"', 20_000)
  /** The messages of the JSON log lines, in order. */
  const messages = () =>
    stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg)
  return { child, port, exited, printed, messages, stdout, stderr }
}

/** A raw TCP client: what it received, and when it was closed. */
async function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  let received = ''
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8')
  })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  const answered = () =>
    within(
      new Promise<void>((resolve) => {
        const look = () => {
          if (received.includes('\r\n\r\n')) resolve()
        }
        socket.on('data', look)
        look()
      }),
      10_000,
      'an answer',
    )
  return { socket, closed, answered, received: () => received }
}

/** Fastify's log line once a POST's headers are in: from then on it is a request in flight. */
const INCOMING_POST = '"path":"/api/v1/organizations"'

const orgPost = (body: string) =>
  `POST /api/v1/organizations HTTP/1.1\r\nHost: localhost\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`

async function refused(port: number): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
  })
}

describe('gatehouse start on SIGTERM', () => {
  it('exits 0 within the drain time despite a half-sent header, a trickling upload and an idle keep-alive client, logging each stage', async () => {
    const drainSeconds = 2
    const gatehouse = await startGatehouse({ GATEHOUSE_SHUTDOWN_TIMEOUT: String(drainSeconds) })

    const keepAlive = await rawClient(gatehouse.port)
    keepAlive.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')
    await keepAlive.answered()
    expect(keepAlive.received()).toMatch(/^HTTP\/1\.1 200 /)

    const halfHeaders = await rawClient(gatehouse.port)
    halfHeaders.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n')

    const trickle = await rawClient(gatehouse.port)
    const body = '{"name":"Acme","slug":"acme"}'
    trickle.socket.write(orgPost(body))
    let sent = 0
    timers.push(
      setInterval(() => {
        if (!trickle.socket.destroyed && sent < body.length) trickle.socket.write(body[sent++]!)
      }, 1000),
    )
    await gatehouse.printed(INCOMING_POST, 5000)

    let keepAliveClosedBeforeDrainOver: boolean | undefined
    void keepAlive.closed.then(() => {
      keepAliveClosedBeforeDrainOver = !gatehouse.stdout().includes('drain time over')
    })
    const signalled = performance.now()
    gatehouse.child.kill('SIGTERM')
    await gatehouse.printed('stopping: no new connections', 5000)
    expect(await refused(gatehouse.port)).toBe(true)

    expect(await within(gatehouse.exited, (drainSeconds + 8) * 1000, 'the exit')).toBe(0)
    const seconds = (performance.now() - signalled) / 1000
    console.log(`SIGTERM to exit with a half-sent header, a trickle and a keep-alive client: ${seconds.toFixed(2)} s (drain ${drainSeconds} s)`)
    // The trickle holds the drain to its end; then everything is closed at once.
    expect(seconds).toBeGreaterThanOrEqual(drainSeconds - 0.1)
    expect(seconds).toBeLessThan(drainSeconds + 3)
    expect(keepAliveClosedBeforeDrainOver).toBe(true)
    await within(Promise.all([halfHeaders.closed, trickle.closed]), 2000, 'the other clients to be closed')
    expect(sent).toBeLessThan(body.length)
    expect(trickle.received()).toBe('')

    const messages = gatehouse.messages()
    expect(messages).toContain('stopping: drain time over, cutting off the requests left')
    const stages = messages.filter((m) => STAGES.includes(m))
    expect(stages).toEqual(STAGES)
    expect(messages.indexOf('stopping: drain time over, cutting off the requests left')).toBeGreaterThan(messages.indexOf('stopping: no new connections'))
    expect(messages.indexOf('stopping: drain time over, cutting off the requests left')).toBeLessThan(messages.indexOf('stopping: connections closed'))
    expect(gatehouse.stderr()).toBe('')
  }, 40_000)

  it('lets a request in flight finish and answers it, then exits 0 without waiting out the drain time', async () => {
    const gatehouse = await startGatehouse({ GATEHOUSE_SHUTDOWN_TIMEOUT: '30' })
    const client = await rawClient(gatehouse.port)
    const body = '{"name":"Globex","slug":"globex"}'
    client.socket.write(orgPost(body) + body.slice(0, 10))
    await gatehouse.printed(INCOMING_POST, 5000)
    gatehouse.child.kill('SIGTERM')
    await gatehouse.printed('stopping: no new connections', 5000)
    client.socket.write(body.slice(10))
    await client.answered()
    expect(client.received()).toMatch(/^HTTP\/1\.1 201 /)
    expect(JSON.parse(client.received().slice(client.received().indexOf('\r\n\r\n') + 4)).slug).toBe('globex')
    expect(await within(gatehouse.exited, 15_000, 'the exit')).toBe(0)
    const messages = gatehouse.messages()
    expect(messages).toContain('stopping: in-flight requests finished')
    expect(messages).not.toContain('stopping: drain time over, cutting off the requests left')
    expect(messages.filter((m) => STAGES.includes(m))).toEqual(STAGES)
  }, 40_000)

  it('exits at once on a second SIGTERM while draining', async () => {
    const gatehouse = await startGatehouse({ GATEHOUSE_SHUTDOWN_TIMEOUT: '60' })
    const client = await rawClient(gatehouse.port)
    const body = '{"name":"Initech","slug":"initech"}'
    client.socket.write(orgPost(body) + body.slice(0, 10))
    await gatehouse.printed(INCOMING_POST, 5000)
    gatehouse.child.kill('SIGTERM')
    await gatehouse.printed('stopping: no new connections', 5000)
    gatehouse.child.kill('SIGTERM')
    expect(await within(gatehouse.exited, 10_000, 'the exit')).toBe(1)
    expect(gatehouse.messages()).toContain('stopping: second signal, exiting at once')
  }, 40_000)
})
