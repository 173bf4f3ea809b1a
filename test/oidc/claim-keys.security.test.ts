/**
 * OIDC claims keyed by workspace slug (issue 14 item 3): `workspace_roles` for a workspace named
 * `constructor` (a valid slug) carries exactly the member's roles, over real HTTP with openid-client:
 * nothing inherited appears for a member without that workspace, nothing is lost for one with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type E2eServer } from '../helpers/e2e.js'
import { httpBrowser } from '../helpers/http-browser.js'
import { client, finishAuthorization, REDIRECT_URI, rpFor, signInWithPassword, startAuthorization, verifyIdToken, type Rp } from '../helpers/oidc-rp.js'
import { operator } from '../helpers/test-app.js'

const PASSWORD = 'correct horse battery'
let server: E2eServer
let rp: Rp

beforeAll(async () => {
  server = await startServer({ GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000', GATEHOUSE_RATE_LIMIT_IP: '100000' })
  const { ctx } = server
  await operator(ctx, 'POST', '/organizations', { name: 'Acme', slug: 'acme' })
  for (const slug of ['prod', 'constructor']) expect((await operator(ctx, 'POST', '/organizations/acme/workspaces', { name: slug, slug })).status).toBe(201)
  for (const [email, workspaceRoles] of [
    ['with@acme.test', { constructor: 'editor', prod: 'viewer' }],
    ['without@acme.test', { prod: 'viewer' }],
  ] as const) {
    expect(
      (await operator(ctx, 'POST', '/organizations/acme/members', { email, firstName: 'T', lastName: 'U', role: 'member', password: PASSWORD, workspaceRoles }))
        .status,
    ).toBe(201)
  }
  const app = await operator(ctx, 'POST', '/oidc-clients', { name: 'Host app', redirectUris: [REDIRECT_URI] })
  rp = await rpFor(server.baseUrl, app.json.id, app.json.clientSecret)
}, 60_000)
afterAll(async () => {
  await server?.close()
})

async function claimsOf(email: string) {
  const b = httpBrowser(server.baseUrl)
  const started = await startAuthorization(rp)
  const login = await b.navigate(started.url.toString())
  const back = await signInWithPassword(b, login, email, PASSWORD)
  expect(back.leftTo ?? '', back.body.slice(0, 500)).toMatch(/^http:\/\/localhost:5999\/callback\?/)
  const tokens = await finishAuthorization(rp, started, back.leftTo!)
  return { id: await verifyIdToken(rp, tokens.id_token!), info: await client.fetchUserInfo(rp.config, tokens.access_token, client.skipSubjectCheck) }
}

describe('workspace_roles for a workspace named constructor', () => {
  it('carries the role on the workspace named constructor in the ID token and userinfo', async () => {
    const { id, info } = await claimsOf('with@acme.test')
    expect(id.workspace_roles).toEqual({ constructor: 'editor', prod: 'viewer' })
    expect(info.workspace_roles).toEqual({ constructor: 'editor', prod: 'viewer' })
  })

  it('carries no constructor key for a member without a role there', async () => {
    const { id, info } = await claimsOf('without@acme.test')
    expect(id.workspace_roles).toEqual({ prod: 'viewer' })
    expect(Object.hasOwn(id.workspace_roles as object, 'constructor')).toBe(false)
    expect(info.workspace_roles).toEqual({ prod: 'viewer' })
  })
})
