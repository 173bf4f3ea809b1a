/**
 * Attribute names are data (issue 14 item 3): a signed attribute named like an Object.prototype
 * member (`__proto__`, `constructor`, `toString`, …) signs the member in normally through the real
 * ACS and shows on the owner's test page; the same holds for IdP role names, the role-mapping
 * attribute, a workspace whose slug is `constructor`, and policy JSON carrying such keys (refused
 * with a 400, never stored or polluting). Before, each of these names was a 500 at the ACS.
 */
import { inflateRawSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../../src/core/sso-connection.js'
import { SsoError } from '../../src/core/sso-error.js'
import { applyPolicyPatch } from '../../src/core/sso-policy.js'
import { browser, type Browser } from '../helpers/browser.js'
import { addMember, idpNavigation, postAcs, responseFor, setupSsoOrg, startSso, type SsoOrg } from '../helpers/sso.js'
import { ADMIN_TOKEN, createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type ResponseParams, type TestIdp } from '../helpers/test-idp.js'
import { OWNER, PASSWORD, signedIn } from '../http/support.js'

const DANGEROUS_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'] as const

let ctx: TestContext
let idp: TestIdp
let org: SsoOrg

beforeEach(async () => {
  ctx = await createTestContext()
  idp = await createTestIdp('attribute-names')
  org = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', policy: { provisioning: 'just-in-time' } })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Production', slug: 'prod' })
  await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'Constructor', slug: 'constructor' })
  await addMember(ctx, 'acme', 'alice@acme.test')
})
afterEach(() => ctx.close())

/** Attributes as own keys (an object literal `{ __proto__: … }` would set the prototype instead). */
const attrs = (...entries: [string, string[]][]): Record<string, string[]> => Object.fromEntries(entries)

/** An SP-initiated sign-in answered with `params`: the ACS's status, and the browser. */
async function signIn(params: Partial<ResponseParams>): Promise<{ status: number; b: Browser }> {
  const b = browser(ctx.app)
  const { requestId } = await startSso(b, org.ssoName)
  const res = await postAcs(b, org, responseFor(ctx, idp, org, { inResponseTo: requestId, ...params }))
  return { status: res.statusCode, b }
}

const me = async (b: Browser) =>
  (await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `gh_session=${b.cookies.get('gh_session') ?? ''}` } })).json()
const member = async (email: string) => (await operator(ctx, 'GET', `/organizations/acme/members/${encodeURIComponent(email)}`)).json
/** An operator request with a raw body (JSON.parse keeps "__proto__" as an own key), answered as is. */
const raw = (method: 'GET' | 'PATCH', url: string, payload?: string) =>
  ctx.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload }),
  })
const policy = async () => (await operator(ctx, 'GET', '/organizations/acme/sso')).json.policy

describe('a signed attribute named like an Object.prototype member', () => {
  for (const name of DANGEROUS_NAMES) {
    it(`signs the member in normally when the response carries an attribute named ${name}`, async () => {
      const { status, b } = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['first_name', ['Alice']], [name, ['x', 'y']], ['groups', ['Staff']]) })
      expect(status).toBe(303)
      expect(await me(b)).toMatchObject({ email: 'alice@acme.test', org: 'acme', orgRole: 'member', workspaceRoles: {}, authMethod: 'saml' })
    })

    it(`provisions a new member with names from the right attributes beside an attribute named ${name}`, async () => {
      const { status, b } = await signIn({
        nameId: 'nova@acme.test',
        attributes: attrs([name, ['Wrong']], ['first_name', ['Nova']], ['last_name', ['Newcomer']]),
      })
      expect(status).toBe(303)
      expect(await me(b)).toMatchObject({ email: 'nova@acme.test', firstName: 'Nova', lastName: 'Newcomer', orgRole: 'member' })
    })

    it(`reads the first name from ${name} when the mapping names it, and falls back past it when it is not sent`, async () => {
      expect(
        (await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { attributeMapping: { firstName: [name, 'first_name'], email: [name, 'email'] } }))
          .status,
      ).toBe(200)
      const sent = await signIn({ nameId: 'nova@acme.test', attributes: attrs([name, ['Named']], ['first_name', ['Nova']]) })
      expect(sent.status).toBe(303)
      expect(await me(sent.b)).toMatchObject({ email: 'nova@acme.test', firstName: 'Named' })
      const absent = await signIn({ nameId: 'nick@acme.test', attributes: attrs(['first_name', ['Nick']]) })
      expect(absent.status).toBe(303)
      expect(await me(absent.b)).toMatchObject({ email: 'nick@acme.test', firstName: 'Nick' })
    })

    it(`maps roles from an attribute named ${name} when role mapping reads it, and gives member when it is absent`, async () => {
      expect(
        (
          await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
            roleMapping: {
              enabled: true,
              attribute: name,
              delimiter: ',',
              rules: [{ idpRole: 'Admins', orgRole: 'admin', workspaceRoles: { prod: 'editor' } }],
            },
          })
        ).status,
      ).toBe(200)
      const admin = await signIn({ nameId: 'alice@acme.test', attributes: attrs([name, ['Admins,Staff']], ['groups', ['Other']]) })
      expect(admin.status).toBe(303)
      expect(await me(admin.b)).toMatchObject({ orgRole: 'admin', workspaceRoles: { prod: 'editor' } })
      const plain = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['groups', ['Admins']]) })
      expect(plain.status).toBe(303)
      expect(await me(plain.b)).toMatchObject({ orgRole: 'member', workspaceRoles: {} })
    })
  }
})

describe('IdP roles and workspaces named like Object.prototype members', () => {
  it('maps the IdP roles __proto__ and constructor by their rules, and nothing for a role without one', async () => {
    expect(
      (
        await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
          roleMapping: {
            enabled: true,
            attribute: 'groups',
            delimiter: ',',
            rules: [
              { idpRole: '__proto__', orgRole: 'admin', workspaceRoles: { prod: 'viewer' } },
              { idpRole: 'constructor', orgRole: 'member', workspaceRoles: { prod: 'editor', constructor: 'viewer' } },
            ],
          },
        })
      ).status,
    ).toBe(200)
    const both = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['groups', ['__proto__', 'constructor']]) })
    expect(await me(both.b)).toMatchObject({ orgRole: 'admin', workspaceRoles: { prod: 'editor', constructor: 'viewer' } })
    const one = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['groups', ['constructor']]) })
    expect((await me(one.b)).workspaceRoles).toEqual({ prod: 'editor', constructor: 'viewer' })
    const none = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['groups', ['toString,valueOf,hasOwnProperty']]) })
    expect(await me(none.b)).toMatchObject({ orgRole: 'member', workspaceRoles: {} })
  })

  it('applies workspace.constructor to the workspace named constructor, and leaves a workspace without its attribute alone', async () => {
    expect((await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { workspaceAttributes: { enabled: true, prefix: 'workspace.' } })).status).toBe(200)
    const set = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['workspace.constructor', ['editor']]) })
    expect(set.status).toBe(303)
    expect((await me(set.b)).workspaceRoles).toEqual({ constructor: 'editor' })
    const other = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['workspace.prod', ['viewer']]) })
    expect((await me(other.b)).workspaceRoles).toEqual({ constructor: 'editor', prod: 'viewer' })
    const removed = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['workspace.constructor', ['noaccess']]) })
    expect((await me(removed.b)).workspaceRoles).toEqual({ prod: 'viewer' })
  })

  it('reads a prefix that spells constructor with a slug only from the attribute sent', async () => {
    // prefix "constructo" + slug "r" is the attribute name "constructor": absent, it is no attribute.
    await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: 'R', slug: 'r' })
    expect((await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { workspaceAttributes: { enabled: true, prefix: 'constructo' } })).status).toBe(200)
    const absent = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['groups', ['Staff']]) })
    expect(absent.status).toBe(303)
    expect((await me(absent.b)).workspaceRoles).toEqual({})
    const sent = await signIn({ nameId: 'alice@acme.test', attributes: attrs(['constructor', ['admin']]) })
    expect(sent.status).toBe(303)
    expect((await me(sent.b)).workspaceRoles).toEqual({ r: 'admin' })
  })

  it('shows no access (page) and noaccess (bind-users CSV) for a member without a role on the workspace named constructor', async () => {
    await addMember(ctx, 'acme', 'bob@acme.test', { workspaceRoles: { prod: 'viewer' } })
    await addMember(ctx, 'acme', 'carol@acme.test', { workspaceRoles: { constructor: 'editor' } })
    expect((await member('bob@acme.test')).workspaceRoles).toEqual({ prod: 'viewer' })
    expect((await member('carol@acme.test')).workspaceRoles).toEqual({ constructor: 'editor' })
    const csv = (await raw('GET', '/organizations/acme/sso/bind-users.csv')).body
    const row = (email: string) => csv.split('\r\n').find((l) => l.startsWith(email))!
    expect(csv.split('\r\n')[0]).toContain('workspace.constructor')
    expect(row('bob@acme.test')).not.toMatch(/function|native code/)
    expect(
      row('bob@acme.test')
        .split(',')
        .filter((c) => c === 'noaccess'),
    ).toHaveLength(1)
    expect(row('carol@acme.test').split(',')).toContain('editor')

    await operator(ctx, 'POST', '/organizations/acme/members', { email: OWNER, firstName: 'O', lastName: 'W', role: 'owner', password: PASSWORD })
    const page = await (await signedIn(ctx, OWNER)).get('/orgs/acme/members')
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toMatch(/function Object|native code/)
    // Bob's role select on the workspace named constructor starts at "no access" (selected nothing before).
    expect(page.body).toMatch(/aria-label="Role of bob@acme\.test on Constructor"><option value="" selected="">no access<\/option>/)
    expect(page.body).toMatch(/aria-label="Role of carol@acme\.test on Constructor"><option value="">no access<\/option>.*?<option value="editor" selected="">/)
  })
})

describe('policy JSON with keys named like Object.prototype members', () => {
  const patches: [string, string][] = [
    ['the top level', '{"__proto__":{"enforcement":"strict"}}'],
    ['attributeMapping', '{"attributeMapping":{"__proto__":["x"]}}'],
    ['attributeMapping (constructor)', '{"attributeMapping":{"constructor":["x"]}}'],
    ['roleMapping', '{"roleMapping":{"__proto__":{"enabled":true}}}'],
    ['a rule', '{"roleMapping":{"rules":[{"idpRole":"a","orgRole":"admin","__proto__":{"x":1}}]}}'],
    ["a rule's workspaceRoles", '{"roleMapping":{"rules":[{"idpRole":"a","orgRole":"admin","workspaceRoles":{"__proto__":{"prod":"admin"}}}]}}'],
    ["a rule's workspaceRoles (a role as __proto__)", '{"roleMapping":{"rules":[{"idpRole":"a","orgRole":"admin","workspaceRoles":{"__proto__":"admin"}}]}}'],
    ["a rule's workspaceRoles (toString)", '{"roleMapping":{"rules":[{"idpRole":"a","orgRole":"admin","workspaceRoles":{"toString":"admin"}}]}}'],
    ['workspaceAttributes', '{"workspaceAttributes":{"__proto__":{"enabled":true}}}'],
  ]
  for (const [where, body] of patches) {
    it(`refuses __proto__-style keys in ${where} with a 400 or 422 naming the key, and changes nothing`, async () => {
      const before = await policy()
      const res = await raw('PATCH', '/organizations/acme/sso/policy', body)
      expect([400, 422], res.body).toContain(res.statusCode)
      expect(res.json().error.code).toMatch(/^(validation_failed|policy_invalid)$/)
      expect(res.json().error.message).toMatch(body.includes('__proto__') ? /"__proto__" key/ : /constructor|toString/)
      expect(await policy()).toEqual(before)
      expect(Object.keys(Object.prototype)).toEqual([])
      expect(({} as Record<string, unknown>).prod).toBeUndefined()
    })
  }

  it('refuses such keys in the core too, for a patch that did not come through the JSON parser', () => {
    const patch = (json: string) => () =>
      applyPolicyPatch(DEFAULT_POLICY, JSON.parse(json) as Record<string, unknown>, ['prod', 'constructor'], ['admin', 'editor', 'viewer'])
    for (const [, body] of patches) expect(patch(body)).toThrow(SsoError)
    expect(patch('{"roleMapping":{"rules":[{"idpRole":"a","orgRole":"admin","workspaceRoles":{"__proto__":"admin"}}]}}')).toThrow(
      /workspaceRoles\.__proto__: is not a workspace/,
    )
    expect(Object.keys(Object.prototype)).toEqual([])
    expect(
      patch('{"roleMapping":{"rules":[{"idpRole":"__proto__","orgRole":"admin","workspaceRoles":{"constructor":"editor"}}]}}')().roleMapping.rules,
    ).toEqual([{ idpRole: '__proto__', orgRole: 'admin', workspaceRoles: { constructor: 'editor' } }])
  })

  it('stores a rule for the workspace named constructor as data, and the IdP role __proto__ as a role name', async () => {
    const res = await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      roleMapping: { rules: [{ idpRole: '__proto__', orgRole: 'admin', workspaceRoles: { constructor: 'editor' } }] },
    })
    expect(res.status).toBe(200)
    expect((await policy()).roleMapping.rules).toEqual([{ idpRole: '__proto__', orgRole: 'admin', workspaceRoles: { constructor: 'editor' } }])
  })
})

describe("the owner's test page", () => {
  let owner: Browser
  beforeEach(async () => {
    await operator(ctx, 'POST', '/organizations/acme/members', { email: OWNER, firstName: 'O', lastName: 'W', role: 'owner', password: PASSWORD })
    owner = await signedIn(ctx, OWNER)
  })

  async function runTest(attributes: Record<string, string[]>): Promise<string> {
    await owner.get('/orgs/acme/sso')
    const started = await owner.post('/orgs/acme/sso/test', {})
    expect(started.statusCode).toBe(200)
    const location = new URL(idpNavigation(started))
    const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8')
    const requestId = /ID="([^"]+)"/.exec(xml)![1]!
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/saml/acme/acs',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        SAMLResponse: Buffer.from(responseFor(ctx, idp, org, { inResponseTo: requestId, nameId: 'alice@acme.test', attributes })).toString('base64'),
        RelayState: location.searchParams.get('RelayState')!,
      }).toString(),
    })
    expect(res.statusCode).toBe(303)
    const page = await owner.get(String(res.headers.location))
    expect(page.statusCode).toBe(200)
    return page.body
  }

  for (const name of DANGEROUS_NAMES) {
    it(`shows an attribute named ${name} with its values, beside the others, and passes`, async () => {
      const body = await runTest(attrs(['first_name', ['Alice']], [name, ['value-of-it', 'second']]))
      expect(body).toContain('Success')
      expect(body).toContain('Attributes received (2)')
      expect(body).toContain(`<tr><td><code>${name}</code></td><td><code>value-of-it</code><br/><code>second</code></td></tr>`)
      expect(body).toContain('<tr><td><code>first_name</code></td><td><code>Alice</code></td></tr>')
    })

    it(`shows the IdP roles from the first mapped roles attribute sent, past ${name} when it is not sent`, async () => {
      await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { attributeMapping: { roles: [name, 'groups'] } })
      const absent = await runTest(attrs(['groups', ['Staff']]))
      expect(absent).toMatch(/IdP roles received \(attribute <code>groups<\/code>\)<\/dt><dd><code>Staff<\/code><\/dd>/)
      const sent = await runTest(attrs([name, ['Own']], ['groups', ['Staff']]))
      expect(sent).toContain(`IdP roles received (attribute <code>${name}</code>)</dt><dd><code>Own</code></dd>`)
    })

    it(`shows the IdP roles read from a roles attribute named ${name}`, async () => {
      await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
        roleMapping: { enabled: true, attribute: name, delimiter: ',', rules: [{ idpRole: 'Admins', orgRole: 'admin', workspaceRoles: {} }] },
      })
      const body = await runTest(attrs([name, ['Admins,Staff']]))
      expect(body).toContain('Success')
      expect(body).toMatch(/<code>Admins<\/code>, <code>Staff<\/code>/)
      expect(body).toMatch(/Roles after this sign-in<\/dt><dd>org role <strong>admin<\/strong>/)
    })
  }
})
