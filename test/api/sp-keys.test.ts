/**
 * Operator API for the SAML SP key pairs: list, rotate, retire. Never a private key in an answer, the
 * audit log or the logs; the signing (newest) pair and unknown or retired ids refused with their codes,
 * changing nothing; each change audited as the operator's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { minutes } from '../../src/core/clock.js'
import { activeSpKeys } from '../../src/core/sp-keys.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { expectApiError } from './support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
})
afterEach(() => ctx.close())

const list = async () =>
  (await operator(ctx, 'GET', '/sp-keys')).json.data as { id: string; active: boolean; signing: boolean; retiredAt: string | null; certificatePem: string }[]
const audit = (action: string) => ctx.runtime.db.selectFrom('audit_events').selectAll().where('action', '=', action).execute()
const b64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '')

/** Every form a private key of this deployment could leak in: PEM, its base64 body, the sealed column. */
async function privateKeyForms(): Promise<string[]> {
  const rows = await ctx.runtime.db.selectFrom('sp_keys').select('private_key_encrypted').execute()
  const unsealed = (await activeSpKeys(ctx.deps)).map((k) => k.privateKeyPem)
  return [...rows.map((r) => r.private_key_encrypted), ...unsealed.map((pem) => b64(pem).slice(0, 64)), 'PRIVATE KEY']
}

describe('GET /api/v1/sp-keys', () => {
  it('lists the key pair with its certificate, fingerprint and role, never its private key', async () => {
    const r = await operator(ctx, 'GET', '/sp-keys')
    expect(r.status).toBe(200)
    expect(r.json.data).toHaveLength(1)
    expect(r.json.data[0]).toMatchObject({ active: true, signing: true, retiredAt: null, certificatePem: expect.stringContaining('BEGIN CERTIFICATE') })
    expect(r.json.data[0].fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i)
    expect(Object.keys(r.json.data[0]).sort()).toEqual(['active', 'certificatePem', 'createdAt', 'fingerprint', 'id', 'notAfter', 'retiredAt', 'signing'])
    for (const form of await privateKeyForms()) expect(r.res.body).not.toContain(form)
  })
})

describe('POST /api/v1/sp-keys (rotate)', () => {
  it('adds a pair that signs from now on; the old one stays published and active until retired', async () => {
    const [old] = await list()
    ctx.clock.advance(minutes(1))
    const r = await operator(ctx, 'POST', '/sp-keys')
    expect(r.status).toBe(201)
    expect(r.json).toMatchObject({ active: true, signing: true, retiredAt: null })
    expect(r.json.id).not.toBe(old!.id)
    const keys = await list()
    expect(keys.map((k) => [k.id, k.signing, k.active])).toEqual([
      [r.json.id, true, true],
      [old!.id, false, true],
    ])
    // This process uses it at once (others within KEY_REFRESH_MS: test/security/key-propagation.security.test.ts).
    const signer = await activeSpKeys(ctx.deps)
    expect(signer.map((k) => k.id)).toEqual([r.json.id, old!.id])
    const [entry] = await audit('sp_key.rotated')
    expect(entry).toMatchObject({ actor: 'operator', target: r.json.id, org_id: null })
    expect(JSON.parse(entry!.detail)).toMatchObject({ fingerprint: r.json.fingerprint })
  })

  it('takes an empty JSON object too, and refuses any option with validation_failed, adding nothing', async () => {
    expect((await operator(ctx, 'POST', '/sp-keys', {})).status).toBe(201)
    const before = (await list()).length
    expectApiError(await operator(ctx, 'POST', '/sp-keys', { algorithm: 'rsa-1024' }), 400, 'validation_failed')
    expect(await list()).toHaveLength(before)
  })
})

describe('POST /api/v1/sp-keys/{id}/retire', () => {
  it('retires an older pair: no longer active or in the metadata, listed with its retirement time, audited', async () => {
    const [old] = await list()
    ctx.clock.advance(minutes(1))
    const fresh = (await operator(ctx, 'POST', '/sp-keys')).json
    const r = await operator(ctx, 'POST', `/sp-keys/${old!.id}/retire`)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ id: old!.id, active: false, signing: false, retiredAt: ctx.clock.now().toISOString() })
    expect((await list()).map((k) => [k.id, k.active])).toEqual([
      [fresh.id, true],
      [old!.id, false],
    ])
    expect((await activeSpKeys(ctx.deps)).map((k) => k.id)).toEqual([fresh.id])
    await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
    await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
    const metadata = (await ctx.app.inject({ method: 'GET', url: '/saml/acme/metadata' })).body
    expect(metadata).toContain(b64(fresh.certificatePem))
    expect(metadata).not.toContain(b64(old!.certificatePem))
    expect(await audit('sp_key.retired')).toMatchObject([{ actor: 'operator', target: old!.id, org_id: null }])
  })

  it('refuses to retire the signing pair with sp_key_in_use, even when older pairs remain, changing nothing', async () => {
    const cases = [
      ['the only pair', 0],
      ['the newest of two', 1],
    ] as const
    for (const [what, rotations] of cases) {
      for (let i = 0; i < rotations; i++) {
        ctx.clock.advance(minutes(1))
        await operator(ctx, 'POST', '/sp-keys')
      }
      const before = await list()
      const signer = before.find((k) => k.signing)!
      const r = await operator(ctx, 'POST', `/sp-keys/${signer.id}/retire`)
      expectApiError(r, 409, 'sp_key_in_use')
      expect(await list(), what).toEqual(before)
    }
    expect(await audit('sp_key.retired')).toEqual([])
  })

  it('refuses an unknown id and an already retired pair with sp_key_not_found, and an over-long id with uri_too_long', async () => {
    const [old] = await list()
    ctx.clock.advance(minutes(1))
    await operator(ctx, 'POST', '/sp-keys')
    expect((await operator(ctx, 'POST', `/sp-keys/${old!.id}/retire`)).status).toBe(200)
    const before = await list()
    expectApiError(await operator(ctx, 'POST', `/sp-keys/${old!.id}/retire`), 404, 'sp_key_not_found')
    expectApiError(await operator(ctx, 'POST', '/sp-keys/00000000-0000-0000-0000-000000000000/retire'), 404, 'sp_key_not_found')
    expectApiError(await operator(ctx, 'POST', `/sp-keys/${'x'.repeat(101)}/retire`), 414, 'uri_too_long')
    expect(await list()).toEqual(before)
    expect(await audit('sp_key.retired')).toHaveLength(1)
  })

  it('puts no private key in any answer, audit entry or log line', async () => {
    const [old] = await list()
    ctx.clock.advance(minutes(1))
    const answers = [
      await operator(ctx, 'POST', '/sp-keys'),
      await operator(ctx, 'GET', '/sp-keys'),
      await operator(ctx, 'POST', `/sp-keys/${old!.id}/retire`),
      await operator(ctx, 'POST', `/sp-keys/${old!.id}/retire`),
    ]
    const forms = await privateKeyForms()
    const audits = JSON.stringify(await ctx.runtime.db.selectFrom('audit_events').selectAll().execute())
    for (const text of [...answers.map((a) => a.res.body), audits, ctx.logs()]) {
      for (const form of forms) expect(text).not.toContain(form)
    }
  })
})
