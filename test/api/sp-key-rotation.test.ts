/**
 * The staged SAML SP key rotation (issue 19 item 5): a rotation publishes the next key in SP metadata
 * at once, AuthnRequests stay signed by the current key until the publication period ends (or the
 * operator activates the next key), and then by the next one — in every process at the same instant,
 * since the time decides — while assertions encrypted to either key decrypt throughout.
 * Two Gatehouse instances on one database; the controllable clock moves the publication period.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addMs, days } from '../../src/core/clock.js'
import { KEY_REFRESH_MS } from '../../src/core/key-refresh.js'
import { ConfigError } from '../../src/config.js'
import { browser } from '../helpers/browser.js'
import { postAcs, responseFor, startSso, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, testConfig, type TestContext } from '../helpers/test-app.js'
import { encryptAssertion, type TestIdp } from '../helpers/test-idp.js'
import { certificateBody, redirectSignedBy, twoInstances } from '../helpers/two-instances.js'
import { expectApiError } from './support.js'

let a: TestContext
let b: TestContext
let idp: TestIdp
let org: SsoOrg
let close: (() => Promise<void>) | undefined

beforeEach(async () => {
  ;({ a, b, idp, org, close } = await twoInstances('sp-rotation'))
}, 30_000)
afterEach(() => close?.())

const b64 = certificateBody
const both = () => [a, b]
const advance = (ms: number) => both().forEach((ctx) => ctx.clock.advance(ms))
const keys = async () => (await operator(a, 'GET', '/sp-keys')).json.data as { id: string; state: string; activatesAt: string; certificatePem: string }[]
const metadataOf = async (ctx: TestContext) => (await ctx.app.inject({ method: 'GET', url: `/saml/${org.ssoName}/metadata` })).body

async function signerOf(ctx: TestContext, candidates: readonly string[]): Promise<string[]> {
  const { location } = await startSso(browser(ctx.app), org.ssoName)
  return candidates.filter((pem) => redirectSignedBy(location, pem))
}

async function decrypts(ctx: TestContext, certificatePem: string): Promise<boolean> {
  const xml = await encryptAssertion(responseFor(ctx, idp, org, { nameId: 'alice@acme.test' }), certificatePem)
  return (await postAcs(browser(ctx.app), org, xml)).statusCode === 303
}

describe('a staged SP key rotation', () => {
  it('publishes the next key at once, signs with the current one until the period ends, then with the next; both decrypt throughout', async () => {
    const [current] = await keys()
    const next = (await operator(a, 'POST', '/sp-keys')).json
    expect(next).toMatchObject({ state: 'next', activatesAt: addMs(a.clock.now(), days(7)).toISOString() })
    const pems = [current!.certificatePem, next.certificatePem]
    advance(KEY_REFRESH_MS)
    for (const ctx of both()) {
      const metadata = await metadataOf(ctx)
      expect(metadata).toContain(b64(next.certificatePem))
      expect(metadata.indexOf(b64(current!.certificatePem))).toBeLessThan(metadata.indexOf(b64(next.certificatePem)))
      expect(await signerOf(ctx, pems)).toEqual([current!.certificatePem])
      expect(await decrypts(ctx, next.certificatePem)).toBe(true)
      expect(await decrypts(ctx, current!.certificatePem)).toBe(true)
    }

    both().forEach((ctx) => ctx.clock.set(new Date(new Date(next.activatesAt).getTime() - 1).toISOString()))
    for (const ctx of both()) expect(await signerOf(ctx, pems)).toEqual([current!.certificatePem])
    advance(1)
    for (const ctx of both()) {
      expect(await signerOf(ctx, pems)).toEqual([next.certificatePem])
      const metadata = await metadataOf(ctx)
      expect(metadata.indexOf(b64(next.certificatePem))).toBeLessThan(metadata.indexOf(b64(current!.certificatePem)))
      expect((await ctx.app.inject({ method: 'GET', url: `/saml/${org.ssoName}/certificate` })).body).toBe(next.certificatePem)
      expect(await decrypts(ctx, current!.certificatePem)).toBe(true)
      expect(await decrypts(ctx, next.certificatePem)).toBe(true)
    }
    expect((await keys()).map((k) => k.state)).toEqual(['signing', 'previous'])
  })

  it('signs with the next key from the moment the operator activates it; activating twice, an unknown or an older key is refused', async () => {
    const [current] = await keys()
    const next = (await operator(a, 'POST', '/sp-keys')).json
    const r = await operator(a, 'POST', `/sp-keys/${next.id}/activate`)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ id: next.id, state: 'signing', signing: true, activatesAt: a.clock.now().toISOString() })
    expect(await signerOf(a, [current!.certificatePem, next.certificatePem])).toEqual([next.certificatePem])
    b.clock.advance(KEY_REFRESH_MS)
    expect(await signerOf(b, [current!.certificatePem, next.certificatePem])).toEqual([next.certificatePem])
    const audit = await a.runtime.db.selectFrom('audit_events').selectAll().where('action', '=', 'sp_key.activated').execute()
    expect(audit.map((e) => [e.actor, e.target])).toEqual([['operator', next.id]])

    const before = await keys()
    expectApiError(await operator(a, 'POST', `/sp-keys/${next.id}/activate`), 409, 'sp_key_not_pending')
    expectApiError(await operator(a, 'POST', `/sp-keys/${current!.id}/activate`), 409, 'sp_key_not_pending')
    expectApiError(await operator(a, 'POST', '/sp-keys/00000000-0000-0000-0000-000000000000/activate'), 404, 'sp_key_not_found')
    expect(await keys()).toEqual(before)
  })

  it('refuses a second rotation while a next key waits, changing nothing; retiring the next key withdraws it and lets a rotation in', async () => {
    const [current] = await keys()
    const next = (await operator(a, 'POST', '/sp-keys')).json
    const before = await keys()
    expectApiError(await operator(a, 'POST', '/sp-keys'), 409, 'sp_key_rotation_pending')
    expectApiError(await operator(a, 'POST', '/sp-keys', { activate: true }), 409, 'sp_key_rotation_pending')
    expect(await keys()).toEqual(before)
    expectApiError(await operator(a, 'POST', `/sp-keys/${current!.id}/retire`), 409, 'sp_key_in_use')

    expect((await operator(a, 'POST', `/sp-keys/${next.id}/retire`)).status).toBe(200)
    expect(await metadataOf(a)).not.toContain(b64(next.certificatePem))
    expect(await signerOf(a, [current!.certificatePem])).toEqual([current!.certificatePem])
    expect((await operator(a, 'POST', '/sp-keys')).status).toBe(201)
  })
})

describe('GATEHOUSE_SP_KEY_PUBLICATION_DAYS', () => {
  it('sets the publication period; 0 makes a rotation sign at once; out of 0–90 stops the start', async () => {
    for (const [value, signsAfter] of [
      ['2', days(2)],
      ['0', 0],
    ] as const) {
      const ctx = await createTestContext({ env: { GATEHOUSE_SP_KEY_PUBLICATION_DAYS: value } })
      try {
        const rotated = (await operator(ctx, 'POST', '/sp-keys')).json
        expect(rotated.activatesAt, value).toBe(addMs(ctx.clock.now(), signsAfter).toISOString())
        expect(rotated.signing, value).toBe(signsAfter === 0)
      } finally {
        await ctx.close()
      }
    }
    for (const bad of ['91', '-1', 'week']) expect(() => testConfig({ GATEHOUSE_SP_KEY_PUBLICATION_DAYS: bad }), bad).toThrow(ConfigError)
    expect(testConfig().spKeyPublicationDays).toBe(7)
  })
})
