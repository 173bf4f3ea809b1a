/**
 * GET /metrics (DESIGN §6): off (404) without GATEHOUSE_METRICS_TOKEN, bearer-protected with it, and
 * its counters move with sign-ins of each kind (password page, API password, SSO success and an SSO
 * failure with its code), requests by route pattern, SAML validation time, the job queue and the
 * periodic jobs. No email, SSO name or raw URL in a label.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { enqueueMail } from '../../src/core/mail.js'
import { refreshIdpMetadata } from '../../src/core/metadata-refresh.js'
import { sweepExpired } from '../../src/jobs/sweep.js'
import { loadConfig } from '../../src/config.js'
import { browser } from '../helpers/browser.js'
import { addMember, postAcs, responseFor, setupSsoOrg, startSso } from '../helpers/sso.js'
import { createTestContext, operator, type TestContext } from '../helpers/test-app.js'
import { createTestIdp } from '../helpers/test-idp.js'

const TOKEN = 'metrics-token-0123456789abcdefghij'
const PASSWORD = 'correct horse battery'

let ctx: TestContext | undefined
afterEach(async () => {
  await ctx?.close()
  ctx = undefined
})

async function scrape(token = TOKEN) {
  return ctx!.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } })
}

/** The value of one sample line, `name{labels} value`; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (wanted.length === 0 && line.startsWith(`${name} `)) return Number(line.slice(name.length + 1))
    if (!line.startsWith(`${name}{`)) continue
    const inside = line.slice(name.length + 1, line.lastIndexOf('}')).split(',')
    if (wanted.every((w) => inside.includes(w)) && inside.length === wanted.length) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return 0
}

describe('GET /metrics', () => {
  it('is off (404) when GATEHOUSE_METRICS_TOKEN is not set', async () => {
    ctx = await createTestContext()
    const res = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.statusCode).toBe(404)
  })

  it('answers 401 without the token or with a wrong one, and 200 Prometheus text with it', async () => {
    ctx = await createTestContext({ env: { GATEHOUSE_METRICS_TOKEN: TOKEN } })
    expect((await ctx.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    const wrong = await scrape(`${TOKEN}x`)
    expect(wrong.statusCode).toBe(401)
    expect(wrong.headers['www-authenticate']).toBe('Bearer')
    expect(wrong.body).not.toContain('gatehouse_')
    expect((await scrape(TOKEN.slice(0, -1))).statusCode).toBe(401)
    const ok = await scrape()
    expect(ok.statusCode).toBe(200)
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(ok.body).toContain('# TYPE gatehouse_sign_ins_total counter')
    // Event-loop delay from Node's default metrics.
    expect(ok.body).toContain('gatehouse_nodejs_eventloop_lag_seconds')
  })

  it('refuses a metrics token shorter than 24 characters at start', () => {
    expect(() =>
      loadConfig({ GATEHOUSE_DATA_DIR: '/nonexistent-gatehouse-test-data', GATEHOUSE_SECRET_KEY: '11'.repeat(32), GATEHOUSE_METRICS_TOKEN: 'short' }),
    ).toThrow(/GATEHOUSE_METRICS_TOKEN: expected at least 24 characters, got 5/)
  })

  it('counts sign-ins of each kind by method, outcome and failure code, with no email or SSO name in any label', async () => {
    ctx = await createTestContext({ env: { GATEHOUSE_METRICS_TOKEN: TOKEN } })
    const idp = await createTestIdp('idp-metrics')
    const acme = await setupSsoOrg(ctx, idp, { slug: 'acme', ssoName: 'acme-secret-sso-name' })
    await addMember(ctx, 'acme', 'alice@acme.test')
    await operator(ctx, 'POST', '/organizations', { name: 'Beta', slug: 'beta' })
    await operator(ctx, 'POST', '/organizations/beta/members', { email: 'bob@beta.test', firstName: 'B', lastName: 'B', role: 'member', password: PASSWORD })
    const before = (await scrape()).body
    expect(sample(before, 'gatehouse_sign_ins_total', { method: 'password', outcome: 'success', failure_code: '' })).toBe(0)

    // Password page: one success, one wrong password.
    expect((await browser(ctx.app).submit('/login', '/login', { email: 'bob@beta.test', password: PASSWORD })).statusCode).toBe(303)
    expect((await browser(ctx.app).submit('/login', '/login', { email: 'bob@beta.test', password: 'wrong password!' })).statusCode).toBe(401)
    // API password sign-in.
    expect(
      (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { email: 'bob@beta.test', password: PASSWORD, org: 'beta' } })).statusCode,
    ).toBe(200)
    // SSO: a signed-in member, then a response with the wrong audience.
    const b = browser(ctx.app)
    const { requestId } = await startSso(b, acme.ssoName)
    expect((await postAcs(b, acme, responseFor(ctx, idp, acme, { nameId: 'alice@acme.test', inResponseTo: requestId }))).statusCode).toBe(303)
    const refused = await postAcs(browser(ctx.app), acme, responseFor(ctx, idp, acme, { nameId: 'alice@acme.test', audience: 'https://elsewhere.test/sp' }))
    expect(refused.statusCode).toBeGreaterThanOrEqual(400)

    const after = (await scrape()).body
    expect(sample(after, 'gatehouse_sign_ins_total', { method: 'password', outcome: 'success', failure_code: '' })).toBe(1)
    expect(sample(after, 'gatehouse_sign_ins_total', { method: 'password', outcome: 'failure', failure_code: 'invalid_credentials' })).toBe(1)
    expect(sample(after, 'gatehouse_sign_ins_total', { method: 'api_password', outcome: 'success', failure_code: '' })).toBe(1)
    expect(sample(after, 'gatehouse_sign_ins_total', { method: 'saml', outcome: 'success', failure_code: '' })).toBe(1)
    expect(sample(after, 'gatehouse_sign_ins_total', { method: 'saml', outcome: 'failure', failure_code: 'audience_mismatch' })).toBe(1)
    expect(sample(after, 'gatehouse_saml_validation_seconds_count', {})).toBe(2)
    // Requests by route pattern, never the raw URL.
    expect(sample(after, 'gatehouse_http_requests_total', { method: 'POST', route: '/saml/:ssoName/acs', status: '303' })).toBe(1)
    expect(after).not.toMatch(/alice@|bob@|acme-secret-sso-name|elsewhere\.test/)
  })

  it('reports the job queue depth and the run time and backlog of the periodic jobs', async () => {
    ctx = await createTestContext({ env: { GATEHOUSE_METRICS_TOKEN: TOKEN } })
    for (const to of ['a@gamma.test', 'b@gamma.test']) {
      await ctx.deps.store.transaction((tx) => enqueueMail(tx, ctx!.config.secretKey, { to, subject: 'Hello', text: 'Hello' }, ctx!.clock.now()))
    }
    const queued = (await ctx.deps.store.jobs.countByState()).queued
    expect(queued).toBe(2)
    expect(sample((await scrape()).body, 'gatehouse_job_queue_depth', { state: 'queued' })).toBe(queued)
    await ctx.runJobs()
    await sweepExpired(ctx.deps)
    await refreshIdpMetadata(ctx.deps)
    const text = (await scrape()).body
    expect(sample(text, 'gatehouse_job_queue_depth', { state: 'queued' })).toBe(0)
    expect(sample(text, 'gatehouse_periodic_job_backlog', { job: 'job_queue' })).toBe(queued)
    expect(sample(text, 'gatehouse_periodic_job_seconds_count', { job: 'job_queue' })).toBe(1)
    expect(sample(text, 'gatehouse_periodic_job_seconds_count', { job: 'expiry_sweep' })).toBe(1)
    expect(sample(text, 'gatehouse_periodic_job_backlog', { job: 'expiry_sweep' })).toBe(0)
    expect(sample(text, 'gatehouse_periodic_job_seconds_count', { job: 'metadata_refresh' })).toBe(1)
  })
})
