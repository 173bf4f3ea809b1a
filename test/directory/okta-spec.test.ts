/**
 * Okta's "SCIM 2.0 SPEC test" (Okta's published Runscope suite, developer.okta.com/docs/guides/scim-provisioning-integration-prepare)
 * replayed in its order through the real routes: list with count=1, get, filter for an unknown user,
 * 404 for an unknown id, create sent as application/json, duplicate 409, case-insensitive userName
 * filter, GET /Groups, bad token 401 — and each request in the directory's request log. Okta's CRUD
 * after it (group push, rename) is in groups-patch.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { operator, type TestContext } from '../helpers/test-app.js'
import { acmeWithDirectory, expectScimError, oktaUser, scim, type TestDirectory } from './support.js'

let ctx: TestContext
let dir: TestDirectory
beforeEach(async () => {
  ;({ ctx, dir } = await acmeWithDirectory())
})
afterEach(() => ctx.close())

describe('Okta SCIM 2.0 SPEC test sequence', () => {
  it('passes every step in order', async () => {
    // Setup: one user, so that "list with count=1" has something to page.
    const seed = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('seed.user@acme.test') })
    expect(seed.status, JSON.stringify(seed.json)).toBe(201)

    // 1. GET /Users?count=1&startIndex=1: a ListResponse with a true totalResults.
    const page = await scim(ctx, dir, 'GET', '/Users?count=1&startIndex=1')
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^application\/scim\+json/)
    expect(page.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 })
    const listed = page.json.Resources[0]
    expect(listed).toMatchObject({ userName: 'seed.user@acme.test', active: true, name: { givenName: 'Test', familyName: 'User' } })

    // 2. GET /Users/{id} of the listed user.
    const got = await scim(ctx, dir, 'GET', `/Users/${listed.id as string}`)
    expect(got.status).toBe(200)
    expect(got.json).toMatchObject({
      id: listed.id,
      userName: 'seed.user@acme.test',
      meta: { resourceType: 'User', location: `${dir.baseUrl}/Users/${listed.id as string}` },
    })
    expect(got.json.password).toBeUndefined()

    // 3. Filter for a user that does not exist: 200, an empty list.
    const none = await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('userName eq "nobody-9f3a@acme.test"')}`)
    expect(none.status).toBe(200)
    expect(none.json).toMatchObject({ totalResults: 0, Resources: [] })

    // 4. GET an unknown id: 404 SCIM error.
    expectScimError(await scim(ctx, dir, 'GET', '/Users/010101010101010101010101'), 404)

    // 5. Create, sent as application/json: 201 with the user, a Location header.
    const created = await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('Jane.Doe@Acme.test'), contentType: 'application/json' })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    expect(created.json).toMatchObject({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'Jane.Doe@Acme.test', active: true })
    expect(created.headers['location']).toBe(`${dir.baseUrl}/Users/${created.json.id as string}`)

    // 6. The same user again: 409 uniqueness — also when only the case differs.
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('Jane.Doe@Acme.test') }), 409, 'uniqueness')
    expectScimError(await scim(ctx, dir, 'POST', '/Users', { body: oktaUser('jane.doe@acme.TEST') }), 409, 'uniqueness')

    // 7. userName filter in another case finds the user.
    const found = await scim(ctx, dir, 'GET', `/Users?filter=${encodeURIComponent('userName eq "JANE.DOE@acme.test"')}`)
    expect(found.json.totalResults).toBe(1)
    expect(found.json.Resources[0].id).toBe(created.json.id)

    // 8. GET /Groups: 200, a ListResponse (none pushed yet) — Okta checks the endpoint answers before group push.
    const groups = await scim(ctx, dir, 'GET', '/Groups?count=1&startIndex=1')
    expect(groups.status).toBe(200)
    expect(groups.headers['content-type']).toMatch(/^application\/scim\+json/)
    expect(groups.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, Resources: [] })

    // 9. A wrong token: 401 SCIM error, never 200.
    expectScimError(await scim(ctx, dir, 'GET', '/Users', { token: 'ghsc_wrong' }), 401)

    // The directory shows the two users, and the request log has the whole conversation, passwords removed.
    expect((await operator(ctx, 'GET', '/organizations/acme/directory')).json.userCount).toBe(2)
    const log = (await operator(ctx, 'GET', '/organizations/acme/directory/requests')).json.data as {
      method: string
      path: string
      status: number
      body: string | null
      errorDetail: string | null
    }[]
    expect(log.map((e) => `${e.method} ${e.status}`)).toEqual([
      'GET 401',
      'GET 200',
      'GET 200',
      'POST 409',
      'POST 409',
      'POST 201',
      'GET 404',
      'GET 200',
      'GET 200',
      'GET 200',
      'POST 201',
    ])
    expect(log[1]!.path).toBe('/Groups?count=1&startIndex=1')
    expect(log[5]!.path).toBe('/Users')
    expect(log[5]!.body).toContain('"password":"[removed]"')
    expect(JSON.stringify(log)).not.toContain('S3cret-from-okta!')
    expect(log[3]!.errorDetail).toMatch(/userName/)
  })
})
