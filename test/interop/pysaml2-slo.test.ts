/**
 * Interop, single logout (DESIGN §10): pysaml2 (Debian python3-pysaml2 + xmlsec1) is the IdP for all
 * four flows — SP-initiated and IdP-initiated, each over HTTP-Redirect and HTTP-POST. pysaml2 is run
 * strictly (pysaml2_idp.py): it refuses any message from Gatehouse whose signature (the query
 * string's for Redirect, the XML one for POST) does not verify with the SP certificate from our
 * metadata, so passing proves our signatures; Gatehouse checks pysaml2's the same way.
 * Skips (saying why) when /usr/bin/python3 cannot import saml2 or xmlsec1/openssl are missing.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { sentToIdp } from '../helpers/slo.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

const PYTHON = '/usr/bin/python3'
const DRIVER = fileURLToPath(new URL('./pysaml2_idp.py', import.meta.url))
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

const available =
  spawnSync(PYTHON, ['-c', 'import saml2.server, shutil, sys; sys.exit(0 if shutil.which("xmlsec1") and shutil.which("openssl") else 3)'], {
    cwd: tmpdir(),
    stdio: 'ignore',
    timeout: 20_000,
  }).status === 0
if (!available) console.warn('[interop] skipping pysaml2 single logout tests: /usr/bin/python3 cannot import saml2, or xmlsec1/openssl is missing')

type Binding = 'redirect' | 'post'
interface Sent {
  binding: Binding
  url: string
  message?: string
  relayState?: string | null
}

describe.runIf(available)('pysaml2 as the IdP: single logout', () => {
  let ctx: TestContext
  let dir: string
  let peer: ChildProcessWithoutNullStreams
  let stderr = ''
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = []

  function driver(command: string, input: object = {}): Promise<any> {
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject })
      peer.stdin.write(`${JSON.stringify({ command, ...input })}\n`)
    })
  }
  const syncClock = () => ctx.clock.set(new Date().toISOString())

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-pysaml2-slo-'))
    const [key, cert, sp] = ['idp-key.pem', 'idp-cert.pem', 'sp-metadata.xml'].map((f) => join(dir, f)) as [string, string, string]
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30', '-subj', '/CN=idp.interop.test', '-keyout', key, '-out', cert],
      {
        stdio: 'ignore',
      },
    )
    ctx = await createTestContext()
    syncClock()
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'POST', '/organizations/acme/members', { email: 'ada@acme.test', firstName: 'Ada', lastName: 'L', role: 'member' })
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    writeFileSync(sp, (await ctx.app.inject({ method: 'GET', url: '/saml/acme/metadata' })).body)
    peer = spawn(PYTHON, [DRIVER, '--key', key, '--cert', cert, '--sp-metadata', sp, 'serve'], { cwd: dir })
    peer.stderr.on('data', (c: Buffer) => (stderr = (stderr + String(c)).slice(-4000)))
    createInterface({ input: peer.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as { ok?: unknown; error?: string }
      const next = waiting.shift()
      if (answer.error !== undefined) next?.reject(new Error(`pysaml2: ${answer.error}`))
      else next?.resolve(answer.ok)
    })
    peer.on('exit', (code) => waiting.splice(0).forEach((w) => w.reject(new Error(`pysaml2 driver exited ${code}: ${stderr}`))))
    await configure('redirect')
    expect((await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true })).status).toBe(200)
  }, 60_000)

  afterAll(async () => {
    if (peer !== undefined && peer.exitCode === null) {
      const exited = new Promise((resolve) => peer.once('exit', resolve))
      peer.stdin.end()
      await exited
    }
    await ctx?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })
  beforeEach(() => syncClock())

  /** pysaml2's metadata offering SLO by this binding only, so Gatehouse uses it. */
  async function configure(binding: Binding) {
    const res = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: await driver('metadata', { sloBindings: [binding] }) })
    expect(res.json.idp).toMatchObject({ sloUrl: 'https://idp.interop.test/slo', sloBinding: binding })
  }

  /** SP-initiated sign-in answered by pysaml2: the member has an SSO session with pysaml2's NameID and SessionIndex. */
  async function signIn(): Promise<Browser> {
    const b = browser(ctx.app)
    const start = await b.get('/sso/acme')
    const location = String(start.headers.location)
    const raw = Object.fromEntries(
      location
        .slice(location.indexOf('?') + 1)
        .split('&')
        .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    )
    const answer = await driver('respond', {
      samlRequest: raw.SAMLRequest,
      sigAlg: raw.SigAlg,
      signature: raw.Signature,
      relayState: raw.RelayState,
      nameId: 'ada@acme.test',
      signAssertion: true,
    })
    syncClock()
    const acs = await b.post('/saml/acme/acs', { SAMLResponse: answer.samlResponse, RelayState: answer.relayState })
    expect(acs.statusCode, acs.body.slice(0, 300)).toBe(303)
    expect((await b.get('/api/v1/me')).statusCode).toBe(200)
    return b
  }

  /** What the browser carries from Gatehouse to pysaml2, in the driver's terms (raw query values for Redirect). */
  function toPeer(res: Parameters<typeof sentToIdp>[0]) {
    const sent = sentToIdp(res)
    if (sent.binding === 'post') {
      const field = /name="(SAMLRequest|SAMLResponse)" value="([^"]+)"/.exec(res.body)!
      return { binding: 'post' as const, message: field[2]!, relayState: sent.relayState ?? undefined, xml: sent.xml }
    }
    const query = Object.fromEntries(
      sent.raw
        .slice(sent.raw.indexOf('?') + 1)
        .split('&')
        .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    )
    return {
      binding: 'redirect' as const,
      message: query.SAMLRequest ?? query.SAMLResponse,
      sigAlg: query.SigAlg,
      signature: query.Signature,
      relayState: query.RelayState,
      xml: sent.xml,
    }
  }

  /** The browser arriving at Gatehouse's SLO endpoint with what pysaml2 sent. */
  function fromPeer(b: Browser, sent: Sent, parameter: 'SAMLRequest' | 'SAMLResponse') {
    syncClock()
    if (sent.binding === 'redirect') return b.get(sent.url.slice(sent.url.indexOf('/saml/')))
    expect(sent.url).toBe('http://gatehouse.test/saml/acme/slo')
    return b.post('/saml/acme/slo', { [parameter]: sent.message!, ...(sent.relayState == null ? {} : { RelayState: sent.relayState }) })
  }

  for (const binding of ['redirect', 'post'] as const) {
    describe(`over HTTP-${binding === 'redirect' ? 'Redirect' : 'POST'}`, () => {
      beforeAll(() => configure(binding))

      it('SP-initiated: pysaml2 verifies our signed LogoutRequest, reads the NameID and SessionIndex, and its signed answer lands us signed out', async () => {
        const b = await signIn()
        const out = await b.submit('/logout', '/logout', {})
        expect((await b.get('/api/v1/me')).statusCode).toBe(401)
        const request = toPeer(out)
        expect(request.binding).toBe(binding)
        const answer = await driver('slo_answer', request)
        expect(answer).toMatchObject({
          requestSignatureVerified: true,
          nameId: 'ada@acme.test',
          nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        })
        expect(answer.sessionIndexes).toHaveLength(1)
        const landed = await fromPeer(b, answer, 'SAMLResponse')
        expect(landed.statusCode, landed.body.slice(0, 300)).toBe(303)
        expect(landed.headers.location).toBe('/login?notice=signed-out-idp')
      })

      it('SP-initiated: pysaml2 refuses our LogoutRequest once its signature is broken (it really checks)', async () => {
        const b = await signIn()
        const request = toPeer(await b.submit('/logout', '/logout', {}))
        const broken =
          request.binding === 'redirect'
            ? { ...request, signature: encodeURIComponent(Buffer.alloc(256, 7).toString('base64')) }
            : { ...request, message: Buffer.from(request.xml.replace('ada@acme.test', 'eve@acme.test'), 'utf8').toString('base64') }
        await expect(driver('slo_answer', broken)).rejects.toThrow(/signature|signed/)
      })

      it("IdP-initiated: pysaml2's signed LogoutRequest signs the member out, and pysaml2 verifies our signed Success", async () => {
        const b = await signIn()
        const request = await driver('slo_request', { binding, nameId: 'ada@acme.test', relayState: 'peer-state' })
        const res = await fromPeer(b, request, 'SAMLRequest')
        expect((await b.get('/api/v1/me')).statusCode).toBe(401)
        const response = toPeer(res)
        expect(response.binding).toBe(binding)
        expect(response.relayState).toBe('peer-state') // echoed, bindings §3.4.3 / §3.5.3
        const checked = await driver('slo_check', response)
        expect(checked).toMatchObject({ signatureVerified: true, status: SUCCESS, inResponseTo: request.requestId, issuer: 'http://gatehouse.test/saml/acme' })
      })
    })
  }
})
