/**
 * An owner cannot stall the service with IdP metadata: it is parsed in a worker thread
 * (core/metadata-parser.ts), so other requests are answered while a hostile document is read; a
 * document that takes too long ends its worker (metadata_too_complex) and the next one gets a fresh
 * worker; a flood of documents is refused past a short queue (metadata_busy); real metadata reads
 * exactly as it does in-thread, the whole shared corpus included.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetadataParser, sharedMetadataParser, type MetadataParserPool } from '../../src/core/metadata-parser.js'
import { MetadataError, parseIdpMetadata } from '../../src/saml/idp-metadata.js'
import { generateKeyPair } from '../../src/saml/key-pair.js'
import { HOSTILE_ENTITY_ID, hostileMetadataShapes, shapedIdpMetadata } from '../helpers/hostile-metadata.js'
import { createTestContext, operator } from '../helpers/test-app.js'

const NOW = new Date('2026-11-23T12:00:00Z')
let cert: string
let legit: string
let hostile: string
const pools: MetadataParserPool[] = []

function pool(options: Parameters<typeof createMetadataParser>[0]): MetadataParserPool {
  const created = createMetadataParser(options)
  pools.push(created)
  return created
}

async function failure(promise: Promise<unknown>): Promise<MetadataError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof MetadataError) return error
    throw error
  }
  throw new Error('expected a MetadataError')
}

beforeAll(async () => {
  const pair = await generateKeyPair({ commonName: 'worker', notBefore: new Date('2024-01-01T00:00:00Z'), years: 10 })
  cert = pair.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '')
  legit = shapedIdpMetadata(cert)
  hostile = hostileMetadataShapes.flatElements!(cert)
})

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
})

describe('the metadata worker', () => {
  it('answers /healthz while hostile metadata is being parsed, before the metadata request finishes', async () => {
    const ctx = await createTestContext()
    try {
      await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
      await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
      const parser = sharedMetadataParser()
      const order: string[] = []
      // Three posts: one parsing, two waiting, so the worker is busy for three documents' time.
      const posts = [1, 2, 3].map(() =>
        operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: hostile }).then((r) => {
          order.push('metadata')
          return r
        }),
      )
      // Wait until the first document is in the worker (20 s at most, a safety stop only): a parser
      // that read it on the event loop would never get here with the request still running.
      const giveUp = performance.now() + 20_000
      while (!parser.stats().running && performance.now() < giveUp) await new Promise((r) => setImmediate(r))
      expect(parser.stats().running).toBe(true)
      const health = await ctx.app.inject({ method: 'GET', url: '/healthz' })
      order.push('healthz')
      expect(health.statusCode).toBe(200)
      const results = await Promise.all(posts)
      expect(order.indexOf('healthz')).toBeLessThan(order.lastIndexOf('metadata'))
      expect(order.slice(-1)).toEqual(['metadata'])
      // Within the limits, the hostile document is real IdP metadata and is read (or refused as busy/too complex), never a 500.
      for (const r of results) expect([200, 422, 429]).toContain(r.status)
      expect(results.some((r) => r.status === 200)).toBe(true)
    } finally {
      await ctx.close()
    }
  })

  it('answers metadata_busy (429, Retry-After) to a post past the queue and keeps the IdP the earlier post set', async () => {
    const parser = pool({ maxQueued: 0, timeoutMs: 60_000 })
    const ctx = await createTestContext({ parseMetadata: parser.parse })
    try {
      await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
      await operator(ctx, 'PUT', '/organizations/acme/sso', { ssoName: 'acme' })
      const first = operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: hostile })
      const giveUp = performance.now() + 20_000
      while (!parser.stats().running && performance.now() < giveUp) await new Promise((r) => setImmediate(r))
      const refused = await operator(ctx, 'PUT', '/organizations/acme/sso/idp', { metadataXml: legit.replace(HOSTILE_ENTITY_ID, 'https://other.example.test') })
      expect(refused.status).toBe(429)
      expect(refused.json.error.code).toBe('metadata_busy')
      expect(refused.res.headers['retry-after']).toBe('5')
      expect((await first).status).toBe(200)
      expect((await operator(ctx, 'GET', '/organizations/acme/sso')).json.idp.entityId).toBe(HOSTILE_ENTITY_ID)
    } finally {
      await ctx.close()
    }
  })

  it('reads real IdP metadata exactly as parseIdpMetadata does in-thread', async () => {
    const parser = pool({})
    const viaWorker = await parser.parse(legit, { now: NOW })
    const inThread = parseIdpMetadata(legit, { now: NOW })
    expect(viaWorker).toEqual({
      entityId: inThread.entityId,
      ssoUrls: inThread.ssoUrls,
      signingCertificates: inThread.signingCertificates.map((c) => c.pem),
      nameIdFormats: inThread.nameIdFormats,
      validUntil: inThread.validUntil,
      warnings: inThread.warnings,
    })
  })

  it('refuses bad metadata through the worker with the same code and message as in-thread', async () => {
    const parser = pool({})
    for (const bad of ['not xml at all', shapedIdpMetadata(cert, { elements: 10_001 }), legit.replace('HTTP-Redirect', 'SOAP')]) {
      let expected: MetadataError | undefined
      try {
        parseIdpMetadata(bad, { now: NOW })
      } catch (error) {
        expected = error as MetadataError
      }
      const got = await failure(parser.parse(bad, { now: NOW }))
      expect({ code: got.code, message: got.message }).toEqual({ code: expected!.code, message: expected!.message })
    }
  })

  it('refuses a document over the byte limit before it reaches the worker', async () => {
    const parser = pool({})
    const error = await failure(parser.parse(shapedIdpMetadata(cert, { bytes: 512 * 1024 + 1 }), { now: NOW }))
    expect(error.code).toBe('metadata_too_large')
    expect(parser.stats().workersStarted).toBe(0)
  })

  it('stops a document that takes longer than the time limit with metadata_too_complex, and reads the next one in a fresh worker', async () => {
    // 1 ms: far less than any machine takes for 10 000 elements, so the limit is what ends the job.
    const options = { timeoutMs: 1 }
    const parser = pool(options)
    const error = await failure(parser.parse(hostile, { now: NOW }))
    expect(error.code).toBe('metadata_too_complex')
    expect(parser.stats()).toMatchObject({ timedOut: 1, workersStarted: 1, running: false })
    // The limit is read for each job: with room to finish, the next document is read by a new worker.
    options.timeoutMs = 60_000
    await expect(parser.parse(legit, { now: NOW })).resolves.toMatchObject({ entityId: HOSTILE_ENTITY_ID })
    await expect(parser.parse(hostile, { now: NOW })).resolves.toMatchObject({ entityId: HOSTILE_ENTITY_ID })
    expect(parser.stats()).toMatchObject({ timedOut: 1, workersStarted: 2 })
  })

  it('refuses documents past the queue with metadata_busy instead of holding them, and reads the queued ones', async () => {
    const parser = pool({ maxQueued: 1, timeoutMs: 60_000 })
    const running = parser.parse(hostile, { now: NOW })
    const queued = parser.parse(legit, { now: NOW })
    const refused = await failure(parser.parse(legit, { now: NOW }))
    expect(refused.code).toBe('metadata_busy')
    expect(parser.stats().queued).toBe(1)
    await expect(running).resolves.toMatchObject({ entityId: HOSTILE_ENTITY_ID })
    await expect(queued).resolves.toMatchObject({ entityId: HOSTILE_ENTITY_ID })
    await expect(parser.parse(legit, { now: NOW })).resolves.toMatchObject({ entityId: HOSTILE_ENTITY_ID })
  })
})

const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus')
const present = existsSync(`${CORPUS}/expected.json`)

describe.runIf(present)('the metadata worker and the shared corpus', () => {
  it('reads every corpus metadata file through the worker with the same result or error as in-thread', async () => {
    const parser = pool({ timeoutMs: 60_000 })
    const rows = (JSON.parse(readFileSync(`${CORPUS}/expected.json`, 'utf8')) as { kind: string; file: string; idps: { entityID: string }[] }[]).filter(
      (r) => r.kind === 'metadata',
    )
    expect(rows.length).toBeGreaterThanOrEqual(25)
    let read = 0
    for (const row of rows) {
      const xml = readFileSync(`${CORPUS}/${row.file}`, 'utf8')
      // Without an entity ID, and with each of the IdPs it holds (an aggregate's are picked by it).
      for (const entityId of [undefined, ...row.idps.map((idp) => idp.entityID)]) {
        const file = row.file
        let expected: unknown
        try {
          const p = parseIdpMetadata(xml, { now: NOW, entityId })
          expected = {
            entityId: p.entityId,
            ssoUrls: p.ssoUrls,
            singleLogout: p.singleLogout,
            signingCertificates: p.signingCertificates.map((c) => c.pem),
            nameIdFormats: p.nameIdFormats,
            validUntil: p.validUntil,
            warnings: p.warnings,
          }
        } catch (error) {
          expected = { code: (error as MetadataError).code, message: (error as MetadataError).message }
        }
        let got: unknown
        try {
          got = await parser.parse(xml, { now: NOW, entityId })
        } catch (error) {
          got = { code: (error as MetadataError).code, message: (error as MetadataError).message }
        }
        expect(got, `${file} ${entityId ?? ''}`).toEqual(expected)
        expect(String((got as { code?: string }).code ?? ''), `${file}: within the limits`).not.toMatch(/metadata_too_large|metadata_too_complex/)
        if ('entityId' in (got as object)) read++
      }
    }
    // Most of the corpus is read (the rest is refused for what it is: SP-only, no binding, 1024-bit keys…).
    expect(read).toBeGreaterThanOrEqual(20)
  })
})
