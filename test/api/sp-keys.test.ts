/**
 * Operator API for the SAML SP key pairs: list, rotate, retire. Never a private key in an answer, the
 * audit log or the logs; the signing pair and unknown or retired ids refused with their codes,
 * changing nothing; each change audited as the operator's. The staged rotation (next key published
 * before it signs, activation) is in sp-key-rotation.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { days, minutes } from '../../src/core/clock.js'
import { activeSpKeys } from '../../src/core/sp-keys.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { expectApiError } from './support.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext()
})
afterEach(() => ctx.close())

const list = async () =>
  (await operator(ctx, 'GET', '/sp-keys')).json.data as {
    id: string
    active: boolean
    signing: boolean
    state: string
    retiredAt: string | null
    certificatePem: string
  }[]
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
    expect(r.json.data[0]).toMatchObject({ state: 'signing', activatesAt: r.json.data[0].createdAt })
    expect(Object.keys(r.json.data[0]).sort()).toEqual([
      'activatesAt',
      'active',
      'certificatePem',
      'createdAt',
      'fingerprint',
      'id',
      'notAfter',
      'retiredAt',
      'signing',
      'state',
    ])
    for (const form of await privateKeyForms()) expect(r.res.body).not.toContain(form)
  })
})

describe('POST /api/v1/sp-keys (rotate)', () => {
  it('adds the next pair, published at once and signing only after the publication period; the old one signs until then', async () => {
    const [old] = await list()
    ctx.clock.advance(minutes(1))
    const r = await operator(ctx, 'POST', '/sp-keys')
    expect(r.status).toBe(201)
    const signsFrom = new Date(ctx.clock.now().getTime() + days(7)).toISOString()
    expect(r.json).toMatchObject({ active: true, signing: false, state: 'next', activatesAt: signsFrom, retiredAt: null })
    expect(r.json.id).not.toBe(old!.id)
    expect((await list()).map((k) => [k.id, k.signing, k.active])).toEqual([
      [r.json.id, false, true],
      [old!.id, true, true],
    ])
    // This process publishes it at once and keeps signing with the old one (others within KEY_REFRESH_MS).
    expect((await activeSpKeys(ctx.deps)).map((k) => k.id)).toEqual([old!.id, r.json.id])
    const [entry] = await audit('sp_key.rotated')
    expect(entry).toMatchObject({ actor: 'operator', target: r.json.id, org_id: null })
    expect(JSON.parse(entry!.detail)).toMatchObject({ fingerprint: r.json.fingerprint, activatesAt: signsFrom })

    ctx.clock.set(signsFrom)
    expect((await list()).map((k) => [k.id, k.state])).toEqual([
      [r.json.id, 'signing'],
      [old!.id, 'previous'],
    ])
    expect((await activeSpKeys(ctx.deps)).map((k) => k.id)).toEqual([r.json.id, old!.id])
  })

  it('with {"activate": true} adds a pair that signs at once', async () => {
    const [old] = await list()
    ctx.clock.advance(minutes(1))
    const r = await operator(ctx, 'POST', '/sp-keys', { activate: true })
    expect(r.status).toBe(201)
    expect(r.json).toMatchObject({ signing: true, state: 'signing', activatesAt: ctx.clock.now().toISOString() })
    expect((await list()).map((k) => [k.id, k.state])).toEqual([
      [r.json.id, 'signing'],
      [old!.id, 'previous'],
    ])
  })

  it('takes an empty JSON object too, and refuses any option with validation_failed, adding nothing', async () => {
    expect((await operator(ctx, 'POST', '/sp-keys', {})).status).toBe(201)
    const before = (await list()).length
    ctx.clock.advance(days(7))
    expectApiError(await operator(ctx, 'POST', '/sp-keys', { algorithm: 'rsa-1024' }), 400, 'validation_failed')
    expectApiError(await operator(ctx, 'POST', '/sp-keys', { activate: 'yes' }), 400, 'validation_failed')
    expect(await list()).toHaveLength(before)
  })
})

describe('POST /api/v1/sp-keys/{id}/retire', () => {
  it('retires an older pair: no longer active or in the metadata, listed with its retirement time, audited', async () => {
    const [old] = await list()
    ctx.clock.advance(minutes(1))
    const fresh = (await operator(ctx, 'POST', '/sp-keys')).json
    expectApiError(await operator(ctx, 'POST', `/sp-keys/${old!.id}/retire`), 409, 'sp_key_in_use')
    ctx.clock.advance(days(7))
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
      ['the newer of two, made to sign at once', 1],
    ] as const
    for (const [what, rotations] of cases) {
      for (let i = 0; i < rotations; i++) {
        ctx.clock.advance(minutes(1))
        await operator(ctx, 'POST', '/sp-keys', { activate: true })
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
    await operator(ctx, 'POST', '/sp-keys', { activate: true })
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
      await operator(ctx, 'POST', '/sp-keys', { activate: true }),
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
