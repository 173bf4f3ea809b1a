/**
 * Arbitrary SCIM input through the real routes (fast-check): filters, paging and projection query
 * strings, and PATCH bodies. Every answer is a SCIM answer under 500, and a refused PATCH changes
 * nothing. The parser-level properties are in test/scim/scim.property.test.ts; this is the HTTP edge.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acmeWithDirectory, createScimUsers, oktaGroup, PATCH_OP, scim, type TestDirectory } from '../directory/support.js'
import type { TestContext } from '../helpers/test-app.js'

/** Runs per property: each is a real request, kept to seconds on a shared machine. */
const RUNS = 300

let ctx: TestContext
let dir: TestDirectory
let userId: string
let groupId: string
beforeAll(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
  ;[userId] = (await createScimUsers(ctx, dir, ['ann@acme.test'])) as [string]
  groupId = (await scim(ctx, dir, 'POST', '/Groups', { body: oktaGroup('Engineering', [userId]) })).json.id as string
}, 30_000)
afterAll(() => ctx.close())

const words = [
  'userName',
  'externalId',
  'id',
  'displayName',
  'emails',
  'emails.value',
  'emails[type eq "work"].value',
  'members',
  'members.value',
  'name.givenName',
  'active',
  'meta.lastModified',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName',
  'eq',
  'ne',
  'co',
  'sw',
  'pr',
  'gt',
  'and',
  'or',
  'not',
  '(',
  ')',
  '[',
  ']',
  '"ann@acme.test"',
  '"',
  '\\"',
  'true',
  'null',
  '1',
  '-1',
  '1e999',
  ' ',
  ',',
  '%',
  '\u0000',
  '\uD800',
]
const wordText = fc.array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 4 })), { maxLength: 30 }).map((parts) => parts.join(' '))
const text = fc.oneof(wordText, fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 60 }))
const queryParameter = fc.tuple(fc.constantFrom('filter', 'startIndex', 'count', 'attributes', 'excludedAttributes', 'sortBy', '__proto__'), text)

/** A query string from these parameters, each value URL-encoded (lone surrogates and all: `%ED%A0%80` style escapes are data too). */
function queryOf(parameters: readonly (readonly [string, string])[]): string {
  const encode = (value: string) => {
    try {
      return encodeURIComponent(value)
    } catch {
      return Buffer.from(value, 'utf8').toString('hex')
    }
  }
  return parameters.map(([name, value]) => `${name}=${encode(value)}`).join('&')
}

function expectScimAnswer(r: { status: number; headers: Record<string, unknown> }, what: string) {
  expect(r.status, what).toBeLessThan(500)
  expect(r.headers['content-type'], what).toMatch(/^application\/scim\+json/)
}

describe('SCIM query strings', () => {
  it('answer every filter, paging and projection with a SCIM answer under 500 (Users and Groups)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/Users', '/Groups', `/Users/${userId}`, `/Groups/${groupId}`),
        fc.array(queryParameter, { maxLength: 4 }),
        async (path, parameters) => {
          const url = `${path}?${queryOf(parameters)}`
          expectScimAnswer(await scim(ctx, dir, 'GET', url), url)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('accepts the same kinds of request once they are well formed', async () => {
    const r = await scim(
      ctx,
      dir,
      'GET',
      `/Users?${queryOf([
        ['filter', 'userName eq "ann@acme.test"'],
        ['attributes', 'userName'],
        ['count', '1'],
      ])}`,
    )
    expect(r.status).toBe(200)
    expect(r.json.Resources).toEqual([{ schemas: expect.any(Array), id: userId, userName: 'ann@acme.test', meta: expect.any(Object) }])
  })
})

/** PATCH bodies: operations of the grammar's words, values of every JSON kind (made once the user exists: its id is a value too). */
function patchBodies() {
  const patchValue = fc.oneof(
    fc.constantFrom(...words),
    fc.boolean(),
    fc.constant(null),
    fc.integer(),
    fc.dictionary(fc.constantFrom(...words), fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null))),
    fc.array(fc.dictionary(fc.constantFrom('value', 'display', 'type', 'primary', '__proto__'), fc.oneof(fc.string({ maxLength: 8 }), fc.constant(userId))), {
      maxLength: 3,
    }),
  )
  const operation = fc.record(
    {
      op: fc.constantFrom('add', 'replace', 'remove', 'Replace', 'copy', '', '__proto__'),
      path: fc.oneof(fc.constantFrom(...words), wordText),
      value: patchValue,
    },
    { requiredKeys: ['op'] },
  )
  const patchBody = fc.oneof(
    fc.record({ schemas: fc.constant([PATCH_OP]), Operations: fc.array(operation, { maxLength: 4 }) }),
    fc.record({ schemas: fc.oneof(fc.constant([PATCH_OP]), fc.constant(PATCH_OP), fc.constant([])), Operations: fc.jsonValue() }),
  )
  return patchBody
}

describe('SCIM PATCH bodies', () => {
  it('answer every PATCH under 500; a refused one leaves the resource as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(`/Users/${userId}`, `/Groups/${groupId}`), patchBodies(), async (path, body) => {
        const before = await scim(ctx, dir, 'GET', path)
        const r = await scim(ctx, dir, 'PATCH', path, { body })
        const what = `${path} ${JSON.stringify(body)}`
        expectScimAnswer(r, what)
        if (r.status >= 400) expect((await scim(ctx, dir, 'GET', path)).json, what).toEqual(before.json)
      }),
      { numRuns: RUNS },
    )
  })

  it('applies the same kind of PATCH once it is well formed', async () => {
    const r = await scim(ctx, dir, 'PATCH', `/Users/${userId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Annie' }] },
    })
    expect(r.status).toBe(200)
    expect(r.json.name.givenName).toBe('Annie')
  })
})
