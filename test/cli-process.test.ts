/** The `gatehouse` CLI as a real process (`node bin/gatehouse.js start`), as `npm start` runs it. */
import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '../src/saml/key-pair.js'
import { ensureBuilt, freePort, spawnCli as spawnBuiltCli, within } from './helpers/built-cli.js'
import { HOSTILE_ENTITY_ID, shapedIdpMetadata } from './helpers/hostile-metadata.js'
import { removeTempDirs, SECRET_KEY, tempDir } from './cli-support.js'

afterAll(removeTempDirs)

describe('the real process: node bin/gatehouse.js', () => {
  const children: ChildProcess[] = []

  beforeAll(() => ensureBuilt(), 180_000)

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })

  /** The shared spawnCli, its child killed after each test. */
  function spawnCli(args: string[], cwd: string, env: Record<string, string>) {
    const cli = spawnBuiltCli(args, cwd, env)
    children.push(cli.child)
    return cli
  }

  it('start: migrates SQLite under ./data, listens, prints the set-up link, and stops cleanly on SIGTERM', async () => {
    const cwd = tempDir()
    const port = await freePort()
    const baseUrl = `http://localhost:${port}`
    const started = performance.now()
    const cli = spawnCli(['start'], cwd, { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: baseUrl })

    const link = await cli.waitFor(/(\S+\/setup\?token=\S+)\s/, 15_000, 'the set-up link')
    const startupMs = performance.now() - started
    console.log(`gatehouse start: spawn to set-up link in ${Math.round(startupMs)} ms`)

    expect(link.startsWith(`${baseUrl}/setup?token=`)).toBe(true)
    expect(await cli.waitFor(/Mail goes to the development outbox: (\S+)\s/, 5_000, 'the outbox line')).toBe(`${baseUrl}/dev/outbox`)
    expect(await cli.waitFor(/Development IdP [^:]*: (\S+)\s/, 5_000, 'the development IdP line')).toBe(`${baseUrl}/dev/idp`)
    const logged = await cli.waitFor(/"startupMs":(\d+)/, 5_000, 'the "gatehouse started" log line')
    console.log(`gatehouse start: ${logged} ms from start() to listening (startupMs in the server's log)`)
    expect(existsSync(join(cwd, 'data', 'gatehouse.db'))).toBe(true)
    expect(existsSync(join(cwd, 'data', 'secret.key'))).toBe(true)
    expect(statSync(join(cwd, 'data', 'secret.key')).mode & 0o777).toBe(0o600)

    const health = await fetch(`${baseUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })

    const setup = await fetch(link)
    expect(setup.status).toBe(200)
    const setupPage = await setup.text()
    expect(setupPage).toContain('<form')
    expect(setupPage).toContain('name="orgSlug"')

    const login = await fetch(`${baseUrl}/login`)
    expect(login.status).toBe(200)
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'")

    cli.child.kill('SIGTERM')
    expect(await within(cli.exited, 5_000, 'the exit after SIGTERM')).toBe(0)
    expect(cli.stderr()).toBe('')
  }, 30_000)

  it('start: reads IdP metadata in its worker thread from dist/ (dist/saml/metadata-worker.js) and refuses metadata over the limits', async () => {
    const cwd = tempDir()
    const port = await freePort()
    const baseUrl = `http://localhost:${port}`
    const token = 'cli-test-admin-token-0123456789abcdef'
    const cli = spawnCli(['start'], cwd, { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: baseUrl, GATEHOUSE_ADMIN_TOKEN: token })
    await cli.waitFor(/(\S+\/setup\?token=\S+)\s/, 15_000, 'the set-up link')
    const api = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, json: await res.json() }
    }
    expect((await api('POST', '/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    expect((await api('PUT', '/organizations/acme/sso', { ssoName: 'acme' })).status).toBe(201)
    const pair = await generateKeyPair({ commonName: 'cli idp', notBefore: new Date('2024-01-01T00:00:00Z'), years: 10 })
    const cert = pair.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '')
    const read = await api('PUT', '/organizations/acme/sso/idp', { metadataXml: shapedIdpMetadata(cert) })
    expect(read.status).toBe(200)
    expect(read.json.idp.entityId).toBe(HOSTILE_ENTITY_ID)
    const refused = await api('PUT', '/organizations/acme/sso/idp', { metadataXml: shapedIdpMetadata(cert, { elements: 10_001 }) })
    expect(refused.status).toBe(413)
    expect(refused.json.error.code).toBe('metadata_too_large')
    cli.child.kill('SIGTERM')
    expect(await within(cli.exited, 5_000, 'the exit after SIGTERM')).toBe(0)
  }, 30_000)

  it("start: refuses a secret key that cannot open the database's sealed keys, naming GATEHOUSE_SECRET_KEY; the right key starts again", async () => {
    const cwd = tempDir()
    const port = await freePort()
    const env = { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: `http://localhost:${port}` }
    const first = spawnCli(['start'], cwd, { ...env, GATEHOUSE_SECRET_KEY: SECRET_KEY })
    await first.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect(await first.stop()).toBe(0)

    const wrong = spawnCli(['start'], cwd, { ...env, GATEHOUSE_SECRET_KEY: '33'.repeat(32) })
    expect(await within(wrong.exited, 15_000, 'the refused start')).toBe(1)
    const refusal = wrong
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('gatehouse: '))
    expect(refusal).toHaveLength(1)
    expect(refusal[0]).toMatch(
      /^gatehouse: GATEHOUSE_SECRET_KEY: the secret key in use cannot open the SAML key \S+ sealed in the database: it is not the key this database was set up with\. Start with that key/,
    )
    expect(wrong.stdout()).not.toContain('gatehouse started')
    expect(wrong.stdout() + wrong.stderr()).not.toContain('33'.repeat(32))
    await expect(fetch(`http://localhost:${port}/healthz`)).rejects.toThrow()

    const again = spawnCli(['start'], cwd, { ...env, GATEHOUSE_SECRET_KEY: SECRET_KEY })
    await again.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect((await fetch(`http://localhost:${port}/login`)).status).toBe(200)
    expect(await again.stop()).toBe(0)
  }, 60_000)

  it('start (development): a secret.key made anew beside an older database stops the start, naming the file', async () => {
    const cwd = tempDir()
    const port = await freePort()
    const env = { GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: `http://localhost:${port}` }
    const first = spawnCli(['start'], cwd, env)
    await first.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect(await first.stop()).toBe(0)
    const keyFile = join(cwd, 'data', 'secret.key')
    const original = readFileSync(keyFile)
    rmSync(keyFile)

    const fresh = spawnCli(['start'], cwd, env)
    expect(await within(fresh.exited, 15_000, 'the refused start')).toBe(1)
    expect(fresh.stdout()).toContain(
      `gatehouse: GATEHOUSE_SECRET_KEY: the secret key in use (GATEHOUSE_SECRET_KEY is unset, so it was read from ${keyFile}) cannot open the SAML key`,
    )

    writeFileSync(keyFile, original, { mode: 0o600 })
    const restored = spawnCli(['start'], cwd, env)
    await restored.waitFor(/Development IdP [^:]*: (\S+)\s/, 15_000, 'the last line of the start')
    expect(await restored.stop()).toBe(0)
  }, 60_000)

  it('NODE_ENV=production without secrets exits 1 at once with one line naming the missing variables', async () => {
    const cwd = tempDir()
    const started = performance.now()
    const cli = spawnCli(['start'], cwd, { NODE_ENV: 'production', GATEHOUSE_PORT: String(await freePort()) })
    expect(await within(cli.exited, 10_000, 'the exit')).toBe(1)
    console.log(`gatehouse start (production, no secrets): refused in ${Math.round(performance.now() - started)} ms`)
    const output = (cli.stdout() + cli.stderr()).trim()
    expect(output.split('\n')).toHaveLength(1)
    expect(output).toMatch(/^gatehouse: GATEHOUSE_BASE_URL: required when NODE_ENV=production/)
    for (const name of ['GATEHOUSE_SECRET_KEY', 'GATEHOUSE_ADMIN_TOKEN', 'GATEHOUSE_SMTP_URL']) expect(output).toContain(name)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
    expect(readdirSync(cwd)).toEqual([])
  }, 20_000)
})
