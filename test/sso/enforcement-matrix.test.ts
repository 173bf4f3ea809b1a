/**
 * DESIGN §2.4 as a matrix, through the real routes: enforcement (optional / exceptions / strict) ×
 * the member's "allow access without SSO" flag × the API email allow-list × the four ways in
 * (password page, API password sign-in, personal API token on GET /me, SSO through the ACS), with
 * SSO enabled and disabled. The expected outcomes are written out below from DESIGN's words, not
 * computed by the code under test (isSignInAllowed), so a wrong rule there fails here.
 *
 * Personal tokens are made once, while everything is allowed (SSO disabled), and then used under
 * every policy: a token made while allowed stops working when the policy forbids it and works again
 * when it allows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor, setupSsoOrg, startSso, type SsoOrg } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp, type TestIdp } from '../helpers/test-idp.js'
import { refusalCode } from '../http/support.js'

const PASSWORD = 'correct horse battery'

type Enforcement = 'optional' | 'exceptions' | 'strict'
type Who = 'plain' | 'exempt' | 'listed' | 'exemptListed'
/** `allowed`, or the error code of the refusal. */
type Outcome = 'allowed' | 'sso_required' | 'sso_not_enabled'

/** The four members: allow-without-SSO flag × on the API allow-list. */
const MEMBERS: Record<Who, { email: string; allowWithoutSso: boolean; listed: boolean }> = {
  plain: { email: 'plain@acme.test', allowWithoutSso: false, listed: false },
  exempt: { email: 'exempt@acme.test', allowWithoutSso: true, listed: false },
  listed: { email: 'listed@acme.test', allowWithoutSso: false, listed: true },
  exemptListed: { email: 'exempt-listed@acme.test', allowWithoutSso: true, listed: true },
}

const Y = 'allowed' as const
const N = 'sso_required' as const

/**
 * SSO enabled. DESIGN §2.4: optional — SSO or password, for everyone; exceptions — SSO required
 * except members marked allow-without-SSO; strict — SSO only. The API allow-list: "when SSO is
 * required, these emails may still use personal API tokens and API password sign-in (never the
 * password page); under strict nobody else may, under exceptions also the allow-without-SSO
 * members". SSO itself always works once enabled.
 */
const WITH_SSO_ENABLED: [Enforcement, Who, { page: Outcome; apiPassword: Outcome; token: Outcome; sso: Outcome }][] = [
  ['optional', 'plain', { page: Y, apiPassword: Y, token: Y, sso: Y }],
  ['optional', 'exempt', { page: Y, apiPassword: Y, token: Y, sso: Y }],
  ['optional', 'listed', { page: Y, apiPassword: Y, token: Y, sso: Y }],
  ['optional', 'exemptListed', { page: Y, apiPassword: Y, token: Y, sso: Y }],
  ['exceptions', 'plain', { page: N, apiPassword: N, token: N, sso: Y }],
  ['exceptions', 'exempt', { page: Y, apiPassword: Y, token: Y, sso: Y }],
  ['exceptions', 'listed', { page: N, apiPassword: Y, token: Y, sso: Y }],
  ['exceptions', 'exemptListed', { page: Y, apiPassword: Y, token: Y, sso: Y }],
  ['strict', 'plain', { page: N, apiPassword: N, token: N, sso: Y }],
  ['strict', 'exempt', { page: N, apiPassword: N, token: N, sso: Y }],
  ['strict', 'listed', { page: N, apiPassword: Y, token: Y, sso: Y }],
  ['strict', 'exemptListed', { page: N, apiPassword: Y, token: Y, sso: Y }],
]

/** SSO disabled. DESIGN §2.7: "Members go back to Gatehouse passwords" — whatever the stored enforcement; SSO does not work. */
const WITH_SSO_DISABLED = { page: Y, apiPassword: Y, token: Y, sso: 'sso_not_enabled' } as const

let ctx: TestContext
let idp: TestIdp
let acme: SsoOrg
/** Each member's personal API token in acme, made while everything was allowed. */
const tokens = new Map<Who, string>()

const api = (method: 'GET' | 'POST' | 'DELETE', url: string, options: { bearer?: string; cookie?: string; payload?: unknown } = {}) =>
  ctx.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: {
      ...(options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` }),
      ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
    },
    ...(options.payload === undefined ? {} : { payload: options.payload as Record<string, unknown> }),
  })

async function apiSignIn(email: string, org = 'acme'): Promise<LightMyRequestResponse> {
  return api('POST', '/auth/password', { payload: { email, password: PASSWORD, org } })
}

async function makeToken(email: string, org = 'acme', name = 'matrix'): Promise<string> {
  const session = await apiSignIn(email, org)
  expect(session.statusCode, session.body).toBe(200)
  const created = await api('POST', '/me/tokens', { bearer: session.json().token, payload: { name } })
  expect(created.statusCode, created.body).toBe(201)
  return created.json().token as string
}

async function setPolicy(state: 'enabled' | 'disabled', enforcement: Enforcement, org = 'acme'): Promise<void> {
  expect((await operator(ctx, 'PATCH', `/organizations/${org}/sso/policy`, { enforcement })).status).toBe(200)
  expect((await operator(ctx, 'POST', `/organizations/${org}/sso/${state === 'enabled' ? 'enable' : 'disable'}`, { skipTest: true })).status).toBe(200)
}

/** Refused answers must carry the code; anything else (a 401, a 500) fails the cell. */
function refused(res: LightMyRequestResponse, code: string | undefined): Outcome {
  expect({ status: res.statusCode, code }).toEqual({ status: 403, code: 'sso_required' })
  return 'sso_required'
}

const WAYS_IN: Record<'page' | 'apiPassword' | 'token' | 'sso', (who: Who) => Promise<Outcome>> = {
  page: async (who) => {
    const res = await browser(ctx.app).submit('/login', '/login', { email: MEMBERS[who].email, password: PASSWORD })
    return res.statusCode === 303 ? 'allowed' : refused(res, refusalCode(ctx, res))
  },
  apiPassword: async (who) => {
    const res = await apiSignIn(MEMBERS[who].email)
    return res.statusCode === 200 ? 'allowed' : refused(res, res.json().error?.code)
  },
  token: async (who) => {
    const res = await api('GET', '/me', { bearer: tokens.get(who)! })
    if (res.statusCode !== 200) return refused(res, res.json().error?.code)
    expect(res.json()).toMatchObject({ email: MEMBERS[who].email, org: 'acme', authMethod: 'password' })
    return 'allowed'
  },
  sso: async (who) => {
    const b = browser(ctx.app)
    const start = await b.get('/sso/acme')
    if (start.statusCode === 302) {
      const { requestId, relayState } = await startSso(b, 'acme')
      const res = await postAcs(b, acme, responseFor(ctx, idp, acme, { nameId: MEMBERS[who].email, inResponseTo: requestId }), relayState)
      expect(res.statusCode).toBe(303)
      return 'allowed'
    }
    // Disabled: the start page refuses, and so does the ACS for an IdP-initiated response.
    expect(start.statusCode).toBe(409)
    const res = await postAcs(b, acme, responseFor(ctx, idp, acme, { nameId: MEMBERS[who].email }))
    expect(res.statusCode).toBe(403)
    const log = await operator(ctx, 'GET', '/organizations/acme/audit-log')
    return log.json.data.find((e: { action: string }) => e.action === 'sso.sign_in_failed')?.detail.code
  },
}

beforeAll(async () => {
  ctx = await createTestContext({ env: { GATEHOUSE_RATE_LIMIT_ACCOUNT: '10000', GATEHOUSE_RATE_LIMIT_IP: '100000' } })
  idp = await createTestIdp('idp-matrix')
  acme = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme', enable: false })
  for (const m of Object.values(MEMBERS)) await addMember(ctx, 'acme', m.email, { password: PASSWORD, allowWithoutSso: m.allowWithoutSso })
  await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
    apiAllowList: Object.values(MEMBERS)
      .filter((m) => m.listed)
      .map((m) => m.email.toUpperCase()),
  })
  for (const who of Object.keys(MEMBERS) as Who[]) tokens.set(who, await makeToken(MEMBERS[who].email))
})
afterAll(() => ctx.close())

describe.each(['enabled', 'disabled'] as const)('with SSO %s', (state) => {
  for (const [enforcement, who, enabled] of WITH_SSO_ENABLED) {
    const expected = state === 'enabled' ? enabled : WITH_SSO_DISABLED
    const m = MEMBERS[who]
    it(
      `${enforcement}, ${m.allowWithoutSso ? 'allowed without SSO' : 'not allowed without SSO'}, ${m.listed ? 'on' : 'not on'} the API allow-list: ` +
        `password page ${expected.page}, API password ${expected.apiPassword}, personal token ${expected.token}, SSO ${expected.sso}`,
      async () => {
        await setPolicy(state, enforcement)
        const actual = {
          page: await WAYS_IN.page(who),
          apiPassword: await WAYS_IN.apiPassword(who),
          token: await WAYS_IN.token(who),
          sso: await WAYS_IN.sso(who),
        }
        expect(actual).toEqual(expected)
      },
    )
  }
})

describe('personal tokens follow the policy live', () => {
  it('a token made while allowed stops when the policy forbids it and works again when it allows it', async () => {
    const token = tokens.get('plain')!
    const status = async () => {
      const res = await api('GET', '/me', { bearer: token })
      return res.statusCode === 200 ? 200 : `${res.statusCode} ${res.json().error.code}`
    }
    await setPolicy('enabled', 'optional')
    expect(await status()).toBe(200)
    await setPolicy('enabled', 'strict')
    expect(await status()).toBe('403 sso_required')
    await setPolicy('enabled', 'exceptions')
    expect(await status()).toBe('403 sso_required')
    await operator(ctx, 'PATCH', `/organizations/acme/members/${MEMBERS.plain.email}`, { allowWithoutSso: true })
    expect(await status()).toBe(200)
    await operator(ctx, 'PATCH', `/organizations/acme/members/${MEMBERS.plain.email}`, { allowWithoutSso: false })
    expect(await status()).toBe('403 sso_required')
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', {
      enforcement: 'strict',
      apiAllowList: [MEMBERS.plain.email, MEMBERS.listed.email, MEMBERS.exemptListed.email],
    })
    expect(await status()).toBe(200)
    await operator(ctx, 'PATCH', '/organizations/acme/sso/policy', { apiAllowList: [MEMBERS.listed.email, MEMBERS.exemptListed.email] })
    expect(await status()).toBe('403 sso_required')
    await setPolicy('disabled', 'strict')
    expect(await status()).toBe(200)
  })

  it('refuses creating a token where using it would be refused (403 sso_required); an allow-listed member may', async () => {
    await setPolicy('enabled', 'strict')
    const sessionOf = async (who: Who) => {
      const b = browser(ctx.app)
      const { requestId, relayState } = await startSso(b, 'acme')
      expect((await postAcs(b, acme, responseFor(ctx, idp, acme, { nameId: MEMBERS[who].email, inResponseTo: requestId }), relayState)).statusCode).toBe(303)
      return `gh_session=${b.cookies.get('gh_session')}`
    }
    const refusedCreate = await api('POST', '/me/tokens', { cookie: await sessionOf('plain'), payload: { name: 'from sso' } })
    expect({ status: refusedCreate.statusCode, code: refusedCreate.json().error.code }).toEqual({ status: 403, code: 'sso_required' })
    const allowed = await api('POST', '/me/tokens', { cookie: await sessionOf('listed'), payload: { name: 'from sso' } })
    expect(allowed.statusCode).toBe(201)
    expect((await api('GET', '/me', { bearer: allowed.json().token })).statusCode).toBe(200)
  })

  it('answers a revoked token 401 token_invalid whatever the policy, never 403', async () => {
    await setPolicy('disabled', 'optional')
    for (const who of ['plain', 'listed'] as const) {
      const token = await makeToken(MEMBERS[who].email, 'acme', `to revoke ${who}`)
      const session = (await apiSignIn(MEMBERS[who].email)).json().token as string
      const id = (await api('GET', '/me/tokens', { bearer: session })).json().data.find((t: { name: string }) => t.name === `to revoke ${who}`).id
      expect((await api('DELETE', `/me/tokens/${id}`, { bearer: session })).statusCode).toBe(204)
      for (const enforcement of ['optional', 'strict'] as const) {
        await setPolicy('enabled', enforcement)
        const res = await api('GET', '/me', { bearer: token })
        expect({ who, enforcement, status: res.statusCode, code: res.json().error.code }).toEqual({ who, enforcement, status: 401, code: 'token_invalid' })
      }
      await setPolicy('disabled', 'optional')
    }
  })
})

describe('a token made in one org gives nothing of another', () => {
  it("acts for its own org under that org's policy only, whatever the other org's policy says", async () => {
    const globexIdp = await createTestIdp('idp-globex')
    await setupSsoOrg(ctx, globexIdp, { slug: 'globex', ssoName: 'globex', enable: false })
    await addMember(ctx, 'globex', MEMBERS.listed.email)
    await setPolicy('disabled', 'optional')
    const acmeToken = await makeToken(MEMBERS.listed.email, 'acme', 'acme only')
    const globexToken = await makeToken(MEMBERS.listed.email, 'globex', 'globex only')

    // globex turns strict with an empty allow-list; acme stays strict with the member on its list.
    await setPolicy('enabled', 'strict', 'globex')
    await setPolicy('enabled', 'strict', 'acme')
    const acmeMe = await api('GET', '/me', { bearer: acmeToken })
    expect(acmeMe.statusCode).toBe(200)
    expect(acmeMe.json()).toMatchObject({ org: 'acme' })
    expect((await api('GET', '/me/tokens', { bearer: acmeToken })).json().data.map((t: { name: string }) => t.name)).not.toContain('globex only')
    const globexMe = await api('GET', '/me', { bearer: globexToken })
    expect({ status: globexMe.statusCode, code: globexMe.json().error.code }).toEqual({ status: 403, code: 'sso_required' })
    expect((await apiSignIn(MEMBERS.listed.email, 'globex')).json().error.code).toBe('sso_required')
    await setPolicy('disabled', 'optional', 'globex')
    expect((await api('GET', '/me', { bearer: globexToken })).json()).toMatchObject({ org: 'globex' })
  })
})
