/**
 * Interop: pysaml2 (Debian python3-pysaml2 + xmlsec1, a stack we did not write) is the IdP.
 * SP-initiated: Gatehouse's HTTP-Redirect AuthnRequest goes to pysaml2, which checks its
 * query-string signature, parses it and answers with InResponseTo; IdP-initiated: pysaml2 answers
 * nobody. Response signed, Assertion signed, both, and an assertion encrypted to the SP
 * certificate; each must end in a session for the org. A replayed response is refused.
 *
 * pysaml2 stamps real time on what it issues, so Gatehouse's test clock is set to the wall clock.
 * Skips (with a message) when /usr/bin/python3 cannot import saml2 or xmlsec1/openssl are missing;
 * .ci/run installs them.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { inflateRawSync } from 'node:zlib'
import { DOMParser, type Element } from '@xmldom/xmldom'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'

const PYTHON = '/usr/bin/python3'
const DRIVER = fileURLToPath(new URL('./pysaml2_idp.py', import.meta.url))
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion'
const DS = 'http://www.w3.org/2000/09/xmldsig#'
const XENC = 'http://www.w3.org/2001/04/xmlenc#'

function peerAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import saml2.server, shutil, sys; sys.exit(0 if shutil.which("xmlsec1") and shutil.which("openssl") else 3)'], {
    cwd: tmpdir(),
    stdio: 'ignore',
    timeout: 20_000,
  })
  return probe.status === 0
}

const available = peerAvailable()
if (!available) {
  console.warn(
    '[interop] skipping pysaml2 interop tests: /usr/bin/python3 cannot import saml2, or xmlsec1/openssl is missing (apt-get install -y python3-pysaml2 xmlsec1)',
  )
}

interface RespondRequest {
  samlRequest?: string
  sigAlg?: string
  signature?: string
  relayState?: string
  nameId: string
  attributes?: Record<string, string | string[]>
  signResponse?: boolean
  signAssertion?: boolean
  encryptAssertion?: boolean
  unsolicited?: boolean
}

interface RespondResult {
  samlResponse: string
  relayState: string | null
  destination: string
  inResponseTo: string | null
  requestSignatureVerified: boolean
}

describe.runIf(available)('pysaml2 as the IdP', () => {
  let ctx: TestContext
  let dir: string
  const files = () => ({ key: join(dir, 'idp-key.pem'), cert: join(dir, 'idp-cert.pem'), sp: join(dir, 'sp-metadata.xml') })
  const ACS = 'http://gatehouse.test/saml/acme/acs'
  const SP_ENTITY_ID = 'http://gatehouse.test/saml/acme'

  /**
   * The driver in serve mode: one Python process for the file (importing saml2 takes seconds),
   * one JSON line per request. An error from pysaml2 fails the test with pysaml2's own words.
   */
  let peer: ChildProcessWithoutNullStreams | undefined
  let peerStderr = ''
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = []
  function startPeer(): void {
    const f = files()
    const child = spawn(PYTHON, [DRIVER, '--key', f.key, '--cert', f.cert, '--sp-metadata', f.sp, 'serve'], { cwd: dir })
    child.stderr.on('data', (c: Buffer) => {
      peerStderr = (peerStderr + String(c)).slice(-4000)
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as { ok?: unknown; error?: string }
      const next = waiting.shift()
      if (answer.error !== undefined) next?.reject(new Error(`pysaml2: ${answer.error}`))
      else next?.resolve(answer.ok)
    })
    child.on('exit', (code) => {
      for (const w of waiting.splice(0)) w.reject(new Error(`pysaml2 driver exited ${code}: ${peerStderr}`))
    })
    child.on('error', (error) => {
      for (const w of waiting.splice(0)) w.reject(error)
    })
    peer = child
  }
  function driver(command: 'metadata' | 'respond', input: object = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject })
      peer!.stdin.write(`${JSON.stringify({ command, ...input })}\n`)
    })
  }

  const respond = async (request: RespondRequest) => (await driver('respond', request)) as RespondResult

  /** Gatehouse checks times against its clock; pysaml2 uses the wall clock. */
  const syncClock = () => ctx.clock.set(new Date().toISOString())

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-pysaml2-'))
    const f = files()
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30', '-subj', '/CN=idp.interop.test', '-keyout', f.key, '-out', f.cert],
      { stdio: 'ignore' },
    )

    ctx = await createTestContext()
    syncClock()
    const ok = (r: { status: number; json: unknown }, what: string) => {
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`)
    }
    ok(await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' }), 'create org')
    ok(
      await operator(ctx, 'POST', '/organizations/acme/members', { email: 'ada@acme.test', firstName: 'Before', lastName: 'Sso', role: 'member' }),
      'add member',
    )
    ok(await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' }), 'sso name')

    const spMetadata = await ctx.app.inject({ method: 'GET', url: '/saml/acme/metadata' })
    expect(spMetadata.statusCode).toBe(200)
    writeFileSync(f.sp, spMetadata.body)

    startPeer()
    const idpMetadata = (await driver('metadata')) as string
    const idp = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: idpMetadata })
    ok(idp, 'idp metadata')
    expect(idp.json.idp).toMatchObject({
      entityId: 'https://idp.interop.test/metadata',
      ssoUrlRedirect: 'https://idp.interop.test/sso',
      ssoUrlPost: 'https://idp.interop.test/sso',
    })
    ok(await operator(ctx, 'POST', '/organizations/acme/sso/enable', { skipTest: true }), 'enable')
  }, 60_000)

  afterAll(async () => {
    if (peer !== undefined && peer.exitCode === null) {
      const exited = new Promise((resolve) => peer!.once('exit', resolve))
      peer.stdin.end()
      await exited
    }
    await ctx?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  beforeEach(() => syncClock())

  /** GET /sso/acme → the raw (still URL-encoded) query values of the Redirect binding URL, and the request ID. */
  async function startSignIn(b: Browser) {
    const res = await b.get('/sso/acme')
    expect(res.statusCode).toBe(302)
    const location = String(res.headers.location)
    expect(location.startsWith('https://idp.interop.test/sso?')).toBe(true)
    const raw = Object.fromEntries(
      location
        .slice(location.indexOf('?') + 1)
        .split('&')
        .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    )
    const requestXml = inflateRawSync(Buffer.from(decodeURIComponent(raw.SAMLRequest!), 'base64')).toString('utf8')
    const requestId = /\bID="([^"]+)"/.exec(requestXml)![1]!
    expect(requestXml).toContain(`<saml:Issuer>${SP_ENTITY_ID}</saml:Issuer>`)
    return { raw, requestId }
  }

  function postToAcs(b: Browser, samlResponse: string, relayState?: string | null) {
    syncClock()
    return b.post('/saml/acme/acs', { SAMLResponse: samlResponse, ...(relayState == null ? {} : { RelayState: relayState }) })
  }

  /** The parts of pysaml2's response that say what this case really exercised. */
  function shape(samlResponse: string) {
    const doc = new DOMParser().parseFromString(Buffer.from(samlResponse, 'base64').toString('utf8'), 'text/xml')
    const response = doc.documentElement!
    const children = (el: Element, ns: string, name: string) =>
      Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name)
    const assertion = children(response, SAML, 'Assertion')[0]
    const encrypted = children(response, SAML, 'EncryptedAssertion')[0]
    const all = (ns: string, name: string) => Array.from(doc.getElementsByTagNameNS(ns, name))
    return {
      inResponseTo: response.getAttribute('InResponseTo') || null,
      destination: response.getAttribute('Destination'),
      responseSigned: children(response, DS, 'Signature').length === 1,
      assertionSigned: assertion === undefined ? null : children(assertion, DS, 'Signature').length === 1,
      encrypted: encrypted !== undefined,
      signatureMethods: [...new Set(all(DS, 'SignatureMethod').map((e) => e.getAttribute('Algorithm')))],
      digestMethods: [...new Set(all(DS, 'DigestMethod').map((e) => e.getAttribute('Algorithm')))],
      encryptionMethods: all(XENC, 'EncryptionMethod').map((e) => `${(e.parentNode as Element).localName}:${e.getAttribute('Algorithm')}`),
    }
  }

  async function expectSignedIn(
    b: Browser,
    res: { statusCode: number; headers: Record<string, unknown>; body: string },
    names: { firstName: string; lastName: string },
  ) {
    expect(res.statusCode, res.body.slice(0, 500)).toBe(303)
    expect(res.headers.location).toBe('/dashboard')
    const me = await b.get('/api/v1/me')
    expect(me.statusCode).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ email: 'ada@acme.test', org: 'acme', authMethod: 'saml', ...names })
  }

  async function lastFailureCode(): Promise<unknown> {
    const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    return (log.json.data as { action: string; detail: { code?: string } }[]).find((e) => e.action === 'sso.sign_in_failed')?.detail.code
  }

  const SHA256 = { signatureMethods: ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'], digestMethods: ['http://www.w3.org/2001/04/xmlenc#sha256'] }

  const spInitiated: { name: string; flags: Pick<RespondRequest, 'signResponse' | 'signAssertion' | 'encryptAssertion'>; expected: Record<string, unknown> }[] =
    [
      {
        name: 'Response signed (Assertion not)',
        flags: { signResponse: true, signAssertion: false },
        expected: { responseSigned: true, assertionSigned: false, encrypted: false },
      },
      {
        name: 'Assertion signed (Response not)',
        flags: { signResponse: false, signAssertion: true },
        expected: { responseSigned: false, assertionSigned: true, encrypted: false },
      },
      {
        name: 'Response and Assertion both signed',
        flags: { signResponse: true, signAssertion: true },
        expected: { responseSigned: true, assertionSigned: true, encrypted: false },
      },
      {
        name: 'encrypted Assertion (signed inside) in a signed Response',
        flags: { signResponse: true, signAssertion: true, encryptAssertion: true },
        expected: {
          responseSigned: true,
          assertionSigned: null,
          encrypted: true,
          // pysaml2 7's defaults: RSA-OAEP-MGF1P key transport (Gatehouse refuses RSA 1.5), 3DES-CBC content.
          encryptionMethods: ['EncryptedData:http://www.w3.org/2001/04/xmlenc#tripledes-cbc', 'EncryptedKey:http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p'],
        },
      },
    ]

  for (const [index, c] of spInitiated.entries()) {
    it(`SP-initiated, ${c.name}: pysaml2 answers Gatehouse's Redirect AuthnRequest and the member is signed in`, async () => {
      const b = browser(ctx.app)
      const { raw, requestId } = await startSignIn(b)
      const names = { firstName: `Ada${index}`, lastName: `Lovelace${index}` }
      const answer = await respond({
        samlRequest: raw.SAMLRequest,
        sigAlg: raw.SigAlg,
        signature: raw.Signature,
        relayState: raw.RelayState,
        nameId: 'ada@acme.test',
        attributes: { email: 'ada@acme.test', first_name: names.firstName, last_name: names.lastName },
        ...c.flags,
      })
      // pysaml2 verified the query-string signature and answered this very request at our ACS.
      expect(answer.requestSignatureVerified).toBe(true)
      expect(answer.relayState).toBe(decodeURIComponent(raw.RelayState!))
      expect(shape(answer.samlResponse)).toMatchObject({ inResponseTo: requestId, destination: ACS, ...SHA256, ...c.expected })

      await expectSignedIn(b, await postToAcs(b, answer.samlResponse, answer.relayState), names)
    })
  }

  it('IdP-initiated (unsolicited, no InResponseTo, Response and Assertion signed): the member is signed in', async () => {
    const b = browser(ctx.app)
    const answer = await respond({
      unsolicited: true,
      nameId: 'ada@acme.test',
      attributes: { first_name: 'Ada', last_name: 'Tile' },
      signResponse: true,
      signAssertion: true,
    })
    expect(shape(answer.samlResponse)).toMatchObject({ inResponseTo: null, destination: ACS, responseSigned: true, assertionSigned: true, ...SHA256 })
    await expectSignedIn(b, await postToAcs(b, answer.samlResponse), { firstName: 'Ada', lastName: 'Tile' })
  })

  it('the same pysaml2 response posted twice: the second is refused (SP-initiated: its request is used up)', async () => {
    const first = browser(ctx.app)
    const { raw } = await startSignIn(first)
    const answer = await respond({
      samlRequest: raw.SAMLRequest,
      sigAlg: raw.SigAlg,
      signature: raw.Signature,
      relayState: raw.RelayState,
      nameId: 'ada@acme.test',
      signResponse: true,
      signAssertion: true,
    })
    expect((await postToAcs(first, answer.samlResponse, answer.relayState)).statusCode).toBe(303)

    const attacker = browser(ctx.app)
    const replay = await postToAcs(attacker, answer.samlResponse, answer.relayState)
    expect(replay.statusCode).toBe(403)
    expect(replay.body).toContain('Sign-in failed')
    expect((await attacker.get('/api/v1/me')).statusCode).toBe(401)
    expect(await lastFailureCode()).toBe('request_unknown')
  })

  it('the same unsolicited pysaml2 response posted twice: the second is refused as a replayed assertion', async () => {
    const answer = await respond({ unsolicited: true, nameId: 'ada@acme.test', signAssertion: true })
    expect((await postToAcs(browser(ctx.app), answer.samlResponse)).statusCode).toBe(303)

    const attacker = browser(ctx.app)
    const replay = await postToAcs(attacker, answer.samlResponse)
    expect(replay.statusCode).toBe(403)
    expect(replay.body).toContain('Sign-in failed')
    expect((await attacker.get('/api/v1/me')).statusCode).toBe(401)
    expect(await lastFailureCode()).toBe('assertion_replayed')
  })
})
