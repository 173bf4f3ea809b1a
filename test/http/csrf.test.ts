/**
 * CSRF on every state-changing form. Each route is a row: how to reach the moment before the form is
 * sent, the fields, and what the accepted request did. Every attack is rejected with `csrf_invalid`
 * and changes no row of any table; the same request with the page's own token is accepted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { inviteMember } from '../../src/core/invitations.js'
import { issuePasswordLink, RESET_LIFETIME } from '../../src/core/password-reset.js'
import { issueSetupLink } from '../../src/core/setup.js'
import { browser, type Browser } from '../helpers/browser.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { MEMBER, OWNER, PASSWORD, me, pathOf, postForm, refusalCode, seedAcme, setCookie, signedIn, snapshot, tokenOf } from './support.js'

const OUR_ORIGIN = 'http://gatehouse.test'
const operatorActor = { kind: 'operator' } as const

interface Prepared {
  /** The browser that fetched the form; its last page's token is the right one. */
  readonly b: Browser
  readonly url: string
  readonly form: Record<string, string>
  /** Whether the form belongs to a signed-in page (the other browser then signs in too). */
  readonly signedIn: boolean
  /** Checks what the accepted request did. */
  readonly accepted: (res: LightMyRequestResponse) => Promise<void>
}

interface Case {
  readonly route: string
  readonly prepare: (ctx: TestContext) => Promise<Prepared>
}

const CASES: Case[] = [
  {
    route: 'POST /login',
    prepare: async (ctx) => {
      await seedAcme(ctx)
      const b = browser(ctx.app)
      await b.get('/login')
      return {
        b,
        url: '/login',
        form: { email: MEMBER, password: PASSWORD },
        signedIn: false,
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await me(ctx, { cookie: `gh_session=${setCookie(res, 'gh_session')?.value}` })).json().email).toBe(MEMBER)
        },
      }
    },
  },
  {
    route: 'POST /logout',
    prepare: async (ctx) => {
      await seedAcme(ctx)
      const b = await signedIn(ctx, MEMBER)
      const id = b.cookies.get('gh_session')!
      await b.get('/logout')
      return {
        b,
        url: '/logout',
        form: {},
        signedIn: true,
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await me(ctx, { cookie: `gh_session=${id}` })).statusCode).toBe(401)
        },
      }
    },
  },
  {
    route: 'POST /forgot-password',
    prepare: async (ctx) => {
      await seedAcme(ctx)
      const b = browser(ctx.app)
      await b.get('/forgot-password')
      return {
        b,
        url: '/forgot-password',
        form: { email: MEMBER },
        signedIn: false,
        accepted: async (res) => {
          expect(res.statusCode).toBe(200)
          expect(await ctx.linkMailedTo(MEMBER)).toContain('/reset-password?token=')
        },
      }
    },
  },
  {
    route: 'POST /reset-password',
    prepare: async (ctx) => {
      await seedAcme(ctx)
      const user = (await ctx.deps.store.users.findByEmail(MEMBER))!
      const link = await issuePasswordLink(ctx.deps, user.id, RESET_LIFETIME)
      const b = browser(ctx.app)
      await b.get(pathOf(link))
      return {
        b,
        url: '/reset-password',
        form: { token: tokenOf(link), password: 'a brand new passphrase' },
        signedIn: false,
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await browser(ctx.app).submit('/login', '/login', { email: MEMBER, password: 'a brand new passphrase' })).statusCode).toBe(303)
        },
      }
    },
  },
  {
    route: 'POST /setup',
    prepare: async (ctx) => {
      const link = (await issueSetupLink(ctx.deps))!
      const b = browser(ctx.app)
      await b.get(pathOf(link))
      return {
        b,
        url: '/setup',
        signedIn: false,
        form: { token: tokenOf(link), orgName: 'Acme', orgSlug: 'acme', email: OWNER, firstName: 'Olivia', lastName: 'Owner', password: PASSWORD },
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await operator(ctx, 'GET', '/organizations/acme/members')).json.data.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
            [OWNER, 'owner'],
          ])
        },
      }
    },
  },
  {
    route: 'POST /invitations/accept',
    prepare: async (ctx) => {
      await seedAcme(ctx)
      await inviteMember(ctx.deps, 'acme', { email: 'new@acme.test', role: 'member' }, operatorActor)
      const link = await ctx.linkMailedTo('new@acme.test')
      const b = browser(ctx.app)
      await b.get(pathOf(link))
      return {
        b,
        url: '/invitations/accept',
        signedIn: false,
        form: { token: tokenOf(link), firstName: 'Nina', lastName: 'New', password: PASSWORD },
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await operator(ctx, 'GET', '/organizations/acme/members/new@acme.test')).json.role).toBe('member')
        },
      }
    },
  },
  {
    route: 'POST /orgs/:org/members/:id',
    prepare: async (ctx) => {
      const { memberId } = await seedAcme(ctx)
      const b = await signedIn(ctx, OWNER)
      await b.get('/orgs/acme/members')
      return {
        b,
        url: `/orgs/acme/members/${memberId}`,
        signedIn: true,
        form: { role: 'admin', 'ws.prod': 'viewer' },
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await operator(ctx, 'GET', `/organizations/acme/members/${memberId}`)).json).toMatchObject({
            role: 'admin',
            workspaceRoles: { prod: 'viewer' },
          })
        },
      }
    },
  },
  {
    route: 'POST /orgs/:org/members/:id/remove',
    prepare: async (ctx) => {
      const { memberId } = await seedAcme(ctx)
      const b = await signedIn(ctx, OWNER)
      await b.get('/orgs/acme/members')
      return {
        b,
        url: `/orgs/acme/members/${memberId}/remove`,
        signedIn: true,
        form: {},
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await operator(ctx, 'GET', `/organizations/acme/members/${memberId}`)).status).toBe(404)
        },
      }
    },
  },
  {
    route: 'POST /orgs/:org/invitations',
    prepare: async (ctx) => {
      await seedAcme(ctx)
      const b = await signedIn(ctx, OWNER)
      await b.get('/orgs/acme/members')
      return {
        b,
        url: '/orgs/acme/invitations',
        signedIn: true,
        form: { email: 'new@acme.test', role: 'member' },
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect(await ctx.linkMailedTo('new@acme.test')).toContain('/invitations/accept?token=')
        },
      }
    },
  },
  {
    route: 'POST /orgs/:org/invitations/:id/revoke',
    prepare: async (ctx) => {
      await seedAcme(ctx)
      const invitation = await inviteMember(ctx.deps, 'acme', { email: 'new@acme.test', role: 'member' }, operatorActor)
      const link = await ctx.linkMailedTo('new@acme.test')
      const b = await signedIn(ctx, OWNER)
      await b.get('/orgs/acme/members')
      return {
        b,
        url: `/orgs/acme/invitations/${invitation.id}/revoke`,
        signedIn: true,
        form: {},
        accepted: async (res) => {
          expect(res.statusCode).toBe(303)
          expect((await browser(ctx.app).get(pathOf(link))).statusCode).toBe(410)
        },
      }
    },
  },
]

/** A token that is valid, but for another browser: anonymous, or signed in as someone else. */
async function otherBrowsersToken(ctx: TestContext, signedInPage: boolean): Promise<string> {
  if (signedInPage) {
    const other = await signedIn(ctx, 'ada@acme.test')
    await other.get('/dashboard')
    return other.csrf()
  }
  const other = browser(ctx.app)
  await other.get('/login')
  return other.csrf()
}

describe.each(CASES)('$route', ({ prepare }) => {
  let ctx: TestContext
  beforeEach(async () => {
    ctx = await createTestContext()
  })
  afterEach(async () => {
    await ctx?.close()
    ctx = undefined as never // a later test whose context fails to start must not close this one again
  })

  async function expectRefusedAndNothingChanged(send: (p: Prepared) => Promise<LightMyRequestResponse>, setup?: (p: Prepared) => Promise<void>) {
    const prepared = await prepare(ctx)
    await setup?.(prepared)
    const before = await snapshot(ctx)
    const res = await send(prepared)
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('csrf_invalid')
    expect(await snapshot(ctx)).toEqual(before)
  }

  it('rejects the form without a CSRF token and changes nothing', async () => {
    await expectRefusedAndNothingChanged((p) => postForm(ctx, p.b, p.url, p.form))
  })

  it('rejects the form with an empty CSRF token and changes nothing', async () => {
    await expectRefusedAndNothingChanged((p) => postForm(ctx, p.b, p.url, { ...p.form, _csrf: '' }))
  })

  it("rejects the form carrying another browser's CSRF token and changes nothing", async () => {
    let foreign = ''
    await expectRefusedAndNothingChanged(
      (p) => postForm(ctx, p.b, p.url, { ...p.form, _csrf: foreign }),
      async (p) => {
        foreign = await otherBrowsersToken(ctx, p.signedIn)
        expect(foreign).not.toBe('')
        expect(foreign).not.toBe(p.b.csrf())
      },
    )
  })

  it('rejects the form with the right token but a foreign Origin and changes nothing', async () => {
    await expectRefusedAndNothingChanged((p) => postForm(ctx, p.b, p.url, { ...p.form, _csrf: p.b.csrf() }, { origin: 'https://evil.test' }))
  })

  it("accepts the same form with the page's own token", async () => {
    const p = await prepare(ctx)
    const res = await postForm(ctx, p.b, p.url, { ...p.form, _csrf: p.b.csrf() })
    expect(refusalCode(ctx, res)).toBeUndefined()
    await p.accepted(res)
  })

  it("accepts the same form with the page's own token and our own Origin", async () => {
    const p = await prepare(ctx)
    const res = await postForm(ctx, p.b, p.url, { ...p.form, _csrf: p.b.csrf() }, { origin: OUR_ORIGIN })
    expect(refusalCode(ctx, res)).toBeUndefined()
    await p.accepted(res)
  })
})

describe('the Origin check', () => {
  let ctx: TestContext
  beforeEach(async () => {
    ctx = await createTestContext()
    await seedAcme(ctx)
  })
  afterEach(async () => {
    await ctx?.close()
    ctx = undefined as never // a later test whose context fails to start must not close this one again
  })

  it.each([
    ['an opaque origin (sandboxed frame)', 'null'],
    ['a look-alike host', 'http://gatehouse.test.evil.test'],
    ['our host over another scheme', 'https://gatehouse.test'],
    ['our host on another port', 'http://gatehouse.test:8080'],
  ])('rejects a sign-in form posted from %s', async (_name, origin) => {
    const b = browser(ctx.app)
    await b.get('/login')
    const res = await postForm(ctx, b, '/login', { email: MEMBER, password: PASSWORD, _csrf: b.csrf() }, { origin })
    expect(res.statusCode).toBe(403)
    expect(refusalCode(ctx, res)).toBe('csrf_invalid')
    expect(b.cookies.has('gh_session')).toBe(false)
  })

  it('rejects a token minted before sign-in once the browser is signed in', async () => {
    const b = browser(ctx.app)
    await b.get('/login')
    const preSessionToken = b.csrf()
    await b.post('/login', { email: 'olivia@acme.test', password: PASSWORD })
    const res = await postForm(ctx, b, '/logout', { _csrf: preSessionToken })
    expect(res.statusCode).toBe(403)
    expect((await b.get('/dashboard')).statusCode).toBe(200)
    const fresh = await postForm(ctx, b, '/logout', { _csrf: b.csrf() })
    expect(fresh.statusCode).toBe(303)
  })

  it('rejects a sign-in form sent as text/plain, which a cross-site form can send without a preflight', async () => {
    const b = browser(ctx.app)
    await b.get('/login')
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'text/plain' },
      payload: `_csrf=${b.csrf()}&email=${MEMBER}&password=${PASSWORD}`,
    })
    expect(res.statusCode).toBe(403)
    expect(b.cookies.has('gh_session')).toBe(false)
  })
})
