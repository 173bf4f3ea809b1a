/**
 * Scale-out (DESIGN §6): two Gatehouse processes on one PostgreSQL database. A sign-in started on the
 * first finishes on the second, and simultaneous posts of one response to both make one session.
 * Runs when GATEHOUSE_TEST_DATABASE_URL is PostgreSQL (CI's second run); says so otherwise.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { inflateRawSync } from 'node:zlib'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT, spawnCli } from '../helpers/built-cli.js'
import { DIALECT, TEST_DATABASE_URL } from '../helpers/database.js'
import { buildResponse, createTestIdp, sign, toBase64, type TestIdp } from '../helpers/test-idp.js'

const BASE = 'http://gatehouse.test'
const TOKEN = 'two-process-admin-token-0123456789'
const run = DIALECT === 'postgres'
if (!run) console.log('two-process test skipped: it needs GATEHOUSE_TEST_DATABASE_URL=postgres://… (CI runs it in its PostgreSQL pass)')

describe.runIf(run)('two processes on one PostgreSQL database', () => {
  const database = `gh_two_${randomBytes(4).toString('hex')}`
  const ports = [4700 + Math.floor(Math.random() * 200), 4900 + Math.floor(Math.random() * 200)]
  const processes: ChildProcess[] = []
  let idp: TestIdp
  const url = (i: number, path: string) => `http://127.0.0.1:${ports[i]}${path}`

  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }

  beforeAll(async () => {
    ensureBuilt()
    idp = await createTestIdp('two-process')
    await admin(`create database ${database}`)
    const dbUrl = new URL(TEST_DATABASE_URL!)
    dbUrl.pathname = `/${database}`
    for (const port of ports) {
      const { child } = spawnCli(['start'], ROOT, {
        GATEHOUSE_PORT: String(port),
        GATEHOUSE_HOST: '127.0.0.1',
        GATEHOUSE_BASE_URL: BASE,
        GATEHOUSE_ADMIN_TOKEN: TOKEN,
        GATEHOUSE_SECRET_KEY: '22'.repeat(32),
        GATEHOUSE_DATABASE_URL: dbUrl.toString(),
        GATEHOUSE_LOG_LEVEL: 'warn',
      })
      processes.push(child)
      // The second process starts after the first migrated and made the SP keys.
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`)
          .then((r) => r.ok)
          .catch(() => false)
        if (ok) break
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const api = (path: string, body: unknown, method = 'POST') =>
      fetch(url(0, `/api/v1${path}`), { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await api('/organizations', { name: 'Acme', slug: 'acme' })).status).toBe(201)
    expect((await api('/organizations/acme/members', { email: 'alice@acme.test', firstName: 'A', lastName: 'L', role: 'member' })).status).toBe(201)
    expect((await api('/organizations/acme/sso', { ssoName: 'acme' }, 'PUT')).status).toBe(201)
    expect(
      (await api('/organizations/acme/sso/idp', { ssoUrl: 'https://idp.test/sso', entityId: idp.entityId, certificates: [idp.certificatePem] }, 'PUT')).status,
    ).toBe(200)
    expect((await api('/organizations/acme/sso/enable', { skipTest: true })).status).toBe(200)
  }, 60_000)

  afterAll(async () => {
    for (const child of processes) child.kill('SIGTERM')
    await Promise.all(processes.map((child) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))))
    await admin(`drop database if exists ${database} with (force)`)
  })

  const response = (inResponseTo?: string) =>
    toBase64(
      sign(
        buildResponse({
          issuer: idp.entityId,
          acsUrl: `${BASE}/saml/acme/acs`,
          audience: `${BASE}/saml/acme`,
          now: new Date(),
          nameId: 'alice@acme.test',
          inResponseTo: inResponseTo ?? null,
        }),
        'assertion',
        idp,
      ),
    )
  const postAcs = (i: number, samlResponse: string) =>
    fetch(url(i, '/saml/acme/acs'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: samlResponse }),
    })

  it('finishes on the second process a sign-in started on the first', async () => {
    const start = await fetch(url(0, '/sso/acme'), { redirect: 'manual' })
    expect(start.status).toBe(302)
    const request = inflateRawSync(Buffer.from(new URL(start.headers.get('location')!).searchParams.get('SAMLRequest')!, 'base64')).toString()
    const requestId = /ID="([^"]+)"/.exec(request)![1]!
    const finish = await postAcs(1, response(requestId))
    expect(finish.status).toBe(303)
    const cookie = finish.headers.get('set-cookie')!.split(';')[0]!
    const me = await fetch(url(0, '/api/v1/me'), { headers: { cookie } })
    expect(await me.json()).toMatchObject({ email: 'alice@acme.test', org: 'acme', authMethod: 'saml' })
  })

  it('makes exactly one session from one response posted to both processes at once', async () => {
    const samlResponse = response()
    const results = await Promise.all([0, 1, 0, 1, 0, 1].map((i) => postAcs(i, samlResponse)))
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([303, 403, 403, 403, 403, 403])
  })

  it('refuses on the second process the next post after the first disabled SSO, and accepts it once re-enabled', async () => {
    // Both processes have just signed alice in: nothing they might have kept may outlive the change.
    expect((await postAcs(0, response())).status).toBe(303)
    expect((await postAcs(1, response())).status).toBe(303)
    const api = (path: string) =>
      fetch(url(0, `/api/v1${path}`), {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{"skipTest":true}',
      })
    expect((await api('/organizations/acme/sso/disable')).status).toBe(200)
    expect((await postAcs(1, response())).status).toBe(403)
    expect((await postAcs(0, response())).status).toBe(403)
    expect((await api('/organizations/acme/sso/enable')).status).toBe(200)
    expect((await postAcs(1, response())).status).toBe(303)
  })
})
