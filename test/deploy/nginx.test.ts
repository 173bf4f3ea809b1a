/// <reference lib="dom" />
/**
 * Gatehouse behind a real proxy (issue 15 item 5): Debian's nginx with TLS (a self-signed certificate),
 * configured by docs/deploy/nginx.conf itself (only its ports, certificate paths, upstreams and log
 * path substituted), in front of two built Gatehouse processes on one fresh PostgreSQL schema.
 * Through it: the sign-in walk in Chromium, `__Host-`/Secure cookies, https URLs in OIDC discovery and
 * SAML metadata, per-IP limits on the address nginx saw, and nginx's $request_id in Gatehouse's log.
 * PostgreSQL pass only (GATEHOUSE_TEST_DATABASE_URL); skips when nginx or Chromium is absent.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserMissing, freePort, launchBrowser } from '../helpers/e2e.js'
import { ROOT, ensureBuilt, spawnCli, within, type CliProcess } from '../helpers/built-cli.js'
import { DIALECT, TEST_DATABASE_URL } from '../helpers/database.js'

const NGINX = '/usr/sbin/nginx'
const DOCUMENTED = join(ROOT, 'docs', 'deploy', 'nginx.conf')
const skip =
  DIALECT !== 'postgres'
    ? 'runs in the PostgreSQL pass (GATEHOUSE_TEST_DATABASE_URL=postgres://…)'
    : !existsSync(NGINX)
      ? `${NGINX} is not installed (apt-get install -y nginx)`
      : !existsSync('/usr/bin/openssl')
        ? '/usr/bin/openssl is not installed'
        : browserMissing()
if (skip !== undefined) console.log(`nginx tests skipped: ${skip}`)

const OWNER = 'olivia@acme.test'
const PASSWORD = 'correct horse battery staple'
const PER_IP = 4

/** docs/deploy/nginx.conf with only the values its header says to change replaced; each must be there. */
function instantiate(documented: string, values: { port: number; cert: string; key: string; upstreams: [string, string]; accessLog: string }): string {
  const replacements: [string, string][] = [
    ['listen 443 ssl', `listen 127.0.0.1:${values.port} ssl`],
    ['/etc/ssl/certs/gatehouse.example.com.pem', values.cert],
    ['/etc/ssl/private/gatehouse.example.com.key', values.key],
    ['server 127.0.0.1:4001', `server ${values.upstreams[0]}`],
    ['server 127.0.0.1:4002', `server ${values.upstreams[1]}`],
    ['/var/log/nginx/gatehouse.access.log', values.accessLog],
    ['server_name gatehouse.example.com', 'server_name localhost'],
  ]
  let conf = documented
  for (const [from, to] of replacements) {
    expect(conf.split(from).length - 1, `docs/deploy/nginx.conf has "${from}" once`).toBe(1)
    conf = conf.replace(from, to)
  }
  return conf
}

describe.skipIf(skip !== undefined)('behind nginx with TLS: two processes on one PostgreSQL', () => {
  let dir: string
  let nginx: ChildProcess | undefined
  let nginxExited: Promise<unknown> | undefined
  let nginxStderr = ''
  const gatehouses: CliProcess[] = []
  let schema: string | undefined
  let browser: Browser | undefined
  let context: BrowserContext
  let page: Page
  let baseUrl: string
  let cert: string
  let setupLink: string

  /** A request through nginx over TLS, verifying the self-signed certificate (it is our CA). */
  function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
    return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${baseUrl}${path}`, { method, headers, ca: cert, servername: 'localhost', agent: false }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8')
        })
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
      })
      req.on('error', reject)
      req.end(body)
    })
  }

  beforeAll(async () => {
    ensureBuilt()
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'))
    // One fresh schema for both processes, named in the connection URL (libpq's `options`): the same
    // as a database of their own, without CREATE/DROP DATABASE's checkpoints on a busy server.
    schema = `gh_nginx_${randomBytes(5).toString('hex')}`
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    await admin.query(`create schema ${schema}`)
    await admin.end()
    const url = new URL(TEST_DATABASE_URL!)
    url.searchParams.set('options', `-c search_path=${schema}`)

    execFileSync(
      '/usr/bin/openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        join(dir, 'tls.key'),
        '-out',
        join(dir, 'tls.pem'),
      ],
      { stdio: 'pipe' },
    )
    cert = readFileSync(join(dir, 'tls.pem'), 'utf8')

    const [port, portA, portB] = [await freePort(), await freePort(), await freePort()]
    baseUrl = `https://localhost:${port}`
    const env = (appPort: number): Record<string, string> => ({
      GATEHOUSE_BASE_URL: baseUrl,
      GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_PORT: String(appPort),
      GATEHOUSE_DATABASE_URL: url.toString(),
      GATEHOUSE_TRUST_PROXY: '1',
      GATEHOUSE_RATE_LIMIT_IP: String(PER_IP),
      GATEHOUSE_SECRET_KEY: randomKey,
      GATEHOUSE_DATA_DIR: join(dir, 'data'),
      GATEHOUSE_LOG_LEVEL: 'info',
    })
    const randomKey = randomBytes(32).toString('hex')
    // One after the other: the first migrates and makes the keys; the second finds them.
    const first = spawnCli(['start'], dir, env(portA))
    gatehouses.push(first)
    setupLink = await first.waitFor(/(\S+\/setup\?token=\S+)\s/, 20_000, 'the set-up link')
    const second = spawnCli(['start'], dir, env(portB))
    gatehouses.push(second)
    await second.waitFor(/"(gatehouse started)"/, 20_000, 'the second process started')

    for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'nginx', name), { recursive: true })
    const site = instantiate(readFileSync(DOCUMENTED, 'utf8'), {
      port,
      cert: join(dir, 'tls.pem'),
      key: join(dir, 'tls.key'),
      upstreams: [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`],
      accessLog: join(dir, 'access.log'),
    })
    writeFileSync(join(dir, 'site.conf'), site)
    const temp = (name: string) => `${name}_temp_path ${join(dir, 'nginx', name === 'client_body' ? 'body' : name)};`
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        process.getuid?.() === 0 ? 'user root;' : '',
        'worker_processes 1;',
        'events { worker_connections 256; }',
        'http {',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
        `include ${join(dir, 'site.conf')};`,
        '}',
        '',
      ].join('\n'),
    )
    nginx = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    nginx.stderr!.on('data', (chunk: Buffer) => {
      nginxStderr += chunk.toString('utf8')
    })
    nginxExited = new Promise((resolve) => nginx!.once('exit', resolve))
    // Ready when it answers through to Gatehouse.
    const ready = async () => {
      for (;;) {
        if (nginx!.exitCode !== null)
          throw new Error(
            `nginx exited ${nginx!.exitCode}: ${nginxStderr}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`,
          )
        try {
          if ((await call('GET', '/healthz')).status === 200) return
        } catch {
          /* not listening yet */
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    await within(ready(), 10_000, 'nginx to answer /healthz')

    browser = await launchBrowser()
    context = await browser.newContext({ baseURL: baseUrl, ignoreHTTPSErrors: true })
    page = await context.newPage()
  }, 120_000)

  afterAll(async () => {
    await browser?.close().catch(() => {})
    if (nginx !== undefined && nginx.exitCode === null) {
      nginx.kill('SIGQUIT')
      const timer = setTimeout(() => nginx!.kill('SIGKILL'), 5_000)
      await nginxExited
      clearTimeout(timer)
    }
    await Promise.all(gatehouses.map((g) => g.stop()))
    if (schema !== undefined) {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await admin.connect()
      await admin.query(`drop schema if exists ${schema} cascade`)
      await admin.end()
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it('runs the sign-in walk in Chromium through https: set-up, development IdP, SSO sign-in', async () => {
    expect(setupLink.startsWith(`${baseUrl}/setup?token=`)).toBe(true)
    await page.goto(setupLink)
    await page.getByLabel('Organization name').fill('Acme Corporation')
    await page.getByLabel('Slug').fill('acme')
    await page.getByLabel('Email', { exact: true }).fill(OWNER)
    await page.getByLabel('First name').fill('Olivia')
    await page.getByLabel('Last name').fill('Owner')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: /create/i }).click()
    await page.waitForURL('**/dashboard')

    await page.getByRole('link', { name: 'Single sign-on' }).click()
    await page.getByRole('textbox', { name: 'SSO name' }).fill('acme')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.waitForURL('**/orgs/acme/sso?notice=created')
    await page.goto('/orgs/acme/sso/idp')
    await page.getByRole('button', { name: 'Use the development IdP' }).click()
    await page.waitForURL(/\/orgs\/acme\/sso(\/idp)?(\?|$)/)

    await page.goto('/orgs/acme/sso')
    await page.getByRole('button', { name: 'Test SSO' }).click()
    await page.waitForURL('**/dev/idp/**')
    await page.getByLabel('Email (NameID and the email attribute)').fill(OWNER)
    await page.getByLabel('First name').fill('Olivia')
    await page.getByLabel('Last name').fill('Owner')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL('**/orgs/acme/sso/tests/**')
    expect(await page.textContent('main')).toContain('Success')
    await page.getByRole('button', { name: 'Enable SSO' }).click()
    await page.waitForURL('**/orgs/acme/sso?notice=enabled')
    expect(await page.textContent('main')).toContain(`${baseUrl}/sso/acme`)

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/login?notice=signed-out')
    await page.getByLabel(/SSO name/).fill('acme')
    await page.getByRole('button', { name: 'Continue with SSO' }).click()
    await page.waitForURL('**/dev/idp/**')
    await page.getByLabel('Email (NameID and the email attribute)').fill(OWNER)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL('**/dashboard')
    expect(page.url().startsWith(`${baseUrl}/`)).toBe(true)
    const main = await page.textContent('main')
    expect(main).toContain('with single sign-on')
    expect(main).toContain('owner')
    // Both processes served the walk (nginx alternates): the flow crossed processes.
    for (const g of gatehouses) expect(g.stdout()).toMatch(/"statusCode":200/)
  }, 60_000)

  it('sets only __Host- cookies, all Secure, path /', async () => {
    const cookies = await context.cookies(baseUrl)
    expect(cookies.length).toBeGreaterThan(0)
    for (const cookie of cookies) {
      expect(cookie.name, cookie.name).toMatch(/^__Host-/)
      expect(cookie.secure, cookie.name).toBe(true)
      expect(cookie.path, cookie.name).toBe('/')
    }
    expect(cookies.map((c) => c.name)).toContain('__Host-gh_session')
  })

  it('advertises the https base URL in OIDC discovery and SAML metadata, whatever Host the client sends', async () => {
    const discovery = await call('GET', '/oidc/.well-known/openid-configuration', { host: 'evil.example' })
    expect(discovery.status).toBe(200)
    const doc = JSON.parse(discovery.body) as Record<string, unknown>
    expect(doc.issuer).toBe(`${baseUrl}/oidc`)
    for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint']) {
      expect(String(doc[key]), key).toMatch(new RegExp(`^${baseUrl.replace(/\./g, '\\.')}/`))
    }
    const metadata = await call('GET', '/saml/acme/metadata', { host: 'evil.example' })
    expect(metadata.status).toBe(200)
    const entityId = /entityID="([^"]+)"/.exec(metadata.body)?.[1]
    const acs = /AssertionConsumerService[^>]*Location="([^"]+)"/.exec(metadata.body)?.[1]
    expect(entityId?.startsWith(`${baseUrl}/`), entityId).toBe(true)
    expect(acs?.startsWith(`${baseUrl}/`), acs).toBe(true)
    expect(metadata.body).not.toContain('evil.example')
    const locations = [...metadata.body.matchAll(/Location="([^"]+)"/g)].map((m) => m[1]!)
    expect(locations.length).toBeGreaterThan(0)
    for (const location of locations) expect(location.startsWith(`${baseUrl}/`), location).toBe(true)
  })

  it('limits a client by the address nginx saw, however it rotates its own X-Forwarded-For', async () => {
    const windowOf = () => Math.floor(Date.now() / (15 * 60_000))
    // The limit counts in fixed 15-minute windows: a run that straddles a boundary is run again.
    for (let round = 0; ; round++) {
      const window = windowOf()
      const statuses: number[] = []
      for (let i = 0; i <= PER_IP; i++) {
        const res = await call(
          'POST',
          '/api/v1/auth/password',
          { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${round * 10 + i}` },
          JSON.stringify({ email: `nobody${round}-${i}@acme.test`, password: 'wrong password!', org: 'acme' }),
        )
        statuses.push(res.status)
      }
      if (windowOf() !== window && round === 0) continue
      // The first PER_IP are wrong passwords; then 127.0.0.1 (what nginx appended) is over its limit.
      expect(statuses).toEqual([...Array<number>(PER_IP).fill(401), 429])
      break
    }
  })

  it("keeps the X-Request-Id nginx generated ($request_id) and logs Gatehouse's line for the request under it", async () => {
    const res = await call('GET', '/login', { 'x-request-id': 'client-chosen-id-123' })
    expect(res.status).toBe(200)
    const id = String(res.headers['x-request-id'])
    expect(id).toMatch(/^[0-9a-f]{32}$/) // nginx's $request_id, not the client's and not a UUID of ours
    await within(
      (async () => {
        while (!gatehouses.some((g) => g.stdout().includes(`"reqId":"${id}"`))) await new Promise((resolve) => setTimeout(resolve, 50))
      })(),
      5_000,
      'the request id in a Gatehouse log line',
    )
    // nginx writes its access-log line once the response is sent: wait for it too.
    await within(
      (async () => {
        while (!readFileSync(join(dir, 'access.log'), 'utf8').includes(id)) await new Promise((resolve) => setTimeout(resolve, 50))
      })(),
      5_000,
      'the request id in the nginx access log',
    )
    expect(gatehouses.some((g) => g.stdout().includes('client-chosen-id-123'))).toBe(false)
  })
})
